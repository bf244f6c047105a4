package io.portwatch.app.metrics;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Summary;
import io.portwatch.capture.decode.DecodeError;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The meters other parts of portwatch feed, and the JVM and process meters, read back from a scrape. */
class PortwatchMetricsTest {

    private final PortwatchMetrics metrics = new PortwatchMetrics();

    @AfterEach
    void close() {
        metrics.close();
    }

    private Scrape scrape() {
        return Scrape.parseText(metrics.scrape());
    }

    @Test
    void jvmAndProcessMetersAreThere() {
        Scrape s = scrape();
        for (String name : List.of("jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
                "jvm_gc_memory_allocated_bytes_total", "process_cpu_usage", "system_cpu_count", "process_uptime_seconds",
                "process_files_open_files", "jvm_info")) {
            assertTrue(!s.find(name).isEmpty(), name);
        }
        assertEquals(Runtime.getRuntime().availableProcessors(), s.value("system_cpu_count"));
        assertTrue(s.sum("jvm_memory_used_bytes", "area", "heap") > 0);
    }

    @Test
    void outputQueueIsReadAtEachScrapeEvenAfterCollection() throws Exception {
        ArrayBlockingQueue<Object> queue = new ArrayBlockingQueue<>(64);
        AtomicLong dropped = new AtomicLong();
        // lambdas that nothing else holds: the registry must keep them
        metrics.outputQueue(() -> queue.size(), 64);
        metrics.outputDropped(() -> dropped.get());
        for (int i = 0; i < 7; i++) {
            queue.put(i);
        }
        dropped.addAndGet(5);
        System.gc();
        Scrape s = scrape();
        assertEquals(7, s.value("portwatch_output_queue_depth"));
        assertEquals(64, s.value("portwatch_output_queue_capacity"));
        assertEquals(5, s.value("portwatch_output_dropped_total"));
        queue.take();
        queue.take();
        dropped.incrementAndGet();
        s = scrape();
        assertEquals(5, s.value("portwatch_output_queue_depth"));
        assertEquals(6, s.value("portwatch_output_dropped_total"));
    }

    @Test
    void eachInterfaceSaysWhetherItIsCapturedAtEachScrape() {
        AtomicBoolean eth0 = new AtomicBoolean(true);
        metrics.captureUp("eth0", eth0::get);
        metrics.captureUp("eth1", () -> true);
        System.gc(); // the registry holds the suppliers
        Scrape s = scrape();
        assertEquals(1, s.value("portwatch_capture_up", "interface", "eth0"));
        assertEquals(1, s.value("portwatch_capture_up", "interface", "eth1"));
        eth0.set(false);
        s = scrape();
        assertEquals(0, s.value("portwatch_capture_up", "interface", "eth0"), "down or away");
        assertEquals(1, s.value("portwatch_capture_up", "interface", "eth1"));
    }

    @Test
    void kafkaCountersAndLatency() {
        Scrape before = scrape();
        assertEquals(0, before.value("portwatch_kafka_records_sent_total"));
        assertEquals(0, before.value("portwatch_kafka_send_latency_seconds_count"));
        long[] sent = {1_500_000, 250_000, 40_000_000};
        for (long ns : sent) {
            metrics.kafkaSent(ns);
        }
        metrics.kafkaFailed(120_000_000);
        assertEquals(0, before.value("portwatch_kafka_records_retried_total"));
        metrics.kafkaRetries(() -> 3);
        Scrape s = scrape();
        assertEquals(3, s.value("portwatch_kafka_records_sent_total"));
        assertEquals(1, s.value("portwatch_kafka_records_failed_total"));
        assertEquals(3, s.value("portwatch_kafka_records_retried_total"));
        assertEquals(4, s.value("portwatch_kafka_send_latency_seconds_count"));
        assertEquals((1_500_000 + 250_000 + 40_000_000 + 120_000_000) / 1e9,
                s.value("portwatch_kafka_send_latency_seconds_sum"), 1e-9);
        assertEquals(0.12, s.value("portwatch_kafka_send_latency_seconds_max"), 1e-9);

        // what waits for Kafka and what was dropped without being sent: read at each scrape
        assertEquals(0, before.value("portwatch_kafka_records_waiting"));
        assertEquals(0, before.value("portwatch_kafka_records_dropped_total"));
        java.util.concurrent.atomic.AtomicLong waiting = new java.util.concurrent.atomic.AtomicLong(42);
        java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong(7);
        metrics.kafkaWaiting(waiting::get);
        metrics.kafkaDropped(dropped::get);
        System.gc();
        s = scrape();
        assertEquals(42, s.value("portwatch_kafka_records_waiting"));
        assertEquals(7, s.value("portwatch_kafka_records_dropped_total"));
        waiting.set(0);
        dropped.addAndGet(3);
        s = scrape();
        assertEquals(0, s.value("portwatch_kafka_records_waiting"));
        assertEquals(10, s.value("portwatch_kafka_records_dropped_total"));

        // producers started again, and the spool: what waits there, its bytes, what did not fit
        for (String m : List.of("portwatch_kafka_producer_restarts_total", "portwatch_kafka_spool_records",
                "portwatch_kafka_spool_bytes", "portwatch_kafka_spool_dropped_total")) {
            assertEquals(0, before.value(m), m);
        }
        metrics.kafkaRestarts(() -> 2);
        metrics.kafkaSpool(() -> 1234, () -> 567_890, () -> 5);
        System.gc();
        s = scrape();
        assertEquals(2, s.value("portwatch_kafka_producer_restarts_total"));
        assertEquals(1234, s.value("portwatch_kafka_spool_records"));
        assertEquals(567_890, s.value("portwatch_kafka_spool_bytes"));
        assertEquals(5, s.value("portwatch_kafka_spool_dropped_total"));
    }

    @Test
    void decodeErrorReasonsAreAFixedSet() {
        Scrape s = scrape();
        assertEquals(DecodeError.values().length + 1, s.find("portwatch_decode_errors_by_reason_total").size());
        metrics.decodeErrors("truncated_ip", 4);
        metrics.decodeErrors(DecodeError.BAD_TCP_HEADER, 2);
        metrics.decodeErrors("no_such_reason", 3);
        metrics.decodeErrors("something_else", 1);
        metrics.decodeErrors("truncated_ip", -9);
        s = scrape();
        assertEquals(DecodeError.values().length + 1, s.find("portwatch_decode_errors_by_reason_total").size());
        assertEquals(4, s.value("portwatch_decode_errors_by_reason_total", "reason", "truncated_ip"));
        assertEquals(2, s.value("portwatch_decode_errors_by_reason_total", "reason", "bad_tcp_header"));
        assertEquals(4, s.value("portwatch_decode_errors_by_reason_total", "reason", PortwatchMetrics.OTHER_REASON));
    }

    /** Decode errors of real malformed captures (tcpdump's test suite), fed by reason as a summary gives them. */
    @Test
    void decodeErrorsOfMalformedCapturesByReason() throws Exception {
        Path dir = Corpus.tcpdumpTests();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.toString().matches(".*\\.pcap(ng)?$")).sorted().toList();
        }
        Map<String, Long> expected = new TreeMap<>();
        int read = 0;
        for (Path f : files) {
            if (expected.size() >= 4 || read >= 400) {
                break;
            }
            CollectingSink out = new CollectingSink();
            TrafficAnalyzer analyzer = new TrafficAnalyzer(AnalyzerConfig.defaults(), f.getFileName().toString(), out);
            try (CaptureFileSource source = CaptureFileSource.open(f.toString())) {
                source.run(analyzer);
            } catch (CaptureException e) {
                // a truncated or corrupt file: what was read before the fault still counts
            }
            analyzer.finish();
            read++;
            Summary summary = out.summaries.get(0);
            summary.decodeErrors().forEach((reason, n) -> {
                metrics.decodeErrors(reason, n);
                expected.merge(reason, n, Long::sum);
            });
        }
        assertTrue(expected.size() >= 2, "decode errors of several reasons in tcpdump's tests: " + expected);
        Scrape s = scrape();
        for (DecodeError e : DecodeError.values()) {
            assertEquals((double) expected.getOrDefault(e.key(), 0L),
                    s.value("portwatch_decode_errors_by_reason_total", "reason", e.key()), e.key());
        }
        assertEquals(0, s.value("portwatch_decode_errors_by_reason_total", "reason", PortwatchMetrics.OTHER_REASON));
    }
}
