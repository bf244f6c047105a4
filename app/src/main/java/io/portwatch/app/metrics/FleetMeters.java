package io.portwatch.app.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.portwatch.fleet.FleetApp;
import io.portwatch.fleet.FleetMetrics;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The fleet job's meters, in a {@link PortwatchMetrics#withoutSensorMeters()} registry: the fleet's own
 * counters ({@link FleetMetrics}, read at each scrape) as {@code portwatch_fleet_*}, whether the job runs,
 * and Kafka Streams' own metrics ({@code kafka_stream_*}: per thread, task and store, so bounded by the
 * partitions) through Micrometer's binder. Tags take values from fixed sets only.
 */
public final class FleetMeters implements AutoCloseable {

    private final KafkaStreamsMetrics streamsMetrics;

    private FleetMeters(KafkaStreamsMetrics streamsMetrics) {
        this.streamsMetrics = streamsMetrics;
    }

    /**
     * Binds the meters of a started fleet job.
     *
     * @param app      the job, started
     * @param registry where the meters go
     */
    public static FleetMeters bind(FleetApp app, MeterRegistry registry) {
        FleetMetrics m = app.metrics();
        counter(registry, m, "portwatch.fleet.records.read", "port_stats_records", "type", "port_stats",
                "Sensors' records the fleet read, by type");
        counter(registry, m, "portwatch.fleet.records.read", "service_records", "type", "service",
                "Sensors' records the fleet read, by type");
        counter(registry, m, "portwatch.fleet.records.read", "scan_evidence_records", "type", "scan_evidence",
                "Sensors' records the fleet read, by type");
        counter(registry, m, "portwatch.fleet.records.ignored", "skipped_records", null, null,
                "Sensors' records of types the fleet does not join (windows, flows, alerts, summaries)");
        counter(registry, m, "portwatch.fleet.records.rejected", "bad_records", "reason", "unreadable",
                "Sensors' records the fleet could not use, by reason");
        counter(registry, m, "portwatch.fleet.records.rejected", "future_records", "reason", "future",
                "Sensors' records the fleet could not use, by reason");
        counter(registry, m, "portwatch.fleet.records.rejected", "misrouted_records", "reason", "misrouted",
                "Sensors' records the fleet could not use, by reason");
        counter(registry, m, "portwatch.fleet.records.late", "late_port_stats", "type", "port_stats",
                "Sensors' records that came after their fleet window had closed (counted, not added)");
        counter(registry, m, "portwatch.fleet.records.late", "late_scan_evidence", "type", "scan_evidence",
                "Sensors' records that came after their fleet window had closed (counted, not added)");
        counter(registry, m, "portwatch.fleet.sketches.rejected", "hll_key_mismatches", "reason", "hll_key",
                "Distinct-count sketches left out of a merge, by reason");
        counter(registry, m, "portwatch.fleet.sketches.rejected", "sketches_missing", "reason", "missing",
                "Distinct-count sketches left out of a merge, by reason");
        counter(registry, m, "portwatch.fleet.sketches.rejected", "bad_sketches", "reason", "unreadable",
                "Distinct-count sketches left out of a merge, by reason");
        counter(registry, m, "portwatch.fleet.records.written", "port_windows", "type", "fleet_port_stats",
                "Fleet records written, by type");
        counter(registry, m, "portwatch.fleet.records.written", "fleet_scans", "type", "fleet_scan",
                "Fleet records written, by type");
        counter(registry, m, "portwatch.fleet.scan.windows.closed", "scan_windows", null, null,
                "Windows of scan evidence closed (one per source and window)");
        Gauge.builder("portwatch.fleet.running", app, a -> a.state() == KafkaStreams.State.RUNNING ? 1 : 0)
                .description("1 while the fleet job runs with its tasks assigned, 0 while it starts, rebalances "
                        + "or stops")
                .register(registry);
        KafkaStreamsMetrics streams = new KafkaStreamsMetrics(app.kafkaStreams());
        streams.bindTo(registry);
        return new FleetMeters(streams);
    }

    private static void counter(MeterRegistry registry, FleetMetrics m, String name, String key, String tag,
                                String value, String description) {
        FunctionCounter.Builder<FleetMetrics> b = FunctionCounter.builder(name, m, f -> f.snapshot().get(key))
                .description(description);
        if (tag != null) {
            b.tag(tag, value);
        }
        b.register(registry);
    }

    @Override
    public void close() {
        streamsMetrics.close();
    }
}
