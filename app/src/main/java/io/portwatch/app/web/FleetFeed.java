package io.portwatch.app.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Feeds a {@link WebModel} with what the fleet job writes, for {@code portwatch fleet --http-port}: the
 * {@code fleet_port_stats} records grouped into windows ({@link FleetWindows}), the {@code fleet_service}
 * inventory into the services, the {@code fleet_scan} records into the alerts.
 *
 * <p>Why a consumer of its own, rather than a tap in the topology. An instance of the fleet job processes
 * only the partitions it was given: what its tasks write is a part of the fleet, and another part after a
 * rebalance. Reading the fleet's output topics back, every partition of them, gives every instance the
 * whole fleet whichever tasks it holds, and the view shows exactly what the topics say. It reads
 * {@code read_committed}: the job writes with {@code exactly_once_v2}, and records of an aborted
 * transaction (a task that failed mid-commit and was redone) would otherwise show twice. It runs on a
 * thread of its own with its own client, never on the Streams threads, which it never waits for; it joins
 * no consumer group (it assigns itself every partition) and commits nothing.
 *
 * <p>Where it starts: the ports and alerts topics from the records written within the model's history
 * before it started (the hour, by the records' timestamps: the fleet stamps them when it writes them), the
 * compacted services topic from its beginning (the inventory). Topics and partitions that come later are
 * read from their beginning. Bounded: the model is; the grouping keeps a bounded number of windows and ports in hand;
 * fetches are kept small, so that the partitions' records come interleaved while it catches up; records
 * over {@value #MAX_RECORD_BYTES} bytes are counted and skipped. A record that is not what its topic should
 * carry is counted ({@link #bad()}) and skipped; each record handed on is the fleet's JSON written again
 * by this side's parser, never the bytes as they came.
 */
public final class FleetFeed implements AutoCloseable {

    /** The fleet's output topics. */
    public record Topics(String ports, String services, String alerts) {
    }

    static final int MAX_RECORD_BYTES = 64 * 1024;
    /** How long a window's records must have stopped coming before it is shown (see {@link FleetWindows}). */
    static final Duration SETTLE = Duration.ofSeconds(2);
    /** Windows kept in hand for their late records at most (a few while catching up; see {@link FleetWindows}). */
    static final int WINDOWS_IN_HAND = 64;
    /** Ports kept in hand over those windows at most (two windows of every TCP and UDP port). */
    static final int PORTS_IN_HAND = 262_144;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long REFRESH_NANOS = Duration.ofSeconds(30).toNanos();
    private static final long RETRY_MILLIS = 5000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Topics topics;
    private final WebModel model;
    private final FleetWindows windows;
    /** Epoch ms: the ports and alerts are read from the records written since (the model's history). */
    private final long historyStart;
    private final Consumer<String> warn;
    private final Thread thread;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bad = new AtomicLong();
    private final AtomicLong badPorts = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();
    private volatile boolean closed;
    private String lastProblem;

    private FleetFeed(KafkaConsumer<byte[], byte[]> consumer, Topics topics, WebModel model, String input,
                      Consumer<String> warn) {
        this.consumer = consumer;
        this.topics = topics;
        this.model = model;
        WebModel.Limits limits = model.limits();
        this.windows = new FleetWindows(input, limits.portsLatest(), limits.portsKept(), WINDOWS_IN_HAND, PORTS_IN_HAND,
                SETTLE.toNanos());
        this.historyStart = limits.ageNanos() > 0
                ? Math.max(0, System.currentTimeMillis() - limits.ageNanos() / 1_000_000L) : 0;
        this.warn = warn;
        this.thread = new Thread(this::run, "portwatch-fleet-web");
        this.thread.setDaemon(true);
    }

    /**
     * Starts reading on a thread of its own.
     *
     * @param kafka  the fleet's Kafka settings (bootstrap servers, TLS, SASL); those a consumer does not
     *               know are left out
     * @param topics the fleet's output topics
     * @param model  where the records go
     * @param input  the windows' {@code input}: the fleet's application id
     * @param warn   told of a problem (one line, once until it changes), e.g. the cluster refusing to be read
     */
    public static FleetFeed start(Properties kafka, Topics topics, WebModel model, String input,
                                  Consumer<String> warn) {
        FleetFeed f = open(kafka, topics, model, input, warn);
        f.thread.start();
        return f;
    }

    /** A feed not yet reading: its steps ({@link #assign()}, {@link #poll()}) are run by the caller (tests). */
    static FleetFeed open(Properties kafka, Topics topics, WebModel model, String input, Consumer<String> warn) {
        return new FleetFeed(new KafkaConsumer<>(consumerConfig(kafka)), topics, model, input, warn);
    }

    /** The consumer's settings: the Kafka settings it knows, then its own. */
    static Properties consumerConfig(Properties kafka) {
        Properties p = new Properties();
        Set<String> known = ConsumerConfig.configNames();
        for (String name : kafka.stringPropertyNames()) {
            if (known.contains(name)) {
                p.put(name, kafka.getProperty(name));
            }
        }
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "portwatch-fleet-web");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // the job makes them (the inventory compacted)
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(128 * 1024));
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        return p;
    }

    private void run() {
        long refreshed = System.nanoTime();
        boolean allSeen = false;
        boolean first = true;
        try {
            while (!closed) {
                try {
                    long now = System.nanoTime();
                    if (first || now - refreshed >= (allSeen ? REFRESH_NANOS : POLL.toNanos() * 5)) {
                        allSeen = assign(); // every 30 s, every second until the topics are there
                        refreshed = now;
                        first = false;
                    }
                    if (assigned.isEmpty()) {
                        Thread.sleep(POLL.toMillis());
                        continue;
                    }
                    poll();
                    lastProblem = null;
                } catch (WakeupException e) {
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (KafkaException e) {
                    problem(e);
                    pause();
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Assigns every partition of the topics not yet assigned, those of the ports and alerts topics from the
     * records written since the history's start (a partition added later: all it holds), those of the
     * services topic from their beginning. The topics are listed in one request: asking for one that does
     * not exist yet (the job makes them after the view starts) would wait out the whole timeout. Never a
     * seek on an empty list: Kafka takes that for every partition assigned. True when every topic is there.
     */
    boolean assign() {
        Map<String, List<PartitionInfo>> all = consumer.listTopics(Duration.ofSeconds(30));
        List<TopicPartition> beginning = new ArrayList<>();
        Map<TopicPartition, Long> since = new HashMap<>();
        int present = 0;
        for (String topic : List.of(topics.ports(), topics.services(), topics.alerts())) {
            List<PartitionInfo> parts = all.getOrDefault(topic, List.of());
            present += parts.isEmpty() ? 0 : 1;
            for (PartitionInfo p : parts) {
                TopicPartition tp = new TopicPartition(topic, p.partition());
                if (!assigned.contains(tp)) {
                    if (topic.equals(topics.services())) {
                        beginning.add(tp);
                    } else {
                        since.put(tp, historyStart);
                    }
                }
            }
        }
        if (beginning.isEmpty() && since.isEmpty()) {
            return present == 3;
        }
        // Where the history starts, asked before anything is assigned: when the broker does not answer in
        // time, nothing is, and the next round asks again (assigned without a seek, a partition would be
        // read from its beginning: auto.offset.reset, hours of records before the history; seen under load).
        // The ends are asked first: a partition with no committed record since the history's start is read
        // from its end as it was then, not as it is when the consumer next polls (a transaction committed in
        // between, its markers still on their way when the times were looked up, would be skipped whole); its
        // records from before the history are then read, and passed over (see take).
        Map<TopicPartition, Long> ends = since.isEmpty() ? Map.of()
                : consumer.endOffsets(since.keySet(), Duration.ofSeconds(30));
        Map<TopicPartition, OffsetAndTimestamp> at = since.isEmpty() ? Map.of()
                : consumer.offsetsForTimes(since, Duration.ofSeconds(30));
        assigned.addAll(beginning);
        assigned.addAll(since.keySet());
        consumer.assign(new ArrayList<>(assigned));
        if (!beginning.isEmpty()) {
            consumer.seekToBeginning(beginning);
        }
        for (TopicPartition tp : since.keySet()) {
            OffsetAndTimestamp o = at.get(tp);
            consumer.seek(tp, o != null ? o.offset() : ends.get(tp)); // null: nothing committed since
        }
        return present == 3;
    }

    /** Reads what has come and shows the windows whose records have settled. */
    void poll() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
            take(r);
        }
        for (FleetWindows.Window w : windows.due(System.nanoTime())) {
            model.window(w.input(), w.endNanos(), w.record(), w.ports(), w.portsTotal());
        }
        badPorts.set(windows.bad());
        stale.set(windows.stale());
    }

    private void take(ConsumerRecord<byte[], byte[]> r) {
        if (r.timestamp() < historyStart && !r.topic().equals(topics.services())) {
            return; // before the history: read where a partition's start was its end as it stood (see assign)
        }
        records.incrementAndGet();
        if (r.value() == null) {
            return; // a tombstone of the compacted inventory: the view keeps what it has
        }
        if (r.value().length > MAX_RECORD_BYTES) {
            bad.incrementAndGet();
            return;
        }
        JsonNode n;
        try {
            n = JSON.readTree(r.value());
        } catch (IOException e) {
            bad.incrementAndGet();
            return;
        }
        if (n == null || !n.isObject()) {
            bad.incrementAndGet();
            return;
        }
        String type = n.path("type").asText();
        if (r.topic().equals(topics.ports())) {
            windows.add(n, text(n), System.nanoTime()); // it counts what it does not take
        } else if (r.topic().equals(topics.services()) && type.equals("fleet_service")) {
            String key = n.path("transport").asText() + "/" + n.path("address").asText() + "/"
                    + n.path("port").asText();
            model.service(key, text(n));
        } else if (r.topic().equals(topics.alerts()) && type.equals("fleet_scan")) {
            model.alert(text(n));
        } else {
            bad.incrementAndGet();
        }
    }

    private static String text(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree it read itself
        }
    }

    private void problem(KafkaException e) {
        String m = e.getClass().getSimpleName() + (e.getMessage() == null ? ""
                : ": " + e.getMessage().lines().findFirst().orElse(""));
        if (!m.equals(lastProblem)) {
            lastProblem = m;
            warn.accept("portwatch: fleet web view: cannot read the fleet's topics: " + m + " (trying again)");
        }
    }

    private void pause() {
        long until = System.currentTimeMillis() + RETRY_MILLIS;
        while (!closed && System.currentTimeMillis() < until) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Records read of the history and the inventory (tombstones included; older ones passed over are not). */
    public long records() {
        return records.get();
    }

    /** Records that were not what their topic carries, or too large. */
    public long bad() {
        return bad.get() + badPorts.get();
    }

    /** Port records of windows that had gone from the grouping (see {@link FleetWindows}). */
    public long stale() {
        return stale.get();
    }

    /** Stops reading (within a few seconds). */
    @Override
    public void close() {
        closed = true;
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(Duration.ofSeconds(5)); // opened, never started: the caller ran its steps
            return;
        }
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
