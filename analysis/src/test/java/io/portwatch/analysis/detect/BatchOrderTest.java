package io.portwatch.analysis.detect;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.capture.source.PacketSource;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The analyzer tracks packets a batch at a time; looking at its flow table handles the batch at once.
 * An analyzer looked at after every packet (so that it handles each packet before the next comes, as
 * an unbatched one would) must give the same records in the same order, flows, alerts, windows and
 * summaries interleaved, as one fed the same packets without interruption: on the shared corpus's
 * captures (fragments, ICMP errors, scans, malformed frames of many link types) and on random probes
 * with every detector on, windows cut every millisecond and the idle clock ticking in between.
 */
class BatchOrderTest {

    /** Hands each packet on, then looks at the analyzer's flow table: one packet at a time. */
    static PacketSink oneAtATime(TrafficAnalyzer a) {
        return new PacketSink() {
            @Override
            public void onPacket(int lt, long ts, ByteBuffer buf, int off, int cap, int orig) {
                a.onPacket(lt, ts, buf, off, cap, orig);
                a.flowTable();
            }

            @Override
            public void onIdle(long epochNanos) {
                a.onIdle(epochNanos);
            }
        };
    }

    static AnalyzerConfig config(long intervalNanos) throws PolicyException {
        PortPolicy policy = PortPolicy.parse("t.policy", List.of("default deny", "allow tcp 80,443", "allow udp 53"));
        DetectConfig d = DetectConfig.defaults().withScan(300 * DetectConfig.SECOND, 3, 3, true)
                .withFlood(DetectConfig.SECOND, 1, 1.0).withServices(null, 1_000_000L, null).withPolicy(policy, 50);
        return new AnalyzerConfig(intervalNanos, FlowConfig.defaults(), true, d);
    }

    /** The pcap and pcapng files of the corpus's captures/ and tcpdump-tests/ (skips when absent, fails under CI). */
    static List<Path> corpusCaptures() {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Corpus.captures(), Corpus.tcpdumpTests())) {
            Corpus.files(dir).stream().filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"))
                    .forEach(files::add);
        }
        Corpus.require(files.size() > 100, "the corpus's captures: found only " + files.size());
        return files;
    }

    /** Reads the files as one capture into a new analyzer, through {@code wrap}; returns its records. */
    static List<Object> read(List<Path> files, AnalyzerConfig config, boolean oneAtATime) {
        CollectingSink out = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(config, "corpus", out);
        PacketSink in = oneAtATime ? oneAtATime(a) : a;
        for (Path f : files) {
            try (PacketSource src = CaptureFileSource.open(f.toString())) {
                src.run(in);
            } catch (CaptureException e) {
                a.inputError(e.getMessage());
            }
        }
        a.finish();
        return out.records;
    }

    @Test
    void corpusCapturesGiveTheSameRecordsInTheSameOrder() throws Exception {
        List<Path> files = corpusCaptures();
        for (long interval : new long[] {0, DetectConfig.SECOND}) {
            AnalyzerConfig c = config(interval);
            List<Object> batched = read(files, c, false);
            List<Object> single = read(files, c, true);
            assertTrue(batched.size() > 1000, "records: " + batched.size());
            assertEquals(single.size(), batched.size(), "records with interval " + interval);
            for (int i = 0; i < single.size(); i++) {
                assertEquals(single.get(i), batched.get(i), "record " + i + " with interval " + interval);
            }
        }
    }

    @Test
    void randomProbesGiveTheSameRecordsInTheSameOrder() throws Exception {
        AnalyzerConfig c = config(1_000_000L); // a window each millisecond: 1,000 probes
        List<Object> batched = probes(c, false);
        List<Object> single = probes(c, true);
        long alerts = single.stream().filter(r -> r instanceof Alert).count();
        long flows = single.stream().filter(r -> r instanceof FlowRecord).count();
        assertTrue(alerts > 50 && flows > 100_000, alerts + " alerts, " + flows + " flows");
        assertEquals(single.size(), batched.size());
        for (int i = 0; i < single.size(); i++) {
            assertEquals(single.get(i), batched.get(i), "record " + i);
        }
    }

    private static List<Object> probes(AnalyzerConfig c, boolean oneAtATime) {
        CollectingSink out = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(c, "probes", out);
        PacketSink in = oneAtATime ? oneAtATime(a) : a;
        RandomProbes r = new RandomProbes(7);
        for (int round = 0; round < 40; round++) {
            r.run(in, 3_001 + round);
            in.onIdle(r.now + 100_000_000L); // the clock while idle, as a live source calls it
            r.now += 200_000_000L;
        }
        a.finish();
        return out.records;
    }
}
