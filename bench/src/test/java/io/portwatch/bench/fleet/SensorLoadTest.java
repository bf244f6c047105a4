package io.portwatch.bench.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's sensor records: copies of a template window that differ only in sensor, input and times. */
class SensorLoadTest {

    static final String W = "\"window_start\":\"2024-01-01T00:00:00Z\",\"window_end\":\"2024-01-01T00:00:10Z\"";
    static final String PORT_443 = "{\"type\":\"port_stats\",\"sensor\":\"t\",\"input\":\"x.pcap\"," + W
            + ",\"transport\":\"tcp\",\"port\":443,\"flows\":7,\"packets\":900,\"tcp\":{\"syn\":7},"
            + "\"top_clients\":{\"by_packets\":[{\"address\":\"10.0.0.1\",\"packets\":9}]},"
            + "\"clients_hll\":\"CgEH\",\"hll_key\":\"public\"}";
    static final String PORT_53 = "{\"type\":\"port_stats\",\"sensor\":\"t\",\"input\":\"x.pcap\"," + W
            + ",\"transport\":\"udp\",\"port\":53,\"flows\":2,\"packets\":40}";
    static final String SERVICE_443 = "{\"type\":\"service\",\"sensor\":\"t\",\"input\":\"x.pcap\"," + W
            + ",\"transport\":\"tcp\",\"address\":\"192.0.2.1\",\"port\":443,\"service\":\"https\","
            + "\"first_seen\":\"2024-01-01T00:00:05Z\",\"last_seen\":\"2024-01-01T00:00:10Z\",\"flows\":7}";
    static final String SERVICE_53 = "{\"type\":\"service\",\"sensor\":\"t\",\"input\":\"x.pcap\"," + W
            + ",\"transport\":\"udp\",\"address\":\"192.0.2.53\",\"port\":53,\"first_seen\":\"2024-01-01T00:00:00Z\","
            + "\"last_seen\":\"2024-01-01T00:00:01Z\",\"flows\":2}";
    static final String EVIDENCE = "{\"type\":\"scan_evidence\",\"sensor\":\"t\",\"input\":\"x.pcap\"," + W
            + ",\"source\":\"10.0.0.66\",\"transport\":\"tcp\",\"failed\":3,\"log_likelihood_ratio\":2.5}";
    static final String WINDOW = "{\"type\":\"window\",\"sensor\":\"t\",\"input\":\"x.pcap\"," + W
            + ",\"packets\":940}";
    static final String SUMMARY = "{\"type\":\"summary\",\"sensor\":\"t\",\"input\":\"x.pcap\",\"packets\":940}";

    static final Instant START = Instant.parse("2026-05-01T12:00:00Z");
    static final Instant END = Instant.parse("2026-05-01T12:01:00Z");

    @TempDir
    Path dir;

    private SensorLoad load(int ports, String... lines) throws Exception {
        Path f = dir.resolve("t.jsonl");
        Files.write(f, List.of(lines), StandardCharsets.UTF_8);
        return new SensorLoad(f, ports, "p", "a");
    }

    private static String text(SensorLoad.Out o) {
        return new String(o.value(), StandardCharsets.UTF_8);
    }

    private static String key(SensorLoad.Out o) {
        return o.key() == null ? null : new String(o.key(), StandardCharsets.UTF_8);
    }

    @Test
    void aCopyChangesTheSensorTheInputAndTheTimesOnly() throws Exception {
        SensorLoad l = load(0, PORT_443, SERVICE_443, EVIDENCE, WINDOW);
        List<SensorLoad.Out> out = l.window("sensor-02", "eth0", START, END);
        String w = "\"window_start\":\"2026-05-01T12:00:00Z\",\"window_end\":\"2026-05-01T12:01:00Z\"";
        assertEquals(PORT_443.replace("\"sensor\":\"t\",\"input\":\"x.pcap\"",
                "\"sensor\":\"sensor-02\",\"input\":\"eth0\"").replace(W, w), text(out.get(0)));
        // a time half-way through the template's window is half-way through the copy's
        assertEquals(SERVICE_443.replace("\"sensor\":\"t\",\"input\":\"x.pcap\"",
                        "\"sensor\":\"sensor-02\",\"input\":\"eth0\"").replace(W, w)
                .replace("2024-01-01T00:00:05Z", "2026-05-01T12:00:30Z")
                .replace("2024-01-01T00:00:10Z", "2026-05-01T12:01:00Z"), text(out.get(1)));
    }

    @Test
    void keysAndTopicsAreTheSensorsOwnAndTheSummaryIsLeftOut() throws Exception {
        SensorLoad l = load(0, PORT_443, SERVICE_443, EVIDENCE, WINDOW, SUMMARY);
        List<SensorLoad.Out> out = l.window("s", "eth0", START, END);
        assertEquals(4, out.size());
        assertEquals(List.of("tcp/443", "service/tcp/192.0.2.1/443", "10.0.0.66", "window/eth0"),
                out.stream().map(SensorLoadTest::key).toList());
        assertEquals(List.of("p", "p", "a", "p"), out.stream().map(SensorLoad.Out::topic).toList());
        assertEquals(Map.of("port_stats", 1, "service", 1, "scan_evidence", 1, "window", 1), l.typeCounts());
    }

    @Test
    void portsKeepsTheBusiestPortsAndTheirServices() throws Exception {
        SensorLoad l = load(1, PORT_53, SERVICE_53, PORT_443, SERVICE_443, EVIDENCE);
        assertEquals(Map.of("tcp/443", 900L), l.portPackets());
        assertEquals(Map.of("tcp/192.0.2.1/443", 7L), l.serviceFlows());
        assertEquals(3, l.recordsPerWindow());
        SensorLoad all = load(0, PORT_53, SERVICE_53, PORT_443, SERVICE_443, EVIDENCE);
        assertEquals(Map.of("tcp/443", 900L, "udp/53", 40L), all.portPackets());
    }

    @Test
    void aTemplateOfTwoWindowsIsRefused() throws Exception {
        String later = PORT_53.replace("00:00:10Z", "00:00:20Z").replace("00:00:00Z", "00:00:10Z");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(0, PORT_443, later));
        assertEquals(dir.resolve("t.jsonl") + ": the template must hold exactly one window, it holds 2",
                e.getMessage());
    }

    @Test
    void partitionsAreTheProducersOwn() {
        for (int i = 0; i < 2000; i++) {
            byte[] key = ("tcp/" + i).getBytes(StandardCharsets.UTF_8);
            for (int n : new int[] {1, 3, 7, 12}) {
                assertEquals(BuiltInPartitioner.partitionForKey(key, n), SensorLoad.partition(key, n));
            }
        }
    }

    @Test
    void onePerPartitionFindsARecordOfTheTypeForEachPartitionItCan() throws Exception {
        SensorLoad l = load(0, PORT_53, PORT_443, EVIDENCE);
        List<SensorLoad.Out> out = l.window("s", "eth0", START, END);
        Map<Integer, SensorLoad.Out> one = l.onePerPartition(out, "port_stats", 1);
        assertEquals(1, one.size());
        assertEquals("udp/53", key(one.get(0)));
        assertNull(l.onePerPartition(out, "service", 1).get(0));
    }
}
