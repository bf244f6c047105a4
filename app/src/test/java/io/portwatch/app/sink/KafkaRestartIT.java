package io.portwatch.app.sink;

import io.portwatch.analysis.output.WindowReport;
import io.portwatch.app.EmbeddedKafka;
import io.portwatch.testkit.Await;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker stopped and started again many times while the real {@link KafkaSink} sends without pause,
 * so that batches are in flight (sent, not yet acknowledged) at each stop: every record must arrive once,
 * and the records of each key in the order sent. Issue 18 saw a restart lose 22 records with an
 * {@code OutOfOrderSequenceException}; the cycles here reproduce the conditions many times over in one
 * run. {@code -Dportwatch.restart.cycles=N} sets the cycles (8; 20 took 213 s), {@code -Dportwatch.restart.inflight=N}
 * overrides {@code max.in.flight.requests.per.connection} (portwatch's default otherwise), to show what a
 * setting does.
 */
class KafkaRestartIT {

    private static final int CYCLES = Integer.getInteger("portwatch.restart.cycles", 8);
    private static final String IN_FLIGHT = System.getProperty("portwatch.restart.inflight", "");
    /** Ports (keys) of a phase: one in each window in turn; the windows' own key is one more. */
    private static final int PORTS = 3;
    /** Partitions of the topic: enough for fresh ones in every phase. */
    private static final int PARTITIONS = (CYCLES + 1) * PORTS + 1;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void broker() throws IOException {
        kafka = new EmbeddedKafka(false, 3);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Window {@code n}: one port, its packets counting the windows. */
    private static WindowReport window(int n, int port) {
        return SampleRecords.fileWindow(SampleRecords.T0 + n * SampleRecords.MINUTE,
                List.of(SampleRecords.tcp(port, "x", 1_000 + n, n)));
    }

    /**
     * For each phase of the run (before the first stop, then after each), {@link #PORTS} ports whose records
     * go to partitions no earlier phase wrote to: the broker holds no state of the producer there when
     * it comes back (Kafka's default partitioner: murmur2 of the key).
     */
    private static int[][] freshPorts(int phases, int partitions) {
        Set<Integer> used = new java.util.HashSet<>();
        used.add(partition(KafkaKeys.windowKey(SampleRecords.INPUT), partitions));
        int[][] ports = new int[phases][PORTS];
        int port = 1024;
        for (int p = 0; p < phases; p++) {
            for (int i = 0; i < PORTS; i++) {
                while (!used.add(partition("tcp/" + port, partitions))) {
                    port++;
                }
                ports[p][i] = port++;
            }
        }
        return ports;
    }

    private static int partition(String key, int partitions) {
        return org.apache.kafka.common.utils.Utils.toPositive(
                org.apache.kafka.common.utils.Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The values JsonLinesSink writes for window {@code n}, each with its Kafka key. */
    private static void expect(int n, int port, Map<String, List<String>> byKey) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WindowReport w = window(n, port);
        try (JsonLinesSink s = new JsonLinesSink(out, RecordEncoder.json("restart"), 0)) {
            s.window(w);
        }
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        byKey.computeIfAbsent(KafkaKeys.portKey(w.ports().get(0)), k -> new ArrayList<>()).add(lines[0]);
        byKey.computeIfAbsent(KafkaKeys.windowKey(w.input()), k -> new ArrayList<>()).add(lines[1]);
    }

    @Test
    void brokerRestartsWithBatchesInFlightLoseNothingDuplicateNothingReorderNothing() throws Exception {
        String topic = "restart-ports";
        kafka.createTopics(PARTITIONS, topic);
        kafka.createTopics(1, "restart-flows", "restart-alerts");
        int[][] fresh = freshPorts(CYCLES + 1, PARTITIONS);
        KafkaTopics topics = new KafkaTopics(topic, "restart-flows", "restart-alerts");
        Map<String, String> props = new HashMap<>();
        props.put("linger.ms", "0"); // a request per few records: many batches in flight at any moment
        if (!IN_FLIGHT.isEmpty()) {
            props.put("max.in.flight.requests.per.connection", IN_FLIGHT);
        }
        KafkaSettings s = KafkaSettings.of(kafka.bootstrap(), null, props, topics, Duration.ofSeconds(120),
                Duration.ofSeconds(10));
        Producer<byte[], byte[]> producer = s.newProducer();
        producer.partitionsFor(topic);
        List<String> lost = Collections.synchronizedList(new ArrayList<>());
        KafkaSink sink = new KafkaSink(producer, RecordEncoder.json("restart"), topics, 0, 10_000_000,
                s.closeTimeout(), s, lost::add);

        AtomicBoolean sending = new AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger phase = new java.util.concurrent.atomic.AtomicInteger();
        int[] sent = new int[1];
        List<Integer> portOf = new ArrayList<>();
        Thread sender = new Thread(() -> {
            while (sending.get()) {
                // as fast as the producer takes them, and on while the broker is away, up to a bound
                if (sink.waiting() < 20_000) {
                    int port = fresh[phase.get()][sent[0] % PORTS];
                    portOf.add(port);
                    sink.window(window(sent[0]++, port));
                }
                if (sent[0] % 4 == 0 || sink.waiting() >= 20_000) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "restart-sender");
        Random random = new Random(18);
        long started = System.nanoTime();
        sender.start();
        long[] stopped = new long[CYCLES];
        try {
            for (int c = 0; c < CYCLES; c++) {
                long before = sink.delivered();
                Await.until(Duration.ofSeconds(120), () -> sink.delivered() > before + 200,
                        () -> "records acknowledged after the broker's start: " + sink.delivered() + ", lost " + lost);
                Thread.sleep(random.nextInt(300)); // at some moment of the sending, batches in flight
                stopped[c] = sink.waiting();
                kafka.stop();
                phase.set(c + 1); // what is sent from now on goes to partitions the producer never wrote to
                Thread.sleep(200 + random.nextInt(1_300));
                kafka.start();
            }
            long before = sink.delivered();
            Await.until(Duration.ofSeconds(120), () -> sink.delivered() > before + 200,
                    "records acknowledged after the last start");
        } finally {
            sending.set(false);
            sender.join();
            kafka.start();
        }
        long retries = sink.retries();
        sink.close();
        long took = System.nanoTime() - started;

        Map<String, List<String>> want = new LinkedHashMap<>();
        for (int n = 0; n < sent[0]; n++) {
            expect(n, portOf.get(n), want);
        }
        Map<String, List<String>> got = new LinkedHashMap<>();
        Map<String, Set<Integer>> partitions = new TreeMap<>();
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(List.of(topic));
        for (ConsumerRecord<byte[], byte[]> r : records) { // partition, then offset order
            String key = new String(r.key(), StandardCharsets.UTF_8);
            got.computeIfAbsent(key, k -> new ArrayList<>()).add(new String(r.value(), StandardCharsets.UTF_8));
            partitions.computeIfAbsent(key, k -> new TreeSet<>()).add(r.partition());
        }
        System.out.printf("KafkaRestartIT: %d cycles, max.in.flight %s, %d records sent, %d on the topic, %d delivered, "
                        + "%d failed, %d dropped, %d retries, waiting at the stops %s, %.1f s%s%n", CYCLES,
                IN_FLIGHT.isEmpty() ? "default" : IN_FLIGHT, sink.records(),
                records.size(), sink.delivered(), sink.failed(), sink.dropped(), retries,
                java.util.Arrays.toString(stopped), took / 1e9, lost.isEmpty() ? "" : "; " + lost);
        Map<String, Integer> count = new HashMap<>();
        want.values().forEach(l -> l.forEach(v -> count.merge(v, 1, Integer::sum)));
        got.values().forEach(l -> l.forEach(v -> count.merge(v, -1, Integer::sum)));
        long missing = count.values().stream().filter(c -> c > 0).count();
        long extra = -count.values().stream().filter(c -> c < 0).mapToLong(c -> c).sum();
        assertEquals(List.of(), lost, "nothing undelivered");
        assertEquals(0, missing + extra, missing + " records missing, " + extra + " duplicated");
        partitions.forEach((k, p) -> assertEquals(1, p.size(), "one partition for " + k));
        for (Map.Entry<String, List<String>> e : want.entrySet()) {
            assertInOrder(e.getKey(), e.getValue(), got.get(e.getKey()));
        }
        assertTrue(sink.records() == 2L * sent[0]);
    }

    /**
     * A producer whose batches expire while the broker is away (a short {@code delivery.timeout.ms}: what
     * a failure the producer cannot mend by retrying looks like) is replaced, and the records it had not
     * delivered are sent again by the new one, before anything newer: none lost, each key's in order.
     * Records whose batch reached the broker without the acknowledgement reaching the sink may arrive
     * twice (idempotence holds within one producer): they are counted, not forbidden.
     */
    @Test
    void aProducerThatFailsIsReplacedAndWhatItHadNotDeliveredIsSentAgainInOrder() throws Exception {
        String topic = "expiry-ports";
        kafka.createTopics(3, topic);
        kafka.createTopics(1, "expiry-flows", "expiry-alerts");
        KafkaTopics topics = new KafkaTopics(topic, "expiry-flows", "expiry-alerts");
        Map<String, String> props = Map.of("linger.ms", "0", "request.timeout.ms", "1000", "delivery.timeout.ms", "2000");
        KafkaSettings s = KafkaSettings.of(kafka.bootstrap(), null, props, topics, Duration.ofSeconds(120),
                Duration.ofSeconds(10));
        Producer<byte[], byte[]> producer = s.newProducer();
        producer.partitionsFor(topic);
        List<String> lost = Collections.synchronizedList(new ArrayList<>());
        List<String> notices = Collections.synchronizedList(new ArrayList<>());
        KafkaSink sink = new KafkaSink(producer, RecordEncoder.json("restart"), topics, 0, 100_000,
                s.closeTimeout(), s, lost::add, notices::add);
        int[] ports = {8000, 8001, 8002};
        AtomicBoolean sending = new AtomicBoolean(true);
        int[] sent = new int[1];
        Thread sender = new Thread(() -> {
            while (sending.get()) {
                if (sink.waiting() < 5_000) {
                    sink.window(window(sent[0], ports[sent[0] % ports.length]));
                    sent[0]++;
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "expiry-sender");
        sender.start();
        try {
            Await.until(Duration.ofSeconds(120), () -> sink.delivered() > 200, "records acknowledged");
            kafka.stop();
            try {
                // a batch expires (the producer's TimeoutException): counted as failed, or the producer replaced
                Await.until(Duration.ofSeconds(60), () -> sink.failed() > 0 || restarts(notices) > 0,
                        () -> "a batch to expire: " + notices + lost);
            } finally {
                kafka.start();
            }
            long before = sink.delivered();
            Await.until(Duration.ofSeconds(120), () -> sink.delivered() > before + 200,
                    () -> "records acknowledged after the start: " + notices + lost);
        } finally {
            sending.set(false);
            sender.join();
        }
        sink.close();

        Map<String, List<String>> want = new LinkedHashMap<>();
        for (int n = 0; n < sent[0]; n++) {
            expect(n, ports[n % ports.length], want);
        }
        Map<String, List<String>> got = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(List.of(topic))) {
            got.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(new String(r.value(), StandardCharsets.UTF_8));
        }
        int twice = 0;
        for (Map.Entry<String, List<String>> e : want.entrySet()) {
            List<String> g = got.getOrDefault(e.getKey(), List.of());
            List<String> once = new ArrayList<>(new java.util.LinkedHashSet<>(g));
            twice += g.size() - once.size();
            assertInOrder(e.getKey(), e.getValue(), once);
        }
        System.out.printf("KafkaRestartIT: expiry: %d records sent, %d delivered, %d failed, %d dropped, %d arrived "
                + "twice; %s%s%n", sink.records(), sink.delivered(), sink.failed(), sink.dropped(), twice, notices, lost);
        assertEquals(List.of(), lost, "nothing undelivered");
        assertEquals(0, sink.failed() + sink.dropped());
        assertTrue(restarts(notices) >= 1, "the producer was replaced: " + notices);
        assertTrue(notices.stream().allMatch(n -> n.matches("Kafka producer failed \\(TimeoutException: .*\\): a new one "
                + "sends the \\d+ records? not acknowledged again|Kafka broker .* unreachable, \\d+ records? waiting"
                + "|Kafka reachable again|waiting up to 120s for Kafka \\(\\d+ records?\\)")), notices.toString());
    }

    /** {@code got} is {@code want}, or the failure says where they part (not the thousands of records). */
    private static void assertInOrder(String key, List<String> want, List<String> got) {
        int i = 0;
        while (i < want.size() && i < got.size() && want.get(i).equals(got.get(i))) {
            i++;
        }
        if (i < want.size() || i < got.size()) {
            throw new AssertionError("the records of " + key + ", in order: " + want.size() + " sent, " + got.size()
                    + " on the topic, the same up to the " + i + "th; then sent " + (i < want.size() ? want.get(i) : "nothing")
                    + ", on the topic " + (i < got.size() ? got.get(i) : "nothing"));
        }
    }

    private static long restarts(List<String> notices) {
        synchronized (notices) {
            return notices.stream().filter(n -> n.startsWith("Kafka producer failed (")).count();
        }
    }
}
