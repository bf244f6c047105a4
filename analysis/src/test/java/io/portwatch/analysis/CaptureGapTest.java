package io.portwatch.analysis;

import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.source.CaptureStats;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A live interface that goes down and is captured again: each window reports the part of the gap that
 * falls in it ({@code downNanos}) and whether capture resumed in it ({@code reattached}), on the wall clock
 * the source reports, while windows keep closing on that clock (onIdle); the capture's counters go on as
 * before.
 */
class CaptureGapTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    /** An analyzer with one-second windows fed UDP frames, the clock and the gap events. */
    private static final class Live {
        final CollectingSink out = new CollectingSink();
        final TrafficAnalyzer a;
        final UdpFrames frames;
        final AtomicReference<CaptureStats> kernel = new AtomicReference<>(CaptureStats.NONE);
        final long t0;

        Live(boolean thread) {
            a = new TrafficAnalyzer(new AnalyzerConfig(SECOND, FlowConfig.defaults(), false)
                    .withDetection(DetectConfig.defaults()).withDetectionThread(thread), "veth0", out);
            frames = new UdpFrames(a, 10 * MS);
            t0 = frames.now;
            a.captureStats(kernel::get);
            a.startClock(t0);
        }

        void packetAt(long offset) {
            frames.now = t0 + offset;
            frames.udp("10.0.0.1", 40000, "10.0.0.2", 5555, 10);
            CaptureStats k = kernel.get();
            kernel.set(new CaptureStats(k.received() + 1, 0, 0));
        }

        /** The idle clock every 100 ms from (exclusive) to (inclusive), as a live source calls it. */
        void idleUntil(long from, long to) {
            for (long t = from + 100 * MS; t <= to; t += 100 * MS) {
                a.onIdle(t0 + t);
            }
        }

        List<WindowReport> finish() {
            a.finish();
            return out.windows;
        }
    }

    private static long downMillis(WindowReport w) {
        return w.capture().downNanos() / MS;
    }

    @Test
    void eachWindowReportsItsShareOfTheGapAndTheWindowOfTheReattach() {
        for (boolean thread : new boolean[] {false, true}) {
            Live l = new Live(thread);
            l.packetAt(100 * MS);
            l.packetAt(200 * MS);
            l.idleUntil(200 * MS, 600 * MS);
            l.a.onCaptureDown(l.t0 + 600 * MS);
            l.idleUntil(600 * MS, 3_400 * MS);
            if (!thread) { // else the stage hands them on in its own time
                assertEquals(3, l.out.windows.size(), "windows close on the clock while down");
            }
            l.a.onCaptureUp(l.t0 + 3_400 * MS);
            l.packetAt(3_500 * MS);
            l.idleUntil(3_500 * MS, 4_300 * MS);
            List<WindowReport> w = l.finish();

            assertEquals(5, w.size(), "thread " + thread);
            assertEquals(List.of(400L, 1000L, 1000L, 400L, 0L), w.stream().map(CaptureGapTest::downMillis).toList());
            assertEquals(List.of(0L, 0L, 0L, 1L, 0L), w.stream().map(x -> x.capture().reattached()).toList());
            assertEquals(List.of(2L, 0L, 0L, 1L, 0L), w.stream().map(WindowReport::packets).toList());
            assertEquals(List.of(2L, 0L, 0L, 1L, 0L), w.stream().map(x -> x.capture().received()).toList(),
                    "the counters go on across the gap");
            for (int i = 0; i < w.size(); i++) {
                assertEquals(l.t0 + i * SECOND, w.get(i).startNanos());
            }
        }
    }

    @Test
    void aReattachAfterTheWindowsEndClosesItWithoutWaitingForLateFrames() {
        Live l = new Live(false);
        l.packetAt(100 * MS);
        l.a.onCaptureDown(l.t0 + 600 * MS);
        l.idleUntil(600 * MS, 1_100 * MS); // within the window's grace: still open
        assertEquals(0, l.out.windows.size());
        l.a.onCaptureUp(l.t0 + 1_150 * MS);
        assertEquals(1, l.out.windows.size(), "the new handle's frames all come after the window's end");
        l.packetAt(1_200 * MS);
        List<WindowReport> w = l.finish();
        assertEquals(2, w.size());
        assertEquals(400, downMillis(w.get(0)));
        assertEquals(0, w.get(0).capture().reattached());
        assertEquals(150, downMillis(w.get(1)), "the gap's part after the first window's end");
        assertEquals(1, w.get(1).capture().reattached());
        assertEquals(1, w.get(1).packets());
    }

    @Test
    void aStopWhileDownCountsTheGapUpToTheLastClockTick() {
        Live l = new Live(false);
        l.packetAt(100 * MS);
        l.a.onCaptureDown(l.t0 + 600 * MS);
        l.idleUntil(600 * MS, 900 * MS);
        List<WindowReport> w = l.finish();
        assertEquals(1, w.size());
        assertEquals(300, downMillis(w.get(0)), "not up to the window's end, which has not come");
        assertEquals(0, w.get(0).capture().reattached());
    }

    @Test
    void twoGapsInAWindowAddUp() {
        Live l = new Live(false);
        l.a.onCaptureDown(l.t0 + 100 * MS);
        l.idleUntil(100 * MS, 300 * MS);
        l.a.onCaptureUp(l.t0 + 300 * MS);
        l.packetAt(400 * MS);
        l.a.onCaptureDown(l.t0 + 500 * MS);
        l.idleUntil(500 * MS, 700 * MS);
        l.a.onCaptureUp(l.t0 + 750 * MS);
        l.idleUntil(700 * MS, 1_300 * MS);
        List<WindowReport> w = l.finish();
        assertEquals(450, downMillis(w.get(0)));
        assertEquals(2, w.get(0).capture().reattached());
        assertEquals(0, downMillis(w.get(1)));
    }
}
