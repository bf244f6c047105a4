package io.portwatch.analysis;

import io.portwatch.analysis.ports.MemoryBudget;
import io.portwatch.analysis.talkers.PortTalkers;
import io.portwatch.analysis.talkers.TalkerLog;
import io.portwatch.analysis.talkers.WindowTalkers;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.capture.flow.FlowTable;
import io.portwatch.capture.flow.MarkVisitor;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Which window a flow was last counted in, kept in the flow's mark ({@link FlowTable#mark}): a flow is
 * active in the open window when its mark is at least {@code windowFirst}.
 *
 * <p>Without top talkers the mark is the window's number. With them it is a ticket, a number given to
 * each flow at its first packet in the window (and again after the window's {@link TalkerLog} was
 * folded): the ticket minus {@code logFirst} is the flow's entry in the log, which keeps the flow's
 * counters as they stood before that packet; what the flow carried in the window is settled from the
 * flow table's counters when it ends, is cut, or the window closes (a pass over the table for the flows
 * still open). Tickets only grow; before they would reach {@code ticketLimit} the flows' marks are
 * renumbered from 1 ({@link FlowTable#rebaseMarks}), once in about a billion, so that a mark from long
 * ago can never pass for a current one. Owned by the packet thread.
 */
final class WindowMarks {

    /** Where tickets are renumbered from 1. */
    static final int TICKET_LIMIT = 1 << 30;

    private final FlowTable flows;
    private final int ticketLimit;
    /** When above 0, the log's limit instead of {@link TalkerLog#limit} (for tests). */
    private final int fixedLogLimit;
    /** Null when top talkers are off. */
    private TalkerLog log;
    private PortTalkers talkers;
    /** What each window's top talkers may grow into (see {@link PortTalkers}). */
    private final long talkersBudget;
    /** A log the thread that folds closed windows handed back, empty, for reuse. */
    private final AtomicReference<TalkerLog> spare = new AtomicReference<>();
    private int windowFirst = 1;
    private int logFirst = 1;
    private int next = 1;
    /** Settles the entry of an open flow from the table's counters. */
    private final MarkVisitor settle = (t, slot, m) ->
            log.settle(m - logFirst, t.packetsToServer(slot) + t.packetsToClient(slot),
                    t.bytesToServer(slot) + t.bytesToClient(slot));

    /**
     * @param talkersBudget bytes each window's top-talker summaries may grow into (past their first rows)
     */
    WindowMarks(FlowTable flows, boolean topTalkers, long talkersBudget, int ticketLimit, int fixedLogLimit) {
        this.flows = flows;
        this.ticketLimit = ticketLimit;
        this.fixedLogLimit = fixedLogLimit;
        this.talkersBudget = talkersBudget;
        if (topTalkers) {
            log = new TalkerLog();
            talkers = new PortTalkers(new MemoryBudget(talkersBudget));
        }
    }

    private int logLimit() {
        return fixedLogLimit > 0 ? fixedLogLimit : TalkerLog.limit(flows.capacity());
    }

    /**
     * A packet of {@code ipBytes} of the flow in {@code slot}, just counted by the flow table, for the port in
     * {@code portSlot}.
     *
     * @return true when it is the flow's first packet in the window
     */
    boolean count(int slot, int portSlot, long ipBytes) {
        final FlowTable ft = flows;
        final int m = ft.mark(slot);
        final boolean first = m < windowFirst;
        if (log == null) {
            if (first) {
                ft.setMark(slot, windowFirst);
            }
        } else if (first || m < logFirst) {
            open(slot, portSlot, first, 1, ipBytes);
        }
        return first;
    }

    /**
     * Gives the flow in slot a ticket and an entry in the log, its snapshot the flow's counters less the
     * packets just counted.
     */
    private void open(int slot, int portSlot, boolean firstInWindow, long packets, long ipBytes) {
        final int limit = logLimit();
        log.maxEntries(limit);
        if (log.size() >= limit) {
            settleOpenFlows();
            talkers.fold(log);
            logFirst = next;
        }
        if (next >= ticketLimit) {
            renumber();
        }
        final FlowTable ft = flows;
        final int m = next++;
        ft.setMark(slot, m);
        log.open(portSlot, ft.clientHi(slot), ft.clientLo(slot), ft.serverHi(slot), ft.serverLo(slot), firstInWindow,
                ft.packetsToServer(slot) + ft.packetsToClient(slot) - packets,
                ft.bytesToServer(slot) + ft.bytesToClient(slot) - ipBytes);
    }

    /** The open window's top talkers so far (the log not folded in), or null when off; for inspection. */
    PortTalkers talkers() {
        return talkers;
    }

    /** Heap bytes of the open window's log, or 0 when top talkers are off. */
    long logBytes() {
        return log == null ? 0 : log.memoryBytes();
    }

    /** The flow in slot ends (its counters final) or is cut into parts (they start again from zero). */
    void flowEnd(FlowTable ft, int slot, EndReason reason) {
        if (log == null) {
            return;
        }
        final int m = ft.mark(slot);
        if (m >= logFirst && m < next) {
            final long packets = ft.packetsToServer(slot) + ft.packetsToClient(slot);
            final long bytes = ft.bytesToServer(slot) + ft.bytesToClient(slot);
            if (reason == EndReason.ACTIVE) {
                log.cut(m - logFirst, packets, bytes);
            } else {
                log.settle(m - logFirst, packets, bytes);
            }
        }
    }

    /** Settles the entries of the flows still open, from the table's counters. */
    private void settleOpenFlows() {
        flows.forEachMarked(logFirst, next, settle);
    }

    /** Marks of this window's flows start again from 1, every other mark becomes 0 (never counted). */
    private void renumber() {
        final int to = log == null ? windowFirst + 1 : next;
        flows.rebaseMarks(windowFirst, to);
        final int d = windowFirst - 1;
        logFirst -= d;
        next -= d;
        windowFirst = 1;
    }

    /** A window opens: no flow is active in it yet. */
    void openWindow() {
        if (log == null) {
            if (windowFirst + 1 >= ticketLimit) {
                renumber();
            }
            windowFirst++;
        } else {
            windowFirst = next;
            logFirst = next;
        }
    }

    /**
     * The closing window's top talkers, its log settled and still to fold, or null when off; the next
     * window gets new summaries and the log the record's thread handed back, if it has.
     */
    WindowTalkers takeTalkers() {
        if (log == null) {
            return null;
        }
        settleOpenFlows();
        WindowTalkers t = new WindowTalkers(talkers, log, spare);
        talkers = new PortTalkers(new MemoryBudget(talkersBudget));
        TalkerLog back = spare.getAndSet(null);
        log = back != null ? back : new TalkerLog();
        return t;
    }
}
