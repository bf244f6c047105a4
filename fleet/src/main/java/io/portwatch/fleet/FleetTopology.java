package io.portwatch.fleet;

import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The fleet job's topology. The sensors' two topics are read as one stream of JSON records and parsed once
 * ({@link SensorRecordParser}); what the fleet does not use is dropped there. Each kind then goes where
 * every sensor's records of the same thing meet:
 * <ul>
 *   <li>{@code port_stats} to a {@link ClosingWindowProcessor} with {@link PortAggregation} in the task of
 *       the partition they were read from: {@code fleet_port_stats} per window to the fleet ports topic;</li>
 *   <li>{@code scan_evidence} likewise, with {@link ScanAggregation}: {@code fleet_scan} to the fleet alerts
 *       topic;</li>
 *   <li>{@code service} keyed by {@code tcp/192.0.2.1/22} and repartitioned on it ({@code fleet-services})
 *       to a DSL aggregation ({@link FleetService}) whose every update goes to the compacted fleet services
 *       topic (Kafka Streams' record cache folds the updates of one commit interval).</li>
 * </ul>
 *
 * <p>Why the windowed ones are not repartitioned: the sensors already key them by what they add up under
 * (a port's records {@code tcp/443}, a source's evidence by its address: docs/kafka.md), with Kafka's
 * default partitioner, so every sensor's records of one port are in one partition, in the order the
 * sensors wrote them, and the instances share those partitions. A repartition topic would cost a write and
 * a read of every record more, and, where the sensors' two topics have different partition counts (Kafka
 * Streams gives a repartition topic the larger), would put ports of several partitions into one task,
 * their records interleaved as the tasks happen to run, so that a backlog read after a stop would make
 * records late for having been read after later windows of other ports. A record whose key is not its
 * port (its source) may be in another partition than its group's others: it is counted
 * ({@code misrouted_records}) and left out, so that no window is written twice from two tasks. The
 * services' sums do not depend on order, so they are repartitioned on the fleet's own key.
 *
 * <p>Instances of the job share the partitions. Every store is persistent (RocksDB) with a changelog, so a
 * task moved to another instance resumes where it stopped; the windowed ones are cached (the watermark moves
 * with nearly every record, a port's window takes one record per sensor: the cache writes each key once
 * per commit); with {@code processing.guarantee=exactly_once_v2} ({@link FleetApp}) records, store updates
 * and outputs commit together.
 */
public final class FleetTopology {

    static final String PORT_WINDOWS = "fleet-port-windows";
    static final String PORT_META = "fleet-port-meta";
    static final String SCAN_WINDOWS = "fleet-scan-windows";
    static final String SCAN_META = "fleet-scan-meta";
    static final String SERVICES = "fleet-services";

    private FleetTopology() {
    }

    public static Topology build(FleetConfig cfg) {
        return build(cfg, new FleetMetrics());
    }

    /** The topology, counting into {@code metrics}. */
    public static Topology build(FleetConfig cfg, FleetMetrics metrics) {
        Serde<String> text = Serdes.String();
        StreamsBuilder b = new StreamsBuilder();
        Set<String> inputs = new LinkedHashSet<>();
        inputs.add(cfg.portsTopic());
        inputs.add(cfg.alertsTopic());
        KStream<String, Object> records = b.stream(inputs, Consumed.with(text, text).withName("sensor-records"))
                .mapValues(json -> count(SensorRecordParser.parse(json), metrics), Named.as("parse"));

        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PORT_WINDOWS), text,
                PortWindowSerde.serde()).withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PORT_META), text,
                Serdes.Long()).withCachingEnabled());
        records.filter((k, v) -> v instanceof PortStatsIn, Named.as("port-stats"))
                .mapValues(v -> (PortStatsIn) v, Named.as("as-port-stats"))
                .process(() -> new ClosingWindowProcessor<>(new PortAggregation(cfg, metrics), PORT_WINDOWS,
                        PORT_META, cfg, metrics), Named.as("port-windows"), PORT_WINDOWS, PORT_META)
                .to(cfg.fleetPortsTopic(), Produced.with(text, text).withName("fleet-ports-out"));

        records.filter((k, v) -> v instanceof ServiceIn, Named.as("services"))
                .map((k, v) -> KeyValue.pair(((ServiceIn) v).serviceKey(), (ServiceIn) v), Named.as("by-service"))
                .groupByKey(Grouped.with("fleet-services", text, JsonSerde.of(ServiceIn.class)))
                .aggregate(FleetService::empty, (k, v, inventory) -> inventory.merge(v), Named.as("inventory"),
                        Materialized.<String, FleetService, KeyValueStore<Bytes, byte[]>>as(SERVICES)
                                .withKeySerde(text).withValueSerde(JsonSerde.of(FleetService.class)))
                .toStream(Named.as("inventory-updates"))
                .mapValues(FleetService::toJson, Named.as("fleet-service-json"))
                .to(cfg.fleetServicesTopic(), Produced.with(text, text).withName("fleet-services-out"));

        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SCAN_WINDOWS), text,
                ScanWindowSerde.serde()).withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SCAN_META), text,
                Serdes.Long()).withCachingEnabled());
        records.filter((k, v) -> v instanceof ScanEvidenceIn, Named.as("scan-evidence"))
                .mapValues(v -> (ScanEvidenceIn) v, Named.as("as-scan-evidence"))
                .process(() -> new ClosingWindowProcessor<>(new ScanAggregation(cfg, metrics), SCAN_WINDOWS,
                        SCAN_META, cfg, metrics), Named.as("scan-windows"), SCAN_WINDOWS, SCAN_META)
                .to(cfg.fleetAlertsTopic(), Produced.with(text, text).withName("fleet-alerts-out"));
        return b.build();
    }

    private static Object count(Object parsed, FleetMetrics metrics) {
        if (parsed instanceof PortStatsIn) {
            metrics.portStats.increment();
        } else if (parsed instanceof ServiceIn) {
            metrics.services.increment();
        } else if (parsed instanceof ScanEvidenceIn) {
            metrics.scanEvidence.increment();
        } else if (parsed == SensorRecordParser.SKIPPED) {
            metrics.skipped.increment();
        } else {
            metrics.bad.increment();
        }
        return parsed;
    }
}
