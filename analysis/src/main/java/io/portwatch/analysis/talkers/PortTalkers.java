package io.portwatch.analysis.talkers;

import io.portwatch.analysis.output.InetText;
import io.portwatch.analysis.output.Talker;
import io.portwatch.analysis.output.TopTalkers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The top clients and servers of each port of one window, by the port's slot in the window's
 * {@link io.portwatch.analysis.ports.PortTable}: four {@link HeavyHitters} a port (clients and servers,
 * by packets and by bytes), filled from {@link TalkerLog}s once per flow. A client's packets and bytes
 * are those of its flows on the port, both directions; so are a server's. Single writer.
 */
public final class PortTalkers {

    private static final int CLIENTS_BY_PACKETS = 0;
    private static final int CLIENTS_BY_BYTES = 1;
    private static final int SERVERS_BY_PACKETS = 2;
    private static final int SERVERS_BY_BYTES = 3;

    /** Four summaries a slot, created when a slot is first used. */
    private HeavyHitters[] summaries = new HeavyHitters[64 * 4];

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
        final int s = log.slot(i) * 4;
        if (s >= summaries.length) {
            summaries = Arrays.copyOf(summaries, Math.max(summaries.length * 2, s + 4));
        }
        if (summaries[s] == null) {
            summaries[s + CLIENTS_BY_PACKETS] = new HeavyHitters(HeavyHitters.PACKETS);
            summaries[s + CLIENTS_BY_BYTES] = new HeavyHitters(HeavyHitters.BYTES);
            summaries[s + SERVERS_BY_PACKETS] = new HeavyHitters(HeavyHitters.PACKETS);
            summaries[s + SERVERS_BY_BYTES] = new HeavyHitters(HeavyHitters.BYTES);
        }
        final long cHi = log.clientHi(i);
        final long cLo = log.clientLo(i);
        final long sHi = log.serverHi(i);
        final long sLo = log.serverLo(i);
        summaries[s + CLIENTS_BY_PACKETS].add(cHi, cLo, p, b, f);
        summaries[s + CLIENTS_BY_BYTES].add(cHi, cLo, p, b, f);
        summaries[s + SERVERS_BY_PACKETS].add(sHi, sLo, p, b, f);
        summaries[s + SERVERS_BY_BYTES].add(sHi, sLo, p, b, f);
    }

    /** The top {@code n} clients of the port in {@code slot}, or null when none was counted. */
    public TopTalkers clients(int slot, int n) {
        return top(slot * 4 + CLIENTS_BY_PACKETS, n);
    }

    /** The top {@code n} servers of the port in {@code slot}, or null when none was counted. */
    public TopTalkers servers(int slot, int n) {
        return top(slot * 4 + SERVERS_BY_PACKETS, n);
    }

    /**
     * What server (hi, lo) carried on the port in {@code slot} in the window, both ways ({@code {packets,
     * bytes}}), when it is known exactly: the port's summary of servers is exact (it had at most
     * {@value HeavyHitters#CAPACITY} servers in the window). Null otherwise, or when the server had no flow
     * on the port.
     */
    public long[] serverTraffic(int slot, long hi, long lo) {
        final int s = slot * 4 + SERVERS_BY_PACKETS;
        if (s >= summaries.length || summaries[s] == null || !summaries[s].exact()) {
            return null;
        }
        final HeavyHitters h = summaries[s];
        final int i = h.find(hi, lo);
        return i < 0 ? null : new long[] {h.packets(i), h.bytes(i)};
    }

    private TopTalkers top(int s, int n) {
        if (s >= summaries.length || summaries[s] == null || summaries[s].size() == 0) {
            return null;
        }
        HeavyHitters byPackets = summaries[s];
        HeavyHitters byBytes = summaries[s + 1];
        return new TopTalkers(byPackets.exact() && byBytes.exact(), talkers(byPackets, n), talkers(byBytes, n),
                byPackets.maxOvercount(), byBytes.maxOvercount());
    }

    private static List<Talker> talkers(HeavyHitters h, int n) {
        int[] idx = h.top(n);
        List<Talker> out = new ArrayList<>(idx.length);
        for (int i : idx) {
            long hi = h.hi(i);
            long lo = h.lo(i);
            out.add(new Talker(InetText.format(InetText.isIpv4Mapped(hi, lo) ? 4 : 6, hi, lo), h.packets(i),
                    h.bytes(i), h.flows(i)));
        }
        return out;
    }
}
