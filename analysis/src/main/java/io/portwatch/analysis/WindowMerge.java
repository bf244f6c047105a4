package io.portwatch.analysis;

import io.portwatch.analysis.ports.MemoryBudget;
import io.portwatch.analysis.ports.PortTable;
import io.portwatch.analysis.talkers.PortTalkers;
import io.portwatch.analysis.talkers.TalkerLog;
import io.portwatch.analysis.talkers.WindowTalkers;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.Downtime;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One window as several packet threads saw it, put together on the {@link MergingStage}'s thread: each
 * thread's draft of the window (its share of the flows) adds its port counters, totals and top talkers
 * here; the ports' distinct clients and servers were counted on the stage's thread already, by the slots of
 * {@link #slots()}, which is also where the counters go, so that the merged draft's slots are theirs.
 *
 * <p>Port counters and totals add up exactly. Top talkers too while a port's side had at most
 * {@code TalkerSummaries.CAPACITY} hosts in each thread and in all; past that, each thread's Space-Saving
 * summary adds its hosts to the merged one, whose counts then say how much they may overstate.
 */
final class WindowMerge {

    private final PortTable slots = new PortTable();
    private final long talkersBudget;
    private final AtomicReference<TalkerLog> noSpare = new AtomicReference<>();
    private final TalkerLog emptyLog = new TalkerLog();

    private int drafts;
    private String input;
    private long start;
    private long openedAt;
    private long end;
    private long packets;
    private long bytes;
    private long decodeErrors;
    private CaptureStats capture;
    private PortTalkers talkers;
    private int topTalkers;
    /** The stamp the drafts of this window carry: the window is whole once the stage is past it. */
    private long closeStamp;

    /**
     * Each thread's flows tracked at the end of its last window: a thread without a draft of a window (it had
     * no packet in it, and its clock passed it at once) still tracked those at its end.
     */
    private final long[] lastActive;

    /**
     * @param threads       the threads whose drafts come together
     * @param talkersBudget what the merged window's top talkers may grow into
     */
    WindowMerge(int threads, long talkersBudget) {
        this.talkersBudget = talkersBudget;
        this.lastActive = new long[threads];
    }

    /** The window's port slots: where the distinct counts of its flows go. */
    PortTable slots() {
        return slots;
    }

    /** How many threads' drafts are in; 0 when no window is being put together. */
    int drafts() {
        return drafts;
    }

    long closeStamp() {
        return closeStamp;
    }

    /** Adds one thread's draft of the window; its talkers are folded here (the thread gets its log back). */
    void add(int thread, WindowDraft d, long stamp) {
        lastActive[thread] = d.activeFlows();
        if (drafts == 0) {
            input = d.input();
            start = d.start();
            openedAt = d.openedAt();
            end = d.end();
            closeStamp = stamp;
            topTalkers = d.topTalkers();
        } else {
            if (d.openedAt() < openedAt) { // the window starts where the capture's first packet in it opened it
                start = d.start();
                openedAt = d.openedAt();
            }
            end = Math.max(end, d.end());
            closeStamp = Math.max(closeStamp, stamp);
        }
        drafts++;
        packets += d.packets();
        bytes += d.bytes();
        decodeErrors += d.decodeErrors();
        if (d.capture() != null) {
            capture = capture == null ? d.capture() : together(capture, d.capture());
        }
        PortTable.Counts counts = d.counts();
        if (d.talkers() != null) {
            int[] map = new int[counts.size()];
            for (int s = 0; s < map.length; s++) {
                map[s] = slots.slotOfKey(counts.key(s));
            }
            if (talkers == null) {
                talkers = new PortTalkers(new MemoryBudget(talkersBudget));
            }
            d.talkers().fold().addTo(talkers, map);
        }
        slots.addAll(counts);
    }

    /**
     * Two sockets of one interface over the same window: their frames, drops and ring freezes add up; the time
     * the interface was away, and its comebacks, each saw alike.
     */
    private static CaptureStats together(CaptureStats a, CaptureStats b) {
        return new CaptureStats(a.received() + b.received(), a.droppedByKernel() + b.droppedByKernel(),
                a.droppedByInterface() + b.droppedByInterface(), a.ringFreezes() + b.ringFreezes(),
                new Downtime(Math.max(a.downNanos(), b.downNanos()), Math.max(a.reattached(), b.reattached())));
    }

    /** The whole window's draft; this merge is empty afterwards, ready for the next window. */
    WindowDraft take() {
        long activeFlows = 0;
        for (int t = 0; t < lastActive.length; t++) {
            activeFlows += lastActive[t];
        }
        WindowTalkers merged = talkers == null ? null : new WindowTalkers(talkers, emptyLog, noSpare);
        WindowDraft d = new WindowDraft(input, start, end, slots.drainCounts(), packets, bytes, activeFlows,
                decodeErrors, capture, merged, topTalkers);
        drafts = 0;
        packets = bytes = decodeErrors = 0;
        capture = null;
        talkers = null;
        return d;
    }
}
