package io.portwatch.analysis.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.PSH;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packets and bytes of each service of a window, from the ports' summaries of their servers: those of
 * tshark on the corpus, those of the window a long flow's packets fell in, unknown where the summary is not
 * exact (more than 64 servers on the port) or top talkers are off.
 */
class ServiceTrafficTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SECOND = DetectConfig.SECOND;

    @Test
    void corpusServicesCarryTsharksCounts() throws Exception {
        assumeTrue(Corpus.ifPresent().isPresent(), "no corpus");
        for (String name : new String[] {"http-sessions.pcap", "dns-queries.pcap", "busy-client.pcap"}) {
            Path capture = Corpus.captures().resolve(name);
            JsonNode ref = JSON.readTree(capture.resolveSibling(name + ".reference.json").toFile());
            WindowReport w = Captures.analyze(capture, Captures.config(DetectConfig.defaults()).withTopTalkers(5))
                    .sink().windows.get(0);
            assertEquals(1, w.services().size(), name + ": " + w.services());
            ServiceStats s = w.services().get(0);
            JsonNode port = ref.get("ports").get(s.transport().key() + "/" + s.port());
            assertTrue(s.hasTraffic(), name);
            assertEquals(port.get("packets").asLong(), s.packets(), name);
            assertEquals(port.get("bytes").asLong(), s.bytes(), name);
            // without top talkers there is nothing to take them from
            ServiceStats off = Captures.analyze(capture, Captures.config(DetectConfig.defaults()).withTopTalkers(0))
                    .sink().windows.get(0).services().get(0);
            assertFalse(off.hasTraffic(), name);
            assertEquals(ServiceStats.UNKNOWN, off.packets());
            assertEquals(s.withTraffic(ServiceStats.UNKNOWN, ServiceStats.UNKNOWN), off, "nothing else differs");
        }
    }

    @Test
    void aLongFlowCountsInEachWindowItSentIn() {
        for (boolean thread : new boolean[] {false, true}) {
            CollectingSink out = new CollectingSink();
            TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(SECOND, FlowConfig.defaults(), false,
                    DetectConfig.defaults()).withTopTalkers(5).withDetectionThread(thread), "long", out);
            Wire w = new Wire(a);
            w.session("10.0.1.1", 40001, "10.0.0.10", 80); // 8 packets, in the first window
            w.tcp("10.0.1.2", 40002, "10.0.0.10", 80, SYN);
            w.tcp("10.0.0.10", 80, "10.0.1.2", 40002, SYN | ACK);
            w.tcp("10.0.1.2", 40002, "10.0.0.10", 80, ACK);
            w.advanceMillis(1_000);
            for (int i = 0; i < 5; i++) { // the next window: the open flow sends 10 more, and a new session 8
                w.tcp("10.0.1.2", 40002, "10.0.0.10", 80, PSH | ACK, 100);
                w.tcp("10.0.0.10", 80, "10.0.1.2", 40002, ACK);
            }
            w.session("10.0.1.3", 40003, "10.0.0.10", 80);
            a.finish();
            assertEquals(2, out.windows.size());
            for (WindowReport r : out.windows) {
                PortStats p = r.ports().get(0);
                assertEquals(1, r.services().size(), r.services().toString());
                ServiceStats s = r.services().get(0);
                assertEquals(p.packets(), s.packets(), "the port's one server carries all of it");
                assertEquals(p.bytes(), s.bytes());
            }
            assertEquals(11, out.windows.get(0).services().get(0).packets());
            assertEquals(18, out.windows.get(1).services().get(0).packets());
            assertEquals(1, out.windows.get(1).services().get(0).flows(), "flows answered in the window: one");
        }
    }

    @Test
    void morePortServersThanTheSummaryHoldsAreUnknown() {
        for (int servers : new int[] {64, 65}) {
            CollectingSink sink = new CollectingSink();
            TrafficAnalyzer a = new TrafficAnalyzer(Captures.config(DetectConfig.defaults()).withTopTalkers(5),
                    "servers", sink);
            Wire w = new Wire(a);
            for (int s = 1; s <= servers; s++) {
                w.session("10.0.1.1", 40000 + s, "10.0.2." + s, 443);
            }
            a.finish();
            List<ServiceStats> services = sink.windows.get(0).services();
            assertEquals(servers, services.size());
            for (ServiceStats s : services) {
                assertEquals(servers <= 64, s.hasTraffic(), servers + " servers: " + s);
                if (s.hasTraffic()) {
                    assertEquals(8, s.packets());
                }
            }
        }
    }
}
