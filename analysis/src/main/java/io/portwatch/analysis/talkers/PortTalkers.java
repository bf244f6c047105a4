package io.portwatch.analysis.talkers;

import io.portwatch.analysis.output.InetText;
import io.portwatch.analysis.output.Talker;
import io.portwatch.analysis.output.TopTalkers;
import io.portwatch.analysis.ports.MemoryBudget;

import java.util.ArrayList;
import java.util.List;

/**
 * The top clients and servers of each port of one window, by the port's slot in the window's
 * {@link io.portwatch.analysis.ports.PortTable}: two sides of {@link TalkerSummaries} a port (its clients
 * and its servers, each ranked by packets and by bytes), filled from {@link TalkerLog}s once per flow. A
 * client's packets and bytes are those of its flows on the port, both directions; so are a server's.
 *
 * <p>Memory: the summaries grow into one {@link MemoryBudget} of this window's; past it they keep
 * Space-Saving in the rows they have ({@link #memoryLimited}). What the budget is not charged for is
 * {@link #SLOT_BYTES} a slot at most (30 MiB at the 131,072 slots of every TCP and UDP port; a random-port
 * flood of 2 million packets in one window made four summaries a port hold 372 MiB before, and 73 MiB with
 * the default budget of 43 MiB). Made by the packet thread for each window, then handed with the window to
 * the thread that makes its record: one writer at a time.
 */
public final class PortTalkers {

    /** Bytes a slot holds past the budget: its two sides' first rows and columns. */
    public static final long SLOT_BYTES = 2 * TalkerSummaries.SIDE_BYTES;

    private final TalkerSummaries sides;
    private final MemoryBudget budget;

    /** Summaries without a budget. */
    public PortTalkers() {
        this(MemoryBudget.unlimited());
    }

    /** @param budget what this window's summaries may grow into */
    public PortTalkers(MemoryBudget budget) {
        this.budget = budget;
        this.sides = new TalkerSummaries(budget);
    }

    /** Adds every entry of the log to its port's summaries, and empties the log; every entry must be settled. */
    public void fold(TalkerLog log) {
        assert log.settled() : "an entry's flow is still counting";
        for (int i = 0, n = log.size(); i < n; i++) {
            add(log, i);
        }
        log.clear();
    }

    private void add(TalkerLog log, int i) {
        final long p = log.packets(i);
        final long b = log.bytes(i);
        final long f = log.flows(i);
        if (p == 0 && f == 0) {
            return; // opened, never counted: nothing to add
        }
        final int s = log.slot(i) * 2;
        sides.add(s, log.clientHi(i), log.clientLo(i), p, b, f);
        sides.add(s + 1, log.serverHi(i), log.serverLo(i), p, b, f);
    }

    /**
     * Adds this window's summaries to {@code target}'s, the port in slot {@code s} here to slot
     * {@code slotMap[s]} there (summaries of the same window made by several packet threads). A side that
     * stayed exact adds its hosts exactly; one that did not adds its hosts by packets, as it kept them.
     */
    public void addTo(PortTalkers target, int[] slotMap) {
        for (int slot = 0; slot < slotMap.length; slot++) {
            for (int side = 0; side < 2; side++) {
                final int s = slot * 2 + side;
                if (!sides.has(s)) {
                    continue;
                }
                final int to = slotMap[slot] * 2 + side;
                for (int i = 0, n = sides.size(s); i < n; i++) {
                    final int row = sides.row(s, TalkerSummaries.PACKETS, i);
                    target.sides.add(to, sides.hi(s, row), sides.lo(s, row), sides.packets(s, row),
                            sides.bytes(s, row), sides.flows(s, row));
                }
            }
        }
    }

    /** The top {@code n} clients of the port in {@code slot}, or null when none was counted. */
    public TopTalkers clients(int slot, int n) {
        return top(slot * 2, n);
    }

    /** The top {@code n} servers of the port in {@code slot}, or null when none was counted. */
    public TopTalkers servers(int slot, int n) {
        return top(slot * 2 + 1, n);
    }

    /** Whether the budget refused the summaries of the port in {@code slot} rows they would have taken. */
    public boolean memoryLimited(int slot) {
        return sides.memoryLimited(slot * 2) || sides.memoryLimited(slot * 2 + 1);
    }

    /**
     * What server (hi, lo) carried on the port in {@code slot} in the window, both ways ({@code {packets,
     * bytes}}), when it is known exactly: the port's summary of servers is exact (it had at most
     * {@value TalkerSummaries#CAPACITY} servers in the window). Null otherwise, or when the server had no
     * flow on the port.
     */
    public long[] serverTraffic(int slot, long hi, long lo) {
        final int s = slot * 2 + 1;
        if (!sides.has(s) || !sides.exact(s)) {
            return null;
        }
        final int i = sides.find(s, hi, lo);
        return i < 0 ? null : new long[] {sides.packets(s, i), sides.bytes(s, i)};
    }

    /** What this window's summaries may grow into, and hold now. */
    public MemoryBudget budget() {
        return budget;
    }

    /** Bytes held past the budget at most: {@link #SLOT_BYTES} for each slot counted. */
    public long fixedBytes() {
        return sides.fixedBytes();
    }

    private TopTalkers top(int s, int n) {
        if (!sides.has(s)) {
            return null;
        }
        int[] byPackets = sides.top(s, TalkerSummaries.PACKETS, n);
        int[] byBytes = sides.top(s, TalkerSummaries.BYTES, n);
        Talker[] made = new Talker[byPackets.length];
        return new TopTalkers(sides.exact(s), talkers(s, byPackets, byPackets, made), talkers(s, byBytes, byPackets, made),
                sides.maxOvercount(s, TalkerSummaries.PACKETS), sides.maxOvercount(s, TalkerSummaries.BYTES));
    }

    /**
     * The talkers of these rows; a row of {@code made} (the rows by packets, made first) is taken as it is:
     * the lists of an exact side share their rows, and a window of 131,072 ports holds its records at once.
     */
    private List<Talker> talkers(int s, int[] rows, int[] madeRows, Talker[] made) {
        List<Talker> out = new ArrayList<>(rows.length);
        for (int row : rows) {
            Talker t = null;
            for (int j = 0; j < madeRows.length && t == null; j++) {
                if (madeRows[j] == row) {
                    t = made[j];
                }
            }
            if (t == null) {
                long hi = sides.hi(s, row);
                long lo = sides.lo(s, row);
                t = new Talker(InetText.format(InetText.isIpv4Mapped(hi, lo) ? 4 : 6, hi, lo), sides.packets(s, row),
                        sides.bytes(s, row), sides.flows(s, row));
                for (int j = 0; j < madeRows.length; j++) {
                    if (madeRows[j] == row) {
                        made[j] = t;
                    }
                }
            }
            out.add(t);
        }
        return out;
    }
}
