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

    private static final String READ = "Sensors' records the fleet read, by type";
    private static final String REJECTED = "Sensors' records the fleet could not use, by reason";
    private static final String LATE =
            "Sensors' records that came after their fleet window had closed (counted, not added)";
    private static final String SKETCHES = "Distinct-count sketches left out of a merge, by reason";
    private static final String WRITTEN = "Fleet records written, by type";

    /** Each counter: meter name, {@link FleetMetrics#snapshot()} key, tag, tag value, description. */
    private static final String[][] COUNTERS = {
        {"portwatch.fleet.records.read", "port_stats_records", "type", "port_stats", READ},
        {"portwatch.fleet.records.read", "service_records", "type", "service", READ},
        {"portwatch.fleet.records.read", "scan_evidence_records", "type", "scan_evidence", READ},
        {"portwatch.fleet.records.ignored", "skipped_records", null, null,
            "Sensors' records of types the fleet does not join (windows, flows, alerts, summaries)"},
        {"portwatch.fleet.records.rejected", "bad_records", "reason", "unreadable", REJECTED},
        {"portwatch.fleet.records.rejected", "future_records", "reason", "future", REJECTED},
        {"portwatch.fleet.records.rejected", "misrouted_records", "reason", "misrouted", REJECTED},
        {"portwatch.fleet.records.late", "late_port_stats", "type", "port_stats", LATE},
        {"portwatch.fleet.records.late", "late_scan_evidence", "type", "scan_evidence", LATE},
        {"portwatch.fleet.sketches.rejected", "hll_key_mismatches", "reason", "hll_key", SKETCHES},
        {"portwatch.fleet.sketches.rejected", "sketches_missing", "reason", "missing", SKETCHES},
        {"portwatch.fleet.sketches.rejected", "bad_sketches", "reason", "unreadable", SKETCHES},
        {"portwatch.fleet.records.written", "port_windows", "type", "fleet_port_stats", WRITTEN},
        {"portwatch.fleet.records.written", "fleet_scans", "type", "fleet_scan", WRITTEN},
        {"portwatch.fleet.scan.windows.closed", "scan_windows", null, null,
            "Windows of scan evidence closed (one per source and window)"},
    };

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
        for (String[] c : COUNTERS) {
            FunctionCounter.Builder<FleetMetrics> b = FunctionCounter.builder(c[0], m, f -> f.snapshot().get(c[1]))
                    .description(c[4]);
            if (c[2] != null) {
                b.tag(c[2], c[3]);
            }
            b.register(registry);
        }
        Gauge.builder("portwatch.fleet.running", app, a -> a.state() == KafkaStreams.State.RUNNING ? 1 : 0)
                .description("1 while the fleet job runs with its tasks assigned, 0 while it starts, rebalances "
                        + "or stops")
                .register(registry);
        KafkaStreamsMetrics streams = new KafkaStreamsMetrics(app.kafkaStreams());
        streams.bindTo(registry);
        return new FleetMeters(streams);
    }

    @Override
    public void close() {
        streamsMetrics.close();
    }
}
