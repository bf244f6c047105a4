package io.portwatch.analysis;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a window's per-port structures really hold under hostile traffic (every packet a new flow, all in
 * one window), measured in a JVM of its own whose heap is too small for what they held with no bound (a
 * random-port flood of 600,000 packets ran out of a 512 MiB heap): the run ends, records made, its
 * reservations stay within their budgets, and the heap holds no more than the flow table and what the
 * structures account (their reservations and their fixed bytes a slot), with slack for the port table's
 * counters.
 */
class HostileMemoryTest {

    /** The port table's counters (13 longs a slot) and index, for 131,072 slots, and the JVM's own: not accounted. */
    private static final long SLACK = 32L << 20;

    @Test
    void aRandomPortFloodHoldsWhatItsBudgetAllows() throws Exception {
        check("ports", 600_000);
    }

    @Test
    void aRandomSourceFloodHoldsWhatItsBudgetAllows() throws Exception {
        check("sources", 300_000);
    }

    private static void check(String mode, long packets) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                PortFlood.class.getName(), mode, Long.toString(packets), Integer.toString(1 << 16))
                .redirectErrorStream(true).start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), mode + " flood timed out");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
        List<Long> v = Arrays.stream(out.split("\\s+")).map(Long::parseLong).toList();
        long retained = v.get(0);
        long table = v.get(1);
        long accounted = v.get(2);
        assertTrue(v.get(3) <= v.get(4), "distinct counters within their budget: " + out);
        assertTrue(v.get(5) <= v.get(6), "top talkers within their budget: " + out);
        assertTrue(retained <= table + accounted + SLACK, mode + ": retained " + retained + " bytes; flow table " + table
                + ", per-port structures as accounted " + accounted + ": " + out);
    }
}
