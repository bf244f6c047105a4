package io.portwatch.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Three sensors' records (as {@code portwatch read --kafka} writes them: JSON on the default topics, keyed
 * by port, by source, by service) of {@code windows} one-minute windows from 2024-05-01T10:00Z, sent by a
 * thread of its own window after window with a pause between windows, as sensors replaying captures send
 * them (it holds after {@code holdAfter} windows until {@link #release()}d, so that a test can act while the
 * rest still flow); and what they add up to across the sensors, as the fleet should write it. Each window: up to
 * {@value #PORTS} TCP ports per sensor (each sensor has a port with probability 0.8), counters drawn at
 * random (seeded); {@value #SOURCES} sources each sensor saw failing 2 or 3 first contacts (under any
 * sensor's threshold, over the fleet's together); up to {@value #SERVICES} services per sensor.
 */
final class SensorFeed {

    static final String[] SENSORS = {"a", "b", "c"};
    static final int PORTS = 48;
    static final int SOURCES = 8;
    static final int SERVICES = 8;
    static final String[] TCP = {"syn", "syn_ack", "rst", "fin", "established", "rejected", "unanswered"};
    static final long T0 = Instant.parse("2024-05-01T10:00:00Z").toEpochMilli();
    private static final ObjectMapper JSON = new ObjectMapper();

    final int windows;
    private final int holdAfter;
    private final CountDownLatch hold = new CountDownLatch(1);
    private final long pauseMs;
    private final String bootstrap;
    private final Random random = new Random(17);
    private final AtomicInteger sent = new AtomicInteger();
    private final Thread thread;
    private volatile Throwable failure;

    // what the records add up to, by the fleet's keys (written by the thread, read after finish())
    private final Map<String, Map<String, Long>> ports = new TreeMap<>();
    private final Map<String, Map<String, Long>> scans = new TreeMap<>();
    private final Map<String, long[]> serviceFlows = new TreeMap<>();
    private final Map<String, TreeSet<String>> serviceSensors = new TreeMap<>();
    private final Map<String, Instant[]> serviceSeen = new TreeMap<>();

    SensorFeed(String bootstrap, int windows, int holdAfter, long pauseMs) {
        this.bootstrap = bootstrap;
        this.windows = windows;
        this.holdAfter = holdAfter;
        this.pauseMs = pauseMs;
        this.thread = new Thread(this::run, "sensor-feed");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Sends the windows after {@code holdAfter}. */
    void release() {
        hold.countDown();
    }

    /** Windows sent so far (all their records acknowledged). */
    int sent() {
        return sent.get();
    }

    /** Waits until every window is sent; fails when the sending did. */
    void finish() throws InterruptedException {
        release();
        thread.join(TimeUnit.MINUTES.toMillis(5));
        if (thread.isAlive()) {
            throw new AssertionError("the sensors' records not sent within 5 minutes");
        }
        if (failure != null) {
            throw new AssertionError("sending the sensors' records: " + failure, failure);
        }
    }

    /** The window a window start names (0 = the first). */
    int window(String windowStart) {
        return (int) ((Instant.parse(windowStart).toEpochMilli() - T0) / 60_000);
    }

    /** The partition Kafka's default partitioner gives a key among {@code n}. */
    static int partition(String key, int n) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % n;
    }

    /** Per {@code tcp/PORT@WINDOW_START}: the counters summed, {@code tcp.*} too, sensors, late records (0). */
    Map<String, Map<String, Long>> ports() {
        return ports;
    }

    /** Per {@code SOURCE@WINDOW_START}: failed, answered, targets summed, sensors. */
    Map<String, Map<String, Long>> scans() {
        return scans;
    }

    /** Per {@code tcp/ADDRESS/PORT}: flows summed, sensors (JSON), first and last seen. */
    Map<String, Map<String, Object>> services() {
        Map<String, Map<String, Object>> m = new TreeMap<>();
        for (Map.Entry<String, long[]> e : serviceFlows.entrySet()) {
            ArrayNode names = JSON.createArrayNode();
            serviceSensors.get(e.getKey()).forEach(names::add);
            Instant[] seen = serviceSeen.get(e.getKey());
            m.put(e.getKey(), Map.of("flows", e.getValue()[0], "sensors", names.toString(),
                    "first_seen", seen[0].toString(), "last_seen", seen[1].toString()));
        }
        return m;
    }

    private void run() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int w = 0; w < windows; w++) {
                String ws = Instant.ofEpochMilli(T0 + w * 60_000L).toString();
                String we = Instant.ofEpochMilli(T0 + (w + 1) * 60_000L).toString();
                for (int i = 0; i < PORTS; i++) {
                    int port = 1 + 7 * i;
                    for (String s : SENSORS) {
                        if (random.nextInt(5) > 0) {
                            producer.send(new ProducerRecord<>("portwatch.ports", "tcp/" + port,
                                    portStats(s, ws, we, port).toString()));
                        }
                    }
                }
                for (int i = 0; i < SOURCES; i++) {
                    String source = "203.0.113." + (i + 1);
                    for (int k = 0; k < SENSORS.length; k++) {
                        producer.send(new ProducerRecord<>("portwatch.alerts", source,
                                scanEvidence(SENSORS[k], k, ws, we, source).toString()));
                    }
                }
                for (int i = 0; i < SERVICES; i++) {
                    for (String s : SENSORS) {
                        if (random.nextInt(10) < 7) {
                            ObjectNode n = service(s, ws, we, "192.0.2." + (i + 1), i % 2 == 0 ? 443 : 22);
                            producer.send(new ProducerRecord<>("portwatch.ports", "service/tcp/"
                                    + n.get("address").asText() + "/" + n.get("port").asInt(), n.toString()));
                        }
                    }
                }
                producer.flush();
                sent.set(w + 1);
                if (w + 1 == holdAfter && !hold.await(5, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("not released within 5 minutes");
                }
                Thread.sleep(pauseMs);
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    private ObjectNode portStats(String sensor, String ws, String we, int port) {
        ObjectNode n = header("port_stats", sensor, ws, we);
        n.put("transport", "tcp");
        n.put("port", port);
        n.putNull("service");
        n.put("port_class", "well-known");
        long flows = 1 + random.nextInt(50);
        long packets = flows * (2 + random.nextInt(20));
        long bytes = packets * (60 + random.nextInt(1400));
        long toServer = packets / 2 + random.nextInt((int) (packets / 2) + 1) / 2;
        long bytesToServer = bytes / 3;
        long[] v = {flows, flows + random.nextInt(3), packets, bytes, toServer, packets - toServer, bytesToServer,
            bytes - bytesToServer};
        String key = "tcp/" + port + "@" + ws;
        Map<String, Long> sum = ports.computeIfAbsent(key, k -> new TreeMap<>());
        for (int i = 0; i < FleetFailoverIT.COUNTERS.length; i++) {
            n.put(FleetFailoverIT.COUNTERS[i], v[i]);
            sum.merge(FleetFailoverIT.COUNTERS[i], v[i], Long::sum);
        }
        ObjectNode tcp = n.putObject("tcp");
        for (String f : TCP) {
            long x = random.nextInt((int) flows + 1);
            tcp.put(f, x);
            sum.merge("tcp." + f, x, Long::sum);
        }
        sum.merge("sensors", 1L, Long::sum);
        sum.put("late_records", 0L);
        return n;
    }

    private ObjectNode scanEvidence(String sensor, int k, String ws, String we, String source) {
        ObjectNode n = header("scan_evidence", sensor, ws, we);
        int failed = 2 + random.nextInt(2);
        n.put("source", source);
        n.put("transport", "tcp");
        n.put("failed", failed);
        n.put("answered", 0);
        n.put("targets", failed);
        n.put("ports", 1);
        n.put("log_likelihood_ratio", Math.round(failed * Math.log(4) * 1000) / 1000.0);
        ArrayNode targets = n.putArray("target_sample");
        for (int i = 0; i < failed; i++) {
            targets.add("10." + k + "." + window(ws) + "." + i);
        }
        n.putArray("port_sample").add("tcp/445");
        Map<String, Long> sum = scans.computeIfAbsent(source + "@" + ws, x -> new TreeMap<>());
        sum.merge("failed", (long) failed, Long::sum);
        sum.merge("answered", 0L, Long::sum);
        sum.merge("targets", (long) failed, Long::sum);
        sum.merge("sensors", 1L, Long::sum);
        return n;
    }

    private ObjectNode service(String sensor, String ws, String we, String address, int port) {
        ObjectNode n = header("service", sensor, ws, we);
        Instant first = Instant.parse(ws).plusSeconds(random.nextInt(30));
        Instant last = first.plusSeconds(random.nextInt(30));
        long flows = 1 + random.nextInt(20);
        n.put("transport", "tcp");
        n.put("address", address);
        n.put("port", port);
        n.put("service", port == 22 ? "ssh" : "https");
        n.put("first_seen", first.toString());
        n.put("last_seen", last.toString());
        n.put("flows", flows);
        n.put("packets", flows * 10);
        n.put("bytes", flows * 5000);
        n.put("clients", 1 + random.nextInt(5));
        n.put("new_service", false);
        String key = "tcp/" + address + "/" + port;
        serviceFlows.computeIfAbsent(key, x -> new long[1])[0] += flows;
        serviceSensors.computeIfAbsent(key, x -> new TreeSet<>()).add(sensor);
        Instant[] seen = serviceSeen.computeIfAbsent(key, x -> new Instant[] {first, last});
        seen[0] = seen[0].isBefore(first) ? seen[0] : first;
        seen[1] = seen[1].isAfter(last) ? seen[1] : last;
        return n;
    }

    private static ObjectNode header(String type, String sensor, String ws, String we) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", type);
        n.put("sensor", sensor);
        n.put("input", "eth0");
        n.put("window_start", ws);
        n.put("window_end", we);
        return n;
    }
}
