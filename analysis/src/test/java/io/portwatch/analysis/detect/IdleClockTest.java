package io.portwatch.analysis.detect;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.capture.flow.FlowConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.FIN;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A live capture on a quiet link: no packet comes after a flow's last one, and only the clock moves
 * ({@link TrafficAnalyzer#onIdle}, as a live source calls it while no frame waits). Flows must end
 * within their timeouts all the same, and what their ends tell the detectors must be reported then,
 * not when the capture stops.
 */
class IdleClockTest {

    private static final long SECOND = 1_000_000_000L;

    /** As {@code live} runs it: 10-second windows, started on the clock. */
    private static TrafficAnalyzer analyzer(CollectingSink out, boolean detectionThread) {
        AnalyzerConfig c = new AnalyzerConfig(10 * SECOND, FlowConfig.defaults(), true, DetectConfig.defaults())
                .withDetectionThread(detectionThread);
        TrafficAnalyzer a = new TrafficAnalyzer(c, "lo", out);
        a.startClock(new Wire(a).now);
        return a;
    }

    /** Ticks the idle clock every second for {@code seconds} seconds after the wire's last packet. */
    private static void idle(TrafficAnalyzer a, Wire w, int seconds) {
        for (int s = 1; s <= seconds; s++) {
            a.onIdle(w.now + s * SECOND);
        }
        a.detection(); // the detection thread, if any, has handled everything so far
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aClosedFlowEndsFiveSecondsAfterItsLastFin(boolean detectionThread) {
        CollectingSink out = new CollectingSink();
        TrafficAnalyzer a = analyzer(out, detectionThread);
        Wire w = new Wire(a);
        w.tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN);
        w.advanceMillis(1).tcp("10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK);
        w.advanceMillis(1).tcp("10.0.0.1", 40000, "10.0.0.2", 80, ACK);
        w.advanceMillis(1).tcp("10.0.0.1", 40000, "10.0.0.2", 80, FIN | ACK);
        w.advanceMillis(1).tcp("10.0.0.2", 80, "10.0.0.1", 40000, FIN | ACK);
        w.advanceMillis(1).tcp("10.0.0.1", 40000, "10.0.0.2", 80, ACK);

        idle(a, w, 4);
        assertTrue(out.flows.isEmpty(), "a closed flow lingers 5 s for its last packets");
        idle(a, w, 7);
        assertEquals(1, out.flows.size(), "the closed flow ended on the idle clock, before the capture stopped");
        assertEquals(EndReason.FIN, out.flows.get(0).endReason());
        assertEquals(0, a.flowTable().size());
        a.finish();
        assertEquals(1, out.flows.size());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anUnansweredSynScanIsReportedOnTheIdleClock(boolean detectionThread) {
        CollectingSink out = new CollectingSink();
        TrafficAnalyzer a = analyzer(out, detectionThread);
        Wire w = new Wire(a);
        for (int port = 1; port <= 100; port++) {
            w.advanceMillis(2).tcp("10.0.0.66", 50000, "10.0.0.2", port, SYN);
        }
        idle(a, w, 60);
        assertEquals(100, out.flows.size(), "unanswered handshakes time out on the idle clock");
        assertFalse(out.alerts.isEmpty(), "the scan is reported within a minute, not at the stop");
        assertTrue(out.alerts.stream().allMatch(al -> al.source().equals("10.0.0.66")), out.alerts.toString());
        a.finish();
    }
}
