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
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The fleet job's topology. The sensors' two topics are read as one stream of JSON records and parsed once
 * ({@link SensorRecordParser}); what the fleet does not use is dropped there. Each kind is then keyed by
 * what it adds up under and repartitioned on that key (so every sensor's records of one port, service or
 * source meet in one task, whichever partition the sensors wrote them to, and instances of the job share
 * the partitions):
 * <ul>
 *   <li>{@code port_stats} by {@code tcp/443}, through {@code fleet-ports} to a {@link ClosingWindowProcessor}
 *       with {@link PortAggregation}: {@code fleet_port_stats} per window to the fleet ports topic;</li>
 *   <li>{@code service} by {@code tcp/192.0.2.1/22}, through {@code fleet-services} to a DSL aggregation
 *       ({@link FleetService}) whose every update goes to the compacted fleet services topic (Kafka Streams'
 *       record cache folds the updates of one commit interval);</li>
 *   <li>{@code scan_evidence} by source address, through {@code fleet-scans} to a
 *       {@link ClosingWindowProcessor} with {@link ScanAggregation}: {@code fleet_scan} to the fleet alerts
 *       topic.</li>
 * </ul>
 * Every store is persistent (RocksDB) with a changelog, so a task moved to another instance resumes where
 * it stopped; the windowed ones are cached (the watermark moves with nearly every record, a port's window
 * takes one record per sensor: the cache writes each key once per commit); with {@code processing.guarantee=exactly_once_v2} ({@link FleetApp}) records, store updates
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
                .map((k, v) -> KeyValue.pair(((PortStatsIn) v).portKey(), (PortStatsIn) v), Named.as("by-port"))
                .repartition(Repartitioned.<String, PortStatsIn>as("fleet-ports").withKeySerde(text)
                        .withValueSerde(JsonSerde.of(PortStatsIn.class)))
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
                .map((k, v) -> KeyValue.pair(((ScanEvidenceIn) v).source(), (ScanEvidenceIn) v),
                        Named.as("by-source"))
                .repartition(Repartitioned.<String, ScanEvidenceIn>as("fleet-scans").withKeySerde(text)
                        .withValueSerde(JsonSerde.of(ScanEvidenceIn.class)))
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
