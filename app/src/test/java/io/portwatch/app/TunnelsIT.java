package io.portwatch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.portwatch.app.sink.RecordSchema;
import io.portwatch.testkit.Corpus;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code portwatch read --tunnels outer|inner|both} end to end, on tcpdump's geneve.pcap (an SSH session and
 * pings between 30.0.0.1 and 30.0.0.2, in Geneve between 20.0.0.1 and 20.0.0.2): which flows each mode
 * reports, their tunnel, and the frame totals, the same in every mode.
 */
class TunnelsIT {
    private static Path geneve;

    @BeforeAll
    static void locate() throws Exception {
        ReadCommandIT.locate();
        geneve = Corpus.file("tcpdump-tests", "geneve.pcap");
    }

    private static List<JsonNode> flows(ReadCommandIT.Run r) throws Exception {
        assertEquals(0, r.exit(), r.err());
        return r.ofType("flow");
    }

    private static Set<String> keys(List<JsonNode> flows) {
        Set<String> s = new TreeSet<>();
        for (JsonNode f : flows) {
            s.add(f.get("transport").asText() + " " + f.get("client_ip").asText() + ":" + f.get("client_port").asInt()
                    + " " + f.get("server_ip").asText() + ":" + f.get("server_port").asInt() + " " + f.get("packets").asLong());
        }
        return s;
    }

    @Test
    void eachModeReportsItsFlows() throws Exception {
        ReadCommandIT.Run outerRun = ReadCommandIT.run("read", "--format", "json", "--flows", "--tunnels", "outer", geneve.toString());
        ReadCommandIT.Run innerRun = ReadCommandIT.run("read", "--format", "json", "--flows", "--tunnels", "inner", geneve.toString());
        ReadCommandIT.Run bothRun = ReadCommandIT.run("read", "--format", "json", "--flows", geneve.toString()); // the default
        List<JsonNode> outer = flows(outerRun);
        List<JsonNode> inner = flows(innerRun);
        List<JsonNode> both = flows(bothRun);

        assertFalse(outer.isEmpty());
        for (JsonNode f : outer) {
            assertEquals(6081, f.get("server_port").asInt(), f.toString());
            assertFalse(f.has("tunnel"), "a flow outside any tunnel has no tunnel field: " + f);
        }
        assertFalse(inner.isEmpty());
        for (JsonNode f : inner) {
            assertEquals("tcp", f.get("transport").asText(), "the SSH session (the pings are ICMP, not flows): " + f);
            assertEquals(22, f.get("server_port").asInt(), f.toString());
            assertEquals("geneve", f.get("tunnel").get("kind").asText());
            assertTrue(Set.of("20.0.0.1", "20.0.0.2").contains(f.get("tunnel").get("outer_source_ip").asText()), f.toString());
            assertFalse(f.has("vlan"), f.toString());
        }
        Set<String> union = new TreeSet<>(keys(outer));
        union.addAll(keys(inner));
        assertEquals(union, keys(both), "both: the tunnel's flows and those inside it");
        // every line, in every mode, is a valid record
        for (List<JsonNode> lines : List.of(outerRun.records(), innerRun.records(), bothRun.records())) {
            for (JsonNode n : lines) {
                assertTrue(RecordSchema.validate(n).isEmpty(), RecordSchema.validate(n) + " in " + n);
            }
        }
        // a frame counts once in the totals, whatever the mode
        for (String field : List.of("packets", "bytes", "udp_packets", "tcp_packets")) {
            long o = outerRun.ofType("summary").get(0).get(field).asLong();
            assertEquals(o, innerRun.ofType("summary").get(0).get(field).asLong(), field);
            assertEquals(o, bothRun.ofType("summary").get(0).get(field).asLong(), field);
        }
        assertEquals(39, outerRun.ofType("summary").get(0).get("packets").asLong());
    }

    @Test
    void aWrongModeIsAOneLineUsageError() throws Exception {
        ReadCommandIT.Run r = ReadCommandIT.run("read", "--tunnels", "deep", geneve.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("portwatch: ") && r.err().contains("--tunnels"), r.err());
    }
}
