package io.portwatch.analysis;

import io.portwatch.analysis.output.MemoryLimited;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.Talker;
import io.portwatch.analysis.output.TopTalkers;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.flow.FlowConfig;
import org.apache.datasketches.hll.HllSketch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the records say when the per-port structures run short of {@code portMemory}: 20,000 UDP ports with
 * 12 clients each (every client one datagram, one flow) in one window. With the default memory every count
 * is exact and nothing is flagged; with 1 MiB the ports that ran short are flagged, the window counts them
 * by what it cost them, and every number they report stays within what it claims: unique counts near 12,
 * top talkers within their overcount bounds, sketches present or left out (never wrong).
 */
class MemoryLimitedRecordsTest {

    private static final int PORTS = 20_000;
    private static final int CLIENTS = 12;
    /** Ports whose clients all come first. */
    private static final int FIRST = 100;

    private static WindowReport run(AnalyzerConfig config) {
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(config, "ports", sink);
        PortFlood f = new PortFlood();
        for (int port = 1; port <= PORTS; port++) {
            // the first ports all their clients at once, then the others' a client at a time
            for (int c = 0; c < (port <= FIRST ? CLIENTS : 1); c++) {
                f.send(a, false, 0x0B00_0000 | port << 4 | c, 60_000 + c, 0xC000_0201, port); // a dynamic port: the client
            }
        }
        for (int c = 1; c < CLIENTS; c++) {
            for (int port = FIRST + 1; port <= PORTS; port++) {
                f.send(a, false, 0x0B00_0000 | port << 4 | c, 60_000 + c, 0xC000_0201, port);
            }
        }
        a.finish();
        assertEquals(1, sink.windows.size());
        WindowReport w = sink.windows.get(0);
        assertEquals(PORTS, w.ports().size());
        return w;
    }

    private static AnalyzerConfig config() {
        return new AnalyzerConfig(0, FlowConfig.defaults(), false).withTopTalkers(5);
    }

    @Test
    void withTheDefaultMemoryEveryCountIsExact() {
        WindowReport w = run(config());
        assertEquals(MemoryLimited.NONE, w.memoryLimited());
        for (PortStats p : w.ports()) {
            assertFalse(p.memoryLimited(), p.toString());
            assertEquals(CLIENTS, p.uniqueClients());
            assertTrue(p.topClients().exact());
            assertEquals(CLIENTS, Math.round(HllSketch.heapify(p.sketches().clients()).getEstimate()));
        }
    }

    @Test
    void shortOfMemoryThePortsSaySoAndStayTruthful() {
        WindowReport w = run(config().withPortMemory(1 << 20));
        MemoryLimited m = w.memoryLimited();
        assertTrue(m.uniqueCounts() > PORTS / 2 && m.topTalkers() > PORTS / 2 && m.sketches() > PORTS / 2, m.toString());
        long flagged = 0;
        long noSketches = 0;
        long exactCounts = 0;
        for (PortStats p : w.ports()) {
            String where = "udp/" + p.port();
            if (!p.memoryLimited()) {
                assertEquals(CLIENTS, p.uniqueClients(), where);
                assertTrue(p.topClients().exact(), where);
                assertNotNull(p.sketches(), where);
                continue;
            }
            flagged++;
            noSketches += p.sketches() == null ? 1 : 0;
            exactCounts += p.uniqueClients() == CLIENTS ? 1 : 0;
            assertTrue(p.uniqueClients() >= CLIENTS / 2 && p.uniqueClients() <= CLIENTS, where + ": " + p.uniqueClients());
            assertEquals(1, p.uniqueServers(), where);
            TopTalkers top = p.topClients();
            assertTrue(top.maxOvercountPackets() <= p.packets(), where);
            for (Talker t : top.byPackets()) { // each client sent one datagram
                assertTrue(t.packets() >= 1 && t.packets() <= 1 + top.maxOvercountPackets(), where + " " + top);
                assertTrue(t.flows() <= 1, where + " " + top);
            }
            if (top.maxOvercountPackets() < 1) { // every client above the bound is listed
                assertEquals(Math.min(5, CLIENTS), top.byPackets().size(), where);
            }
            assertTrue(p.topServers().exact(), where + ": one server, in a side's first rows");
        }
        assertEquals(m.sketches(), noSketches);
        assertTrue(flagged >= Math.max(m.uniqueCounts(), Math.max(m.topTalkers(), m.sketches()))
                && flagged <= m.uniqueCounts() + m.topTalkers() + m.sketches(), flagged + " flagged, " + m);
        assertTrue(w.ports().stream().filter(p -> p.port() <= FIRST).noneMatch(PortStats::memoryLimited),
                "the ports counted first had their room");
        assertTrue(exactCounts < flagged, "short of memory, counts are estimates");
    }
}
