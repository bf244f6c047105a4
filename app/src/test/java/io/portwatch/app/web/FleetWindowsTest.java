package io.portwatch.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fleet's port records grouped into the web view's windows: by window start, handed on once they stop
 * coming, totals the sums of the ports' records, busiest first, sent again whole when more come, each port
 * once, bounded; and what the model then holds.
 */
class FleetWindowsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MS = 1_000_000L;
    private static final long SETTLE = 2000 * MS;
    private static final String W0 = "2026-11-24T18:04:00Z";
    private static final String W1 = "2026-11-24T18:05:00Z";
    private static final String W2 = "2026-11-24T18:06:00Z";
    private static final String W3 = "2026-11-24T18:07:00Z";

    private final Random random = new Random(17);

    private ObjectNode port(String start, String end, String transport, int port) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "fleet_port_stats").put("window_start", start).put("window_end", end)
                .put("transport", transport).put("port", port).put("service", (String) null).put("port_class", "registered")
                .put("sensors", 1 + random.nextInt(3));
        long packets = 1 + random.nextInt(10_000);
        n.put("flows", 1 + random.nextInt(50)).put("active_flows", random.nextInt(5)).put("packets", packets)
                .put("bytes", packets * (40 + random.nextInt(1400)));
        n.putArray("busiest_sensors").addObject().put("sensor", "a").put("packets", packets).put("bytes", 1);
        n.put("late_records", random.nextInt(2)).put("sketches_skipped", random.nextInt(2));
        return n;
    }

    private static boolean add(FleetWindows g, ObjectNode n, long now) {
        return g.add(n, n.toString(), now);
    }

    private static long sum(List<ObjectNode> records, String field) {
        return records.stream().mapToLong(r -> r.get(field).asLong()).sum();
    }

    @Test
    void portsOfOneWindowStartMakeOneWindowOnceTheyStopComing() throws Exception {
        FleetWindows g = new FleetWindows("portwatch-fleet", 5, 5, 16, 10_000, SETTLE);
        List<ObjectNode> first = new ArrayList<>();
        List<ObjectNode> second = new ArrayList<>();
        for (int p = 1; p <= 12; p++) {
            first.add(port(W0, W1, p % 3 == 0 ? "udp" : "tcp", 1000 + p));
            second.add(port(W1, W2, "tcp", 2000 + p));
        }
        List<ObjectNode> all = new ArrayList<>(first);
        all.addAll(second);
        Collections.shuffle(all, random); // two partitions' records, interleaved
        long now = 0;
        for (ObjectNode n : all) {
            assertTrue(add(g, n, now += MS));
        }
        assertTrue(g.due(now).isEmpty(), "not while they may still come");
        List<FleetWindows.Window> due = g.due(now + SETTLE);
        assertEquals(2, due.size());
        assertTrue(g.due(now + 10 * SETTLE).isEmpty(), "handed on once");

        WebModel m = new WebModel(WebModel.Limits.live(), "fleet", "portwatch-fleet", 60_000 * MS);
        due.forEach(w -> m.window(w.input(), w.endNanos(), w.record(), w.ports(), w.portsTotal()));
        JsonNode state = JSON.readTree(m.state());
        assertEquals(2, state.get("windows").size());
        for (int i = 0; i < 2; i++) {
            List<ObjectNode> records = i == 0 ? first : second;
            JsonNode w = state.at("/windows/" + i);
            JsonNode r = w.get("window");
            assertEquals("window", r.get("type").asText());
            assertEquals("fleet", r.get("sensor").asText());
            assertEquals("portwatch-fleet", r.get("input").asText());
            assertEquals(records.get(0).get("window_start").asText(), r.get("window_start").asText());
            assertEquals(records.get(0).get("window_end").asText(), r.get("window_end").asText());
            for (String f : List.of("packets", "bytes", "flows", "active_flows", "late_records", "sketches_skipped")) {
                assertEquals(sum(records, f), r.get(f).asLong(), "window " + i + " " + f + " is its ports' sum");
            }
            assertEquals(records.size(), r.get("ports").asInt());
            assertEquals(records.size(), w.get("ports_total").asInt());
            List<ObjectNode> busiest = new ArrayList<>(records);
            busiest.sort((a, b) -> a.get("packets").asLong() != b.get("packets").asLong()
                    ? Long.compare(b.get("packets").asLong(), a.get("packets").asLong())
                    : Long.compare(b.get("bytes").asLong(), a.get("bytes").asLong()));
            assertEquals(5, w.get("ports").size(), "the busiest 5 handed on");
            for (int k = 0; k < 5; k++) {
                assertEquals(JSON.readTree(busiest.get(k).toString()), w.get("ports").get(k),
                        "busiest first, the records as written");
            }
        }
    }

    @Test
    void recordsThatComeLaterSendTheWindowAgainWholeAndTheModelReplacesIt() throws Exception {
        FleetWindows g = new FleetWindows("f", 100, 100, 16, 10_000, SETTLE);
        WebModel m = new WebModel(WebModel.Limits.live(), "fleet", "f", 60_000 * MS);
        List<ObjectNode> records = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            records.add(port(W0, W1, "tcp", 80 + p));
            add(g, records.get(p), p);
        }
        for (FleetWindows.Window w : g.due(SETTLE + 10)) {
            m.window(w.input(), w.endNanos(), w.record(), w.ports(), w.portsTotal());
        }
        ObjectNode straggler = port(W0, W1, "udp", 53);
        records.add(straggler);
        ObjectNode again = port(W0, W1, "tcp", 80); // the same port again: it replaces the first
        records.set(0, again);
        add(g, straggler, 3 * SETTLE);
        add(g, again, 3 * SETTLE);
        List<FleetWindows.Window> due = g.due(4 * SETTLE);
        assertEquals(1, due.size());
        due.forEach(w -> m.window(w.input(), w.endNanos(), w.record(), w.ports(), w.portsTotal()));
        JsonNode state = JSON.readTree(m.state());
        assertEquals(1, state.get("windows").size(), "one window, replaced: " + state);
        assertEquals(sum(records, "packets"), state.at("/windows/0/window/packets").asLong());
        assertEquals(sum(records, "bytes"), state.at("/windows/0/window/bytes").asLong());
        assertEquals(5, state.at("/windows/0/ports").size());
        assertEquals(5, state.at("/windows/0/window/ports").asInt());
        assertEquals(6, g.records(), "six records taken, for five ports");
    }

    @Test
    void olderWindowsKeepFewerPortsAsTheModelDoes() {
        FleetWindows g = new FleetWindows("f", 10, 3, 16, 10_000, SETTLE);
        for (int p = 0; p < 8; p++) {
            add(g, port(W0, W1, "tcp", p), 0);
        }
        assertEquals(8, g.due(SETTLE).get(0).ports().size(), "the newest window: its 10 busiest");
        add(g, port(W1, W2, "tcp", 1), SETTLE);
        add(g, port(W0, W1, "udp", 1), SETTLE); // a late port of the older window: sent again
        List<FleetWindows.Window> due = g.due(2 * SETTLE);
        assertEquals(2, due.size());
        assertEquals(3, due.get(0).ports().size(), "an older window: its 3 busiest, as the model keeps it");
        assertEquals(9, due.get(0).portsTotal(), "all its ports counted");
        assertEquals(1, due.get(1).ports().size());
    }

    @Test
    void windowsInHandAreBoundedAndRecordsOfThoseGoneAreCounted() {
        FleetWindows g = new FleetWindows("f", 10, 10, 2, 10_000, SETTLE);
        assertTrue(add(g, port(W0, W1, "tcp", 1), 0));
        assertTrue(add(g, port(W1, W2, "tcp", 1), 0));
        assertTrue(g.due(0).isEmpty());
        assertTrue(add(g, port(W2, W3, "tcp", 1), 0), "a third window: the oldest goes");
        List<FleetWindows.Window> due = g.due(0);
        assertEquals(1, due.size(), "handed on at once, before its settling time, since it goes");
        assertTrue(due.get(0).record().contains(W0), due.get(0).record());
        assertEquals(2, g.windows());
        assertFalse(add(g, port(W0, W1, "tcp", 2), 0), "its window went");
        assertEquals(1, g.stale());

        FleetWindows byPorts = new FleetWindows("f", 10, 10, 100, 5, SETTLE);
        for (int p = 0; p < 4; p++) {
            add(byPorts, port(W0, W1, "tcp", p), 0);
        }
        for (int p = 0; p < 4; p++) {
            add(byPorts, port(W1, W2, "tcp", p), 0);
        }
        assertEquals(1, byPorts.windows(), "over 5 ports in hand: the older window went");
        assertEquals(1, byPorts.due(0).size());
    }

    @Test
    void otherRecordsAreCountedAndLeftOut() {
        FleetWindows g = new FleetWindows("f", 10, 10, 2, 10_000, SETTLE);
        ObjectNode ok = port(W0, W1, "tcp", 22);
        List<ObjectNode> bad = new ArrayList<>();
        bad.add(ok.deepCopy().put("type", "port_stats"));
        bad.add(ok.deepCopy().put("window_start", "yesterday"));
        bad.add((ObjectNode) ok.deepCopy().without("window_end"));
        bad.add(ok.deepCopy().put("port", 70_000));
        bad.add(ok.deepCopy().put("transport", "sctp"));
        bad.add(ok.deepCopy().put("packets", "many"));
        bad.add(ok.deepCopy().put("window_end", W0));
        for (ObjectNode n : bad) {
            assertFalse(add(g, n, 0), n.toString());
        }
        assertEquals(bad.size(), g.bad());
        assertTrue(add(g, ok, 0));
        assertFalse(add(g, ok.deepCopy().put("window_end", W2), 0), "another length over the same start");
        assertEquals(1, g.records());
    }
}
