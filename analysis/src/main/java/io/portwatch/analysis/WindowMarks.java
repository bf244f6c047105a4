package io.portwatch.analysis;

import io.portwatch.analysis.talkers.PortTalkers;
import io.portwatch.analysis.talkers.TalkerLog;
import io.portwatch.capture.flow.FlowTable;

/**
 * Which window a flow was last counted in, kept in the flow's mark ({@link FlowTable#mark}): a flow is
 * active in the open window when its mark is at least {@code windowFirst}.
 *
 * <p>Without top talkers the mark is the window's number. With them it is a ticket, a number given to
 * each flow at its first packet in the window (and again after the window's {@link TalkerLog} was
 * folded): the ticket minus {@code logFirst} is the flow's entry in the log, which each of its packets
 * then counts into. Tickets only grow; before they would reach {@code ticketLimit} the flows' marks are
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
    private int windowFirst = 1;
    private int logFirst = 1;
    private int next = 1;

    WindowMarks(FlowTable flows, boolean topTalkers, int ticketLimit, int fixedLogLimit) {
        this.flows = flows;
        this.ticketLimit = ticketLimit;
        this.fixedLogLimit = fixedLogLimit;
        if (topTalkers) {
            log = new TalkerLog();
            talkers = new PortTalkers();
        }
    }

    /**
     * Counts a packet of {@code ipBytes} of the flow in {@code slot} to the open window, for the port in
     * {@code portSlot}.
     *
     * @return true when it is the flow's first packet in the window
     */
    boolean count(int slot, int portSlot, long ipBytes) {
        final FlowTable ft = flows;
        int m = ft.mark(slot);
        final boolean first = m < windowFirst;
        if (log == null) {
            if (first) {
                ft.setMark(slot, windowFirst);
            }
            return first;
        }
        if (first || m < logFirst) {
            m = open(slot, portSlot, first);
        }
        log.count(m - logFirst, 1, ipBytes);
        return first;
    }

    /** More packets of the flow in slot, whose packet was just {@link #count counted}. */
    void countMore(int slot, long packets, long ipBytes) {
        if (log != null) {
            log.count(flows.mark(slot) - logFirst, packets, ipBytes);
        }
    }

    /** Gives the flow in slot a ticket and an entry in the log. */
    private int open(int slot, int portSlot, boolean firstInWindow) {
        if (log.size() >= (fixedLogLimit > 0 ? fixedLogLimit : TalkerLog.limit(flows.capacity()))) {
            talkers.fold(log);
            logFirst = next;
        }
        if (next >= ticketLimit) {
            renumber();
        }
        final FlowTable ft = flows;
        final int m = next++;
        ft.setMark(slot, m);
        log.open(portSlot, ft.clientHi(slot), ft.clientLo(slot), ft.serverHi(slot), ft.serverLo(slot), firstInWindow);
        return m;
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

    /** The closing window's top talkers (with its last log, to fold), or null when off; the next window gets new ones. */
    PortTalkers takeTalkers() {
        if (log == null) {
            return null;
        }
        PortTalkers t = talkers;
        t.fold(log);
        talkers = new PortTalkers();
        return t;
    }
}
