package io.portwatch.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Tumbling windows that close on the wall clock as well as on the records: the fleet's windowed outputs.
 * A record goes to the fleet window holding its sensor's {@code window_start} (truncated to the fleet's
 * window), and is merged into its group's aggregate there, unless that window has closed (its end plus the
 * grace behind the {@link WindowClock}): then it is counted as late, and (for ports) the count goes out
 * with the group's next output. Windows close when the clock passes them, both as records arrive and on a
 * wall-clock punctuation every {@link FleetConfig#punctuateEvery()}; a closed window's aggregate is written
 * (or not, as its {@link WindowAggregation} says) and deleted, oldest window first.
 *
 * <p>Why not the DSL's {@code windowedBy(...).aggregate(...).suppress(untilWindowCloses(...))}: suppression
 * closes windows on stream time only, which moves when a record arrives on the same partition, so the last
 * windows a sensor sends (a {@code read} of a file ends with them) would wait for a record that may never
 * come; and the DSL drops records after the grace, where the fleet must count them. Here the Processor API
 * keeps the aggregates in a key-value store (with a changelog, as every store here) keyed by
 * {@link WindowKeys} so that the store's order is the windows' order; the watermark and the late counts
 * sit in a second small store, restored with it. Under {@code exactly_once_v2} a punctuation's outputs,
 * deletions and watermark commit in the same transaction as the records before them.
 *
 * <p>A record stamped more than the grace ahead of the fleet's wall clock is refused (counted): windows
 * in the future would wait, and take memory, until the clock got there. One processor per task: single
 * threaded.
 */
final class ClosingWindowProcessor<V extends SensorRecord, A> implements Processor<String, V, String, String> {

    static final String WATERMARK = "~watermark";
    static final String LATE = "late/";
    /** Windows closed in one go at most; the rest close at the next record or punctuation. */
    static final int CLOSE_BATCH = 10_000;

    private final WindowAggregation<V, A> aggregation;
    private final String windowsStore;
    private final String metaStore;
    private final long windowMs;
    private final long graceMs;
    private final Duration punctuateEvery;
    private final FleetMetrics metrics;

    private ProcessorContext<String, String> context;
    private KeyValueStore<String, A> windows;
    private KeyValueStore<String, Long> meta;
    private WindowClock clock;
    /** The start of the oldest open window, Long.MAX_VALUE when none, Long.MIN_VALUE when not known. */
    private long oldestOpen = Long.MIN_VALUE;

    ClosingWindowProcessor(WindowAggregation<V, A> aggregation, String windowsStore, String metaStore,
                           FleetConfig cfg, FleetMetrics metrics) {
        this.aggregation = aggregation;
        this.windowsStore = windowsStore;
        this.metaStore = metaStore;
        this.windowMs = cfg.windowMs();
        this.graceMs = cfg.graceMs();
        this.punctuateEvery = cfg.punctuateEvery();
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, String> ctx) {
        this.context = ctx;
        this.windows = ctx.getStateStore(windowsStore);
        this.meta = ctx.getStateStore(metaStore);
        this.clock = new WindowClock(graceMs);
        Long restored = meta.get(WATERMARK);
        clock.start(restored == null ? WindowClock.UNKNOWN : restored, ctx.currentSystemTimeMs());
        oldestOpen = Long.MIN_VALUE;
        ctx.schedule(punctuateEvery, PunctuationType.WALL_CLOCK_TIME, t -> punctuate());
    }

    @Override
    public void process(Record<String, V> record) {
        V v = record.value();
        if (v == null) {
            return;
        }
        long now = context.currentSystemTimeMs();
        boolean moved = clock.advance(now);
        if (v.windowStart() > now + graceMs || v.windowStart() > WindowKeys.MAX_START) {
            metrics.future.increment();
            return;
        }
        String group = aggregation.group(v);
        if (!group.equals(record.key())) {
            metrics.misrouted.increment(); // see FleetTopology
            return;
        }
        long start = Math.floorDiv(v.windowStart(), windowMs) * windowMs;
        if (clock.closed(start + windowMs)) {
            if (aggregation.late(v)) {
                String lateKey = LATE + group;
                Long n = meta.get(lateKey);
                meta.put(lateKey, n == null ? 1 : n + 1);
            }
        } else {
            String key = WindowKeys.key(start, group);
            A a = windows.get(key);
            if (a == null) {
                a = aggregation.create(group, start);
                if (oldestOpen != Long.MIN_VALUE) {
                    oldestOpen = Math.min(oldestOpen, start);
                }
            }
            aggregation.merge(a, v);
            windows.put(key, a);
        }
        moved |= clock.observe(v.windowEnd(), now);
        if (moved) {
            meta.put(WATERMARK, clock.watermark());
            closeWindows(now);
        }
    }

    private void punctuate() {
        long now = context.currentSystemTimeMs();
        if (clock.advance(now)) {
            meta.put(WATERMARK, clock.watermark());
        }
        closeWindows(now);
    }

    /** Writes and deletes the windows the clock has passed, oldest first, at most CLOSE_BATCH of them. */
    private void closeWindows(long now) {
        long upTo = clock.closedUpTo();
        if (upTo == WindowClock.UNKNOWN || oldestOpen == Long.MAX_VALUE
                || (oldestOpen != Long.MIN_VALUE && oldestOpen + windowMs > upTo)) {
            return;
        }
        List<KeyValue<String, A>> closing = new ArrayList<>();
        long oldest = Long.MAX_VALUE;
        try (KeyValueIterator<String, A> it = windows.all()) {
            while (it.hasNext()) {
                KeyValue<String, A> kv = it.next();
                long start = WindowKeys.windowStart(kv.key);
                if (start + windowMs > upTo) {
                    oldest = start;
                    break;
                }
                if (closing.size() == CLOSE_BATCH) {
                    oldest = Long.MIN_VALUE; // more to close: look again next time
                    break;
                }
                closing.add(kv);
            }
        }
        oldestOpen = oldest;
        for (KeyValue<String, A> kv : closing) {
            windows.delete(kv.key);
            long start = WindowKeys.windowStart(kv.key);
            String group = WindowKeys.group(kv.key);
            Long late = meta.delete(LATE + group);
            KeyValue<String, String> out = aggregation.close(group, start, start + windowMs, kv.value,
                    late == null ? 0 : late);
            if (out != null) {
                context.forward(new Record<>(out.key, out.value, now));
            }
        }
    }
}
