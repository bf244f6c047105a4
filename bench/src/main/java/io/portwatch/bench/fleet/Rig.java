package io.portwatch.bench.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A broker with the sensors' two topics, a producer that writes to them as portwatch's sensors do, and what
 * the harness asks the broker: end offsets, the fleet group's state and committed offsets, and a plain
 * consumer's reading speed (the reference the fleet is compared with).
 */
final class Rig implements AutoCloseable {

    /**
     * The sensors' producer settings (app's KafkaSettings defaults): acks=all, idempotence, one request in
     * flight, lz4, linger 20 ms, 64 MiB of buffer.
     */
    static Properties sensorProducer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Integer.toString(64 << 20));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    final BenchBroker broker;
    final Admin admin;
    final String portsTopic;
    final String alertsTopic;
    final int partitions;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, Long> sentRecords = new HashMap<>();
    private long sentBytes;

    Rig(String portsTopic, String alertsTopic, int partitions) throws Exception {
        this.broker = new BenchBroker();
        this.portsTopic = portsTopic;
        this.alertsTopic = alertsTopic;
        this.partitions = partitions;
        broker.createTopics(partitions, portsTopic, alertsTopic);
        this.admin = broker.admin();
        this.producer = new KafkaProducer<>(sensorProducer(broker.bootstrap()));
    }

    String bootstrap() {
        return broker.bootstrap();
    }

    /** Sends the records (asynchronously: see {@link #flush}), counting them by type and their bytes. */
    void send(List<SensorLoad.Out> records) {
        for (SensorLoad.Out o : records) {
            producer.send(new ProducerRecord<>(o.topic(), o.key(), o.value()));
            sentRecords.merge(o.type(), 1L, Long::sum);
            sentBytes += o.value().length + (o.key() == null ? 0 : o.key().length);
        }
    }

    /** Sends one record to the given partition (a flush record). */
    void send(SensorLoad.Out o, int partition) {
        producer.send(new ProducerRecord<>(o.topic(), partition, o.key(), o.value()));
        sentRecords.merge(o.type(), 1L, Long::sum);
        sentBytes += o.value().length + (o.key() == null ? 0 : o.key().length);
    }

    /** Waits until every record sent has been acknowledged. */
    void flush() {
        producer.flush();
    }

    Map<String, Long> sentRecords() {
        return Map.copyOf(sentRecords);
    }

    long sentBytes() {
        return sentBytes;
    }

    List<TopicPartition> inputPartitions() {
        List<TopicPartition> l = new ArrayList<>();
        for (String t : List.of(portsTopic, alertsTopic)) {
            for (int i = 0; i < partitions; i++) {
                l.add(new TopicPartition(t, i));
            }
        }
        return l;
    }

    /** The input partitions' end offsets. */
    Map<TopicPartition, Long> endOffsets() throws Exception {
        Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
        inputPartitions().forEach(tp -> ask.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(ask).all().get(30, TimeUnit.SECONDS).forEach((tp, r) -> out.put(tp, r.offset()));
        return out;
    }

    /** The group's committed offsets on the input partitions (absent: none yet). */
    Map<TopicPartition, Long> committed(String group) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> c =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        for (TopicPartition tp : inputPartitions()) {
            OffsetAndMetadata o = c.get(tp);
            if (o != null) {
                out.put(tp, o.offset());
            }
        }
        return out;
    }

    /** Whether the group is stable with every input partition assigned to a member. */
    boolean assigned(String group) throws Exception {
        ConsumerGroupDescription d;
        try {
            d = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return false;
            }
            throw e;
        }
        if (d == null || d.groupState() != GroupState.STABLE) {
            return false;
        }
        int n = 0;
        for (MemberDescription m : d.members()) {
            for (TopicPartition tp : m.assignment().topicPartitions()) {
                if (tp.topic().equals(portsTopic) || tp.topic().equals(alertsTopic)) {
                    n++;
                }
            }
        }
        return n == 2 * partitions;
    }

    /**
     * The reference: a plain consumer reading every record of the input topics from the beginning to
     * {@code end}, deserializing nothing (byte arrays), Kafka's default fetch settings, read_committed as
     * the fleet reads. Returns {records, seconds} from the first poll to the last record.
     */
    double[] plainRead(Map<TopicPartition, Long> end) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        long n = 0;
        long checksum = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = inputPartitions();
            c.assign(parts);
            c.seekToBeginning(parts);
            long want = end.values().stream().mapToLong(Long::longValue).sum();
            long start = System.nanoTime();
            long deadline = start + TimeUnit.MINUTES.toNanos(5);
            while (n < want) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the plain consumer read " + n + " of " + want + " in 5 min");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    n++;
                    checksum += r.value().length; // touch the value, as any reader would
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            return new double[] {n, secs, checksum};
        }
    }

    @Override
    public void close() throws Exception {
        producer.close(Duration.ofSeconds(30));
        admin.close(Duration.ofSeconds(10));
        broker.close();
    }
}
