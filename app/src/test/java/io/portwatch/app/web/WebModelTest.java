package io.portwatch.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web view's model: what it keeps (bounded every way), what a snapshot holds, the events a browser follows. */
class WebModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long S = 1_000_000_000L;

    private static List<String> ports(int n, long window) {
        List<String> p = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            p.add("{\"type\":\"port_stats\",\"transport\":\"tcp\",\"port\":" + (1000 + i) + ",\"window\":" + window + "}");
        }
        return p;
    }

    private static String window(String input, long i) {
        return "{\"type\":\"window\",\"input\":\"" + input + "\",\"n\":" + i + "}";
    }

    @Test
    void keepsTheLastWindowsByCountAndAge() throws Exception {
        WebModel.Limits limits = new WebModel.Limits(5, 0, 3, 10, 100, 100, 100, 1 << 20);
        WebModel m = new WebModel(limits, "live", "s", S);
        for (int i = 0; i < 12; i++) {
            m.window("lo", (i + 1) * S, window("lo", i), ports(20, i), 20);
        }
        JsonNode state = JSON.readTree(m.state());
        assertEquals(5, state.get("windows").size());
        assertEquals(7, state.get("windows_dropped").asLong());
        assertEquals(7, state.at("/windows/0/window/n").asLong(), "the oldest kept is the eighth");
        for (int i = 0; i < 4; i++) {
            assertEquals(3, state.at("/windows/" + i + "/ports").size(), "an older window keeps its 3 busiest ports");
            assertEquals(20, state.at("/windows/" + i + "/ports_total").asLong());
        }
        assertEquals(10, state.at("/windows/4/ports").size(), "the latest keeps 10");
        assertEquals(1000, state.at("/windows/4/ports/0/port").asInt(), "the busiest first");

        WebModel aged = new WebModel(new WebModel.Limits(720, TimeUnit.SECONDS.toNanos(60), 3, 10, 100, 100, 100, 1 << 20),
                "live", "s", 10 * S);
        for (int i = 0; i < 20; i++) {
            aged.window("lo", (i + 1) * 10 * S, window("lo", i), ports(1, i), 1);
        }
        JsonNode a = JSON.readTree(aged.state());
        assertEquals(7, a.get("windows").size(), "windows ending within 60 s of the newest: " + a.get("windows"));
    }

    @Test
    void eachInputKeepsItsLatestWindowWhole() throws Exception {
        WebModel m = new WebModel(new WebModel.Limits(100, 0, 2, 50, 10, 10, 100, 1 << 20), "live", "s", S);
        m.window("eth0", S, window("eth0", 0), ports(8, 0), 8);
        m.window("eth1", S, window("eth1", 0), ports(8, 0), 8);
        JsonNode state = JSON.readTree(m.state());
        assertEquals(8, state.at("/windows/0/ports").size(), "another input's window does not trim eth0's latest");
        m.window("eth0", 2 * S, window("eth0", 1), ports(8, 1), 8);
        state = JSON.readTree(m.state());
        assertEquals(2, state.at("/windows/0/ports").size());
        assertEquals(8, state.at("/windows/1/ports").size());
        assertEquals(8, state.at("/windows/2/ports").size());
    }

    @Test
    void aWindowOfTheSameInputAndEndReplacesTheEarlierInPlace() throws Exception {
        // the fleet view sends a window again when more of its ports come (FleetWindows)
        WebModel m = new WebModel(new WebModel.Limits(100, 0, 2, 50, 10, 10, 100, 1 << 20), "fleet", "f", S);
        m.window("f", S, window("f", 0), ports(3, 0), 3);
        m.window("f", 2 * S, window("f", 1), ports(3, 1), 3);
        m.window("f", S, window("f", 10), ports(8, 0), 8);
        JsonNode state = JSON.readTree(m.state());
        assertEquals(2, state.get("windows").size(), "replaced, not added: " + state.get("windows"));
        assertEquals(10, state.at("/windows/0/window/n").asInt(), "the later record of the window, in its place");
        assertEquals(8, state.at("/windows/0/ports_total").asInt());
        assertEquals(2, state.at("/windows/0/ports").size(), "an older window keeps its 2 busiest ports");
        assertEquals(3, state.at("/windows/1/ports").size(), "the latest is left whole");
        assertEquals(3, state.at("/windows/0/seq").asLong(), "with the sequence number of its event");
        JsonNode event = JSON.readTree(m.eventsAfter(2, 10).get(0).data());
        assertEquals(10, event.at("/window/n").asInt());
        assertEquals(2, event.get("ports").size());

        m.window("f", 2 * S, window("f", 11), ports(6, 1), 6);
        state = JSON.readTree(m.state());
        assertEquals(2, state.get("windows").size());
        assertEquals(11, state.at("/windows/1/window/n").asInt(), "the latest replaced");
        assertEquals(6, state.at("/windows/1/ports").size(), "and whole");
        assertEquals(10, state.at("/windows/0/window/n").asInt());
    }

    @Test
    void aWindowThatComesLateGoesToItsPlaceInTime() throws Exception {
        WebModel m = new WebModel(new WebModel.Limits(3, 0, 2, 50, 10, 10, 100, 1 << 20), "fleet", "f", S);
        m.window("f", S, window("f", 1), ports(5, 1), 5);
        m.window("f", 3 * S, window("f", 3), ports(5, 3), 5);
        m.window("f", 2 * S, window("f", 2), ports(5, 2), 5);
        JsonNode state = JSON.readTree(m.state());
        assertEquals(List.of(1, 2, 3), List.of(state.at("/windows/0/window/n").asInt(),
                state.at("/windows/1/window/n").asInt(), state.at("/windows/2/window/n").asInt()));
        assertEquals(2, state.at("/windows/1/ports").size(), "not the latest: its busiest only");
        assertEquals(5, state.at("/windows/2/ports").size(), "the latest stays whole");
        m.window("f", 4 * S, window("f", 4), ports(5, 4), 5);
        state = JSON.readTree(m.state());
        assertEquals(2, state.at("/windows/0/window/n").asInt(), "the oldest in time went first");
        m.window("f", S / 2, window("f", 0), ports(5, 0), 5);
        state = JSON.readTree(m.state());
        assertEquals(2, state.at("/windows/0/window/n").asInt(), "older than all a full history keeps: dropped");
        assertEquals(3, state.get("windows").size());
    }

    @Test
    void alertsServicesAndSummariesAreBounded() throws Exception {
        WebModel m = new WebModel(new WebModel.Limits(10, 0, 2, 5, 3, 2, 100, 1 << 20), "live", "s", S);
        for (int i = 0; i < 5; i++) {
            m.alert("{\"type\":\"alert\",\"n\":" + i + "}");
            m.service("tcp/10.0.0." + i + "/22", "{\"type\":\"alert\",\"n\":" + i + "}");
        }
        m.service("tcp/10.0.0.4/22", "{\"type\":\"alert\",\"n\":44}");
        m.summary("{\"type\":\"summary\"}");
        JsonNode state = JSON.readTree(m.state());
        assertEquals(3, state.get("alerts").size());
        assertEquals(2, state.at("/alerts/0/n").asInt(), "the latest alerts");
        assertEquals(2, state.get("alerts_dropped").asLong());
        assertEquals(2, state.get("services").size());
        assertEquals(44, state.at("/services/1/n").asInt(), "a service seen again replaces its entry");
        assertEquals(1, state.get("summaries").size());
        assertEquals(m.seq(), state.get("seq").asLong());
    }

    @Test
    void theServicesOfAWindowAreKeptByKeyAndTravelInItsEvent() throws Exception {
        WebModel m = new WebModel(new WebModel.Limits(10, 0, 2, 5, 3, 2, 100, 1 << 20), "live", "s", S);
        java.util.Map<String, String> seen = new java.util.LinkedHashMap<>();
        seen.put("tcp/10.0.0.1/22", "{\"type\":\"service\",\"flows\":1}");
        seen.put("tcp/10.0.0.2/22", "{\"type\":\"service\",\"flows\":2}");
        seen.put("tcp/10.0.0.3/22", "{\"type\":\"service\",\"flows\":3}");
        m.window("lo", S, window("lo", 0), ports(1, 0), 1, seen);
        JsonNode event = JSON.readTree(m.eventsAfter(0, 1).get(0).data());
        assertEquals(2, event.get("services").size(), "at most the bound");
        m.window("lo", 2 * S, window("lo", 1), ports(1, 1), 1,
                java.util.Map.of("tcp/10.0.0.1/22", "{\"type\":\"service\",\"flows\":10}"));
        JsonNode state = JSON.readTree(m.state());
        assertEquals(2, state.get("services").size());
        assertEquals(2, state.at("/services/0/flows").asInt());
        assertEquals(10, state.at("/services/1/flows").asInt(), "seen again: its latest record, last");
        assertTrue(state.at("/windows/0").get("services") == null, "a snapshot's windows do not repeat them");
    }

    @Test
    void followersGetTheEventsAfterTheirCursorOrAReset() throws Exception {
        WebModel m = new WebModel(new WebModel.Limits(100, 0, 2, 5, 100, 10, 4, 1 << 20), "live", "s", S);
        assertTrue(m.eventsAfter(0, 10).isEmpty());
        for (int i = 0; i < 3; i++) {
            m.window("lo", (i + 1) * S, window("lo", i), ports(1, i), 1);
        }
        m.alert("{\"type\":\"alert\"}");
        List<WebModel.Event> all = m.eventsAfter(0, 10);
        assertEquals(List.of("window", "window", "window", "alert"), all.stream().map(WebModel.Event::name).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L), all.stream().map(WebModel.Event::seq).toList());
        JsonNode first = JSON.readTree(all.get(0).data());
        assertEquals(1, first.get("seq").asLong());
        assertEquals("window", first.at("/window/type").asText());
        assertEquals(1, first.get("ports").size());
        assertEquals(2, m.eventsAfter(2, 10).size());
        assertEquals(1, m.eventsAfter(0, 1).size(), "at most max");
        m.window("lo", 4 * S, window("lo", 3), ports(1, 3), 1);
        assertNull(m.eventsAfter(0, 10), "event 1 is no longer kept (4 at most): the follower starts again");
        assertNotNull(m.eventsAfter(1, 10));
        assertTrue(m.awaitAfter(0, 1), "something after 0");
        long before = System.nanoTime();
        assertTrue(!m.awaitAfter(m.seq(), 50), "nothing after the last");
        assertTrue(System.nanoTime() - before >= TimeUnit.MILLISECONDS.toNanos(40), "it waited");
    }

    @Test
    void eventsAreBoundedBySize() {
        WebModel m = new WebModel(new WebModel.Limits(100, 0, 2, 1000, 100, 10, 1000, 50_000), "live", "s", S);
        for (int i = 0; i < 20; i++) {
            m.window("lo", (i + 1) * S, window("lo", i), ports(200, i), 200);
        }
        List<WebModel.Event> kept = m.eventsAfter(m.seq() - 1, 100);
        assertEquals(1, kept.size());
        assertNull(m.eventsAfter(0, 100), "the oldest events went: the size bound holds");
    }

    @Test
    void aCaptureFileFillsItWithTheJsonRecords() throws Exception {
        Path sample = Path.of(System.getProperty("portwatch.root", "..")).resolve("src/samples/sample.pcap");
        WebModel m = Analysis.read(sample, 100_000_000L, WebModel.Limits.report());
        JsonNode state = JSON.readTree(m.state());
        assertEquals("report", state.get("mode").asText());
        assertTrue(state.get("windows").size() >= 3, state.get("windows").toString());
        long packets = 0;
        for (JsonNode w : state.get("windows")) {
            assertEquals("window", w.at("/window/type").asText());
            for (JsonNode p : w.get("ports")) {
                assertEquals("port_stats", p.get("type").asText());
                assertFalse(p.has("clients_hll") || p.has("servers_hll") || p.has("hll_key"),
                        "the view keeps no sketches: " + p);
                packets += p.get("packets").asLong();
            }
        }
        assertEquals(1, state.get("summaries").size());
        assertEquals(1, state.get("alerts").size());
        assertEquals("port_scan", state.at("/alerts/0/kind").asText());
        // every TCP and UDP packet is in a port's count (the one other IP packet is not)
        assertEquals(state.at("/summaries/0/tcp_packets").asLong() + state.at("/summaries/0/udp_packets").asLong(), packets);
    }
}
