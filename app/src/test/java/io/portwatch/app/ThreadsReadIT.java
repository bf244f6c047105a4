package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code portwatch read --threads 2}, one capture shared out by flow among two threads, writes the JSON lines
 * one thread writes: every window, alert and summary the same, field for field (but the bytes of the
 * mergeable sketches, which list small sets in the order they came), flows the same as a set. On the
 * corpus's nmap scans and busy client read as one capture, windows of a second, detectors and top talkers on.
 */
class ThreadsReadIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void locate() throws Exception {
        ReadCommandIT.locate();
    }

    @Test
    void twoThreadsWriteWhatOneWrites() throws Exception {
        List<String> files = new ArrayList<>();
        for (String name : List.of("nmap-syn-scan.pcap", "nmap-connect-scan.pcap", "busy-client.pcap",
                "http-sessions.pcap")) {
            Path p = Corpus.captures().resolve(name);
            Corpus.require(p.toFile().isFile(), "the corpus capture " + p);
            files.add(p.toString());
        }
        List<String> common = new ArrayList<>(List.of("read", "--format", "json", "--flows", "--interval", "1s",
                "--top-talkers", "3"));
        common.addAll(files);
        ReadCommandIT.Run one = ReadCommandIT.run(common.toArray(String[]::new));
        List<String> threaded = new ArrayList<>(common);
        threaded.add(1, "--threads");
        threaded.add(2, "2");
        ReadCommandIT.Run two = ReadCommandIT.run(threaded.toArray(String[]::new));
        assertEquals(0, one.exit(), one.err());
        assertEquals(0, two.exit(), two.err());
        List<String> a = records(one.out(), false);
        List<String> b = records(two.out(), false);
        assertTrue(a.stream().anyMatch(r -> r.contains("\"port_scan\"")), "the scans are alerted");
        assertEquals(a, b, "windows, alerts and the summary, in order");
        List<String> fa = records(one.out(), true);
        List<String> fb = records(two.out(), true);
        assertTrue(fa.size() > 1000, "flows: " + fa.size());
        fa.sort(null);
        fb.sort(null);
        assertEquals(fa, fb, "flows");
    }

    /** The records of a run, flows or all others, sketches left out. */
    private static List<String> records(String out, boolean flows) throws Exception {
        List<String> l = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode r = JSON.readTree(line);
            boolean flow = "flow".equals(r.path("type").asText());
            if (flow == flows) {
                for (JsonNode port : r.path("ports")) {
                    ((ObjectNode) port).remove("sketches");
                }
                l.add(r.toString());
            }
        }
        return l;
    }
}
