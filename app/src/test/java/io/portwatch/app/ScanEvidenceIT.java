package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.portwatch.app.sink.RecordSchema;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code scan_evidence} records end to end, with the built jar on the corpus's nmap SYN scan: one record,
 * valid by the schema, between the port records and the window; none by default without {@code --kafka},
 * with {@code --scan-evidence 0} or {@code --no-detect}.
 */
class ScanEvidenceIT {

    private static String scan;

    @BeforeAll
    static void locate() throws Exception {
        ReadCommandIT.locate();
        scan = Corpus.file("captures", "nmap-syn-scan.pcap").toString();
    }

    @Test
    void theScanHasItsEvidenceAndTheOptionTurnsItOff() throws Exception {
        ReadCommandIT.Run r = ReadCommandIT.run("read", "--format", "json", "--sensor", "a", "--scan-evidence", "5", scan);
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> e = r.ofType("scan_evidence");
        assertEquals(1, e.size(), r.out());
        JsonNode x = e.get(0);
        assertTrue(RecordSchema.validate(x).isEmpty(), RecordSchema.validate(x) + " in " + x);
        assertEquals("127.0.0.66", x.get("source").asText());
        assertEquals(1023, x.get("failed").asInt());
        assertEquals(3, x.get("answered").asInt());
        assertEquals(1020 * Math.log(4), x.get("log_likelihood_ratio").asDouble(), 1e-9);
        List<String> types = r.records().stream().map(n -> n.get("type").asText()).filter(t -> !t.equals("alert")).toList();
        assertEquals(List.of("scan_evidence", "window", "summary"), types.subList(types.size() - 3, types.size()));
        // off by default without --kafka (on with it: KafkaIT), and off when asked
        for (String[] off : new String[][] {{}, {"--scan-evidence", "0"}, {"--no-detect"}}) {
            List<String> args = new java.util.ArrayList<>(List.of("read", "--format", "json"));
            args.addAll(List.of(off));
            args.add(scan);
            ReadCommandIT.Run o = ReadCommandIT.run(args.toArray(new String[0]));
            assertEquals(0, o.exit(), o.err());
            assertEquals(List.of(), o.ofType("scan_evidence"), String.join(" ", off));
        }
    }
}
