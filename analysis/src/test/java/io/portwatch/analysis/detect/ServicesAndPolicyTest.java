package io.portwatch.analysis.detect;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.capture.flow.FlowConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.RST;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exposed services, new_service alerts against a baseline or after learning, and policy alerts. */
class ServicesAndPolicyTest {

    static final long SECOND = DetectConfig.SECOND;

    /** Sessions to 10.0.0.10:80 and :8080, DNS answered by 10.0.0.53, a refused and a half-open attempt. */
    static void mixedTraffic(Wire w) {
        w.session("10.0.1.1", 40001, "10.0.0.10", 80);
        w.session("10.0.1.2", 40002, "10.0.0.10", 80);
        w.advanceMillis(100);
        w.session("10.0.1.1", 40003, "10.0.0.10", 8080);
        w.udp("10.0.1.1", 50000, "10.0.0.53", 53, 30);
        w.udp("10.0.0.53", 53, "10.0.1.1", 50000, 90);
        w.udp("10.0.1.3", 50001, "10.0.0.53", 53, 30); // no answer: not a service by itself
        w.tcp("10.0.1.1", 40004, "10.0.0.10", 3306, SYN);
        w.tcp("10.0.0.10", 3306, "10.0.1.1", 40004, RST | ACK); // refused
        w.tcp("10.0.1.1", 40005, "10.0.0.11", 443, SYN);
        w.tcp("10.0.0.11", 443, "10.0.1.1", 40005, SYN | ACK); // answered, never completed
        w.advanceMillis(100);
    }

    @Test
    void inventoryHoldsServicesThatAnswered() {
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(Captures.config(DetectConfig.defaults()), "t", sink);
        Wire w = new Wire(a);
        mixedTraffic(w);
        a.finish();
        List<String> keys = a.detection().services().stream().map(ExposedService::key).toList();
        assertEquals(List.of("tcp 10.0.0.10 80", "tcp 10.0.0.10 8080", "udp 10.0.0.53 53"), keys);
        ExposedService http = a.detection().services().get(0);
        assertEquals(2, http.clients());
        assertEquals(2, http.flows());
        assertTrue(sink.alerts.isEmpty(), "no baseline, no learning period: no new_service " + sink);
    }

    @Test
    void eachWindowListsTheServicesThatAnsweredInIt() throws PolicyException {
        ServiceBaseline known = ServiceBaseline.parse("known", List.of("tcp 10.0.0.10 80"));
        for (boolean thread : new boolean[] {false, true}) {
            CollectingSink sink = new CollectingSink();
            TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(SECOND, FlowConfig.defaults(), false,
                    DetectConfig.defaults().withServices(known, 0, null)).withDetectionThread(thread), "t", sink);
            Wire w = new Wire(a);
            long start = w.now;
            mixedTraffic(w);
            w.advanceMillis(1_000);
            w.session("10.0.1.7", 40010, "10.0.0.10", 80);
            w.session("10.0.1.8", 40011, "10.0.0.10", 80);
            w.tcp("10.0.1.1", 40012, "10.0.0.10", 3306, SYN); // unanswered: no service
            a.finish();
            assertEquals(2, sink.windows.size());
            List<ServiceStats> first = sink.windows.get(0).services();
            assertEquals(List.of("tcp 10.0.0.10 80 flows=2 new=false", "tcp 10.0.0.10 8080 flows=1 new=true",
                    "udp 10.0.0.53 53 flows=1 new=true"), first.stream().map(ServicesAndPolicyTest::text).toList());
            assertEquals("http", first.get(0).service());
            assertEquals(start, first.get(0).firstSeenNanos(), 10_000_000L);
            List<ServiceStats> second = sink.windows.get(1).services();
            assertEquals(List.of("tcp 10.0.0.10 80 flows=2 new=false"),
                    second.stream().map(ServicesAndPolicyTest::text).toList(), "thread " + thread);
            assertEquals(first.get(0).firstSeenNanos(), second.get(0).firstSeenNanos());
            assertEquals(4, second.get(0).clients(), "distinct clients since first seen");
        }
    }

    private static String text(ServiceStats s) {
        return s.transport() + " " + s.address() + " " + s.port() + " flows=" + s.flows() + " new=" + s.newService();
    }

    @Test
    void newServiceAgainstABaseline() throws PolicyException {
        ServiceBaseline known = ServiceBaseline.parse("known", List.of("tcp 10.0.0.10 80"));
        CollectingSink out = ScanDetectionTest.run(DetectConfig.defaults().withServices(known, 0, null),
                ServicesAndPolicyTest::mixedTraffic);
        List<Alert> news = out.alertsOf(Alert.Kind.NEW_SERVICE);
        assertEquals(List.of("tcp 10.0.0.10:8080", "udp 10.0.0.53:53"),
                news.stream().map(x -> x.transport().key() + " " + x.target() + ":" + x.port()).toList(), out.toString());
        assertEquals("10.0.1.1", news.get(0).source());
        assertEquals("http-alt", news.get(0).details().get("service"));
        assertEquals("not in the baseline", news.get(0).details().get("reason"));
    }

    @Test
    void newServiceAfterTheLearningPeriod() {
        CollectingSink out = ScanDetectionTest.run(DetectConfig.defaults().withServices(null, 60 * SECOND, null), w -> {
            w.session("10.0.1.1", 40001, "10.0.0.10", 80);
            w.advanceMillis(30_000);
            w.session("10.0.1.2", 40002, "10.0.0.10", 22);
            w.advanceMillis(60_000);
            w.session("10.0.1.3", 40003, "10.0.0.10", 80); // learned
            w.session("10.0.1.3", 40004, "10.0.0.10", 22); // learned
            w.session("10.0.1.3", 40005, "10.0.0.12", 22); // new
        });
        Alert a = ScanDetectionTest.only(out, Alert.Kind.NEW_SERVICE);
        assertEquals("10.0.0.12", a.target());
        assertEquals(22, a.port());
        assertEquals("first seen after the learning period", a.details().get("reason"));
    }

    @Test
    void recorderMergesAnalysesForOneBaseline(@TempDir Path dir) throws Exception {
        ServiceBaseline known = ServiceBaseline.parse("known", List.of("tcp 192.0.2.7 25"));
        BaselineRecorder recorder = new BaselineRecorder(known);
        DetectConfig d = DetectConfig.defaults().withServices(known, 0, recorder);
        for (String server : List.of("10.0.0.10", "10.0.0.20")) {
            TrafficAnalyzer a = new TrafficAnalyzer(Captures.config(d), server, new CollectingSink());
            Wire w = new Wire(a);
            w.session("10.0.1.1", 40001, server, 443);
            w.session("10.0.1.2", 40002, "10.0.0.10", 443); // both analyses see this one
            a.finish();
        }
        Path file = dir.resolve("saved.txt");
        recorder.write(file);
        ServiceBaseline saved = ServiceBaseline.load(file);
        assertEquals(List.of("tcp 10.0.0.10 443", "tcp 10.0.0.20 443", "tcp 192.0.2.7 25"),
                saved.services().stream().map(ExposedService::key).toList());
        ExposedService merged = saved.services().get(0);
        assertEquals(3, merged.flows(), "two flows in the first analysis, one in the second");
        assertEquals(2, merged.clients());
        assertTrue(Files.readAllLines(file).get(0).startsWith("#"));
    }

    @Test
    void policyAlertsOncePerFlowKeyAndWindow() throws PolicyException {
        PortPolicy policy = PortPolicy.parse("site.policy", List.of("default deny", "allow tcp 80", "deny tcp 23"));
        CollectingSink out = ScanDetectionTest.run(DetectConfig.defaults().withPolicy(policy, 1000), w -> {
            w.session("10.0.1.1", 40001, "10.0.0.10", 80);
            for (int i = 0; i < 5; i++) {
                w.session("10.0.1.1", 41000 + i, "10.0.0.10", 23); // one alert for the five
            }
            w.session("10.0.1.2", 42000, "10.0.0.10", 23); // another client: another key
            w.session("10.0.1.1", 43000, "10.0.0.10", 8080); // by default
            w.advanceMillis(301_000);
            w.session("10.0.1.1", 41010, "10.0.0.10", 23); // the next window
        });
        List<Alert> p = out.alertsOf(Alert.Kind.POLICY_VIOLATION);
        assertEquals(List.of("10.0.1.1>23", "10.0.1.2>23", "10.0.1.1>8080", "10.0.1.1>23"),
                p.stream().map(a -> a.source() + ">" + a.port()).toList(), out.toString());
        Alert first = p.get(0);
        assertEquals("deny tcp 23", first.details().get("rule"));
        assertEquals(3, first.details().get("line"));
        assertEquals("site.policy", first.details().get("policy"));
        assertEquals("telnet", first.details().get("service"));
        assertEquals(Alert.Severity.HIGH, first.severity());
        assertEquals("default deny", p.get(2).details().get("rule"));
        assertEquals(Alert.Severity.MEDIUM, p.get(2).severity());
        assertEquals("10.0.0.10", first.target());
    }

    @Test
    void policyAlertsPerWindowAreCapped() throws PolicyException {
        PortPolicy policy = PortPolicy.parse("p", List.of("deny udp 69"));
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(0, FlowConfig.defaults(), false,
                DetectConfig.defaults().withPolicy(policy, 10)), "t", sink);
        Wire w = new Wire(a);
        for (int i = 0; i < 50; i++) {
            w.udp("10.0.2." + (i + 1), 3000, "10.0.0.10", 69, 20);
            w.advanceMillis(10);
        }
        a.finish();
        assertEquals(10, sink.alertsOf(Alert.Kind.POLICY_VIOLATION).size());
        assertEquals(40, a.detection().stats().policySuppressed());
        assertEquals(10, a.detection().stats().policyViolations());
    }
}
