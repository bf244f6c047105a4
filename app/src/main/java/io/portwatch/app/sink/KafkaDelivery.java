package io.portwatch.app.sink;

import io.portwatch.app.sink.Ledger.Pending;
import io.portwatch.app.sink.spool.Backlog;
import io.portwatch.app.sink.spool.Spool;
import io.portwatch.app.sink.spool.SpooledRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Gets a sink's messages to Kafka in the order given, each once, whatever the broker does meanwhile.
 *
 * <p>Every message gets its place in the order (a seq). Messages handed to the producer wait in the
 * <em>ledger</em> (in memory, at most {@code maxPending}) until the broker acknowledges them. A message
 * goes straight to the producer only when nothing older waits elsewhere; otherwise it queues behind the
 * others in the <em>backlog</em>: the spool on disk ({@code --kafka-spool}) or, without one, memory. A
 * thread of its own (the pump) hands the backlog to the producer, oldest first, as the ledger makes room.
 * So the messages of a key reach the producer in order, and the idempotent producer keeps that order on
 * the broker.
 *
 * <p>With a spool, the broker is taken for away when the oldest message of the ledger has waited
 * {@value #SPILL_MILLIS} ms: new messages go to disk from then on, and the ledger's messages that are only in
 * memory are written there too (before them, so that the files keep the order), so that a crash of
 * portwatch during an outage loses nothing the spool took. Then only what the ledger holds stays in
 * memory, and the pump feeds the producer from disk once the broker acknowledges again.
 *
 * <p>A failure that retrying cannot mend ({@link KafkaSession#ends}) ends the producer's session
 * ({@link KafkaSession}): what it had not acknowledged is sent again, in order, by a new producer, before
 * anything newer. Idempotence holds within a session only: a message whose batch reached the broker
 * while its acknowledgement did not reach portwatch ("in doubt") arrives twice then, after a failure, at
 * a close that gave up on it, or in the next run from the spool; none is lost. Failures that sending
 * again cannot mend (a message too large, a topic not authorized) are counted, as are messages dropped for
 * want of room.
 *
 * <p>{@link #offer} is called from one thread (the sink's output thread) and never waits for the broker
 * unless lossless ({@code maxPending} 0, file reads without a spool: it then waits for room, as long as
 * {@code max.block.ms}); the pump, the producer's callbacks and the metadata threads work beside it, all
 * under one lock but the callbacks, which only queue what happened.
 */
final class KafkaDelivery {

    /** With a spool: a message unacknowledged this long sends what follows to disk. */
    static final long SPILL_MILLIS = 5_000;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long SYNC_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What a callback said of a message. */
    private record Outcome(int session, long seq, Exception error, long latencyNanos) {
    }

    /** What {@link #finish} left: for the sink's last words. */
    record Closed(long leftInSpool, long atClose) {
    }

    private final long maxPending;
    private final Spool spool;
    private final Backlog backlog;
    private final MemoryBacklog memory;
    private final Consumer<String> notice;
    private final UnaryOperator<String> mask;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final Ledger ledger = new Ledger();
    private final Thread pump;

    private final Sessions sessions;
    /** Taken from the backlog, not yet handed (its topic's metadata awaited). */
    private SpooledRecord head;
    private long nextSeq;
    private long handedMax = -1;
    /** Messages written to the spool from the ledger and skipped there since (they had been handed). */
    private long spilledSkipped;
    private long lastSync;
    private boolean cursorDirty;

    private final DeliveryCounts counts;
    private volatile boolean closed;
    private volatile boolean closing;
    private volatile boolean stopped;

    /**
     * @param first       the first producer
     * @param known       topics whose metadata {@code first} already has (the others are fetched first)
     * @param newProducer makes the producer of each later session
     * @param maxPending  messages that may wait in memory; 0: lossless (offer waits for room)
     * @param maxBlock    how long a lossless offer waits for room
     * @param spool       the spool, or null
     * @param mask        hides secrets in error messages
     * @param notice      told, in a line, when a session fails and a new one sends again
     */
    KafkaDelivery(Producer<byte[], byte[]> first, Set<String> known, Supplier<Producer<byte[], byte[]>> newProducer,
                  long maxPending, Duration maxBlock, Spool spool, UnaryOperator<String> mask, Consumer<String> notice) {
        this.maxPending = maxPending;
        this.spool = spool;
        this.memory = spool != null ? null : new MemoryBacklog(maxPending, maxBlock.toNanos());
        this.backlog = spool != null ? spool : memory;
        this.mask = mask;
        this.counts = new DeliveryCounts(mask);
        this.notice = notice;
        this.nextSeq = spool != null ? spool.nextSeq() : 0;
        this.pump = new Thread(this::pumpLoop, "portwatch-kafka-pump");
        this.pump.setDaemon(true);
        this.sessions = new Sessions(first, known, newProducer, this::wake);
        publish();
        this.pump.start();
    }

    /** The counts, for the sink. */
    DeliveryCounts counts() {
        return counts;
    }

    /** Sends a message (or queues it, or drops it and counts it); see the class comment. */
    void offer(String topic, byte[] key, byte[] value) {
        counts.addGiven();
        lock.lock();
        try {
            settle();
            SpooledRecord r = new SpooledRecord(nextSeq++, topic, key, value);
            if (closed) {
                counts.addDropped();
                return;
            }
            if (direct(r, System.nanoTime())) {
                hand(new Pending(r, false));
                return;
            }
            if (spool != null) {
                if (spill() && spool.append(r)) {
                    cursorDirty = true;
                } else {
                    counts.addSpoolDropped();
                }
            } else if (!memory.offer(r, this::inMemory, changed)) {
                counts.addDropped();
            }
            LockSupport.unpark(pump);
        } finally {
            publish();
            lock.unlock();
        }
    }

    /** Whether {@code r} may go to the producer now: nothing older waits, and the producer takes messages. */
    private boolean direct(SpooledRecord r, long now) {
        if (head != null || !backlog.isEmpty() || !sessions.ready()) {
            return false;
        }
        if (!sessions.current().knows(r.topic())) {
            sessions.current().learn(r.topic());
            return false;
        }
        return (maxPending == 0 || ledger.size() < maxPending) && !(spool != null && stale(now));
    }

    /** Whether the oldest message in the ledger has waited past {@link #SPILL_MILLIS}. */
    private boolean stale(long now) {
        return !ledger.isEmpty() && now - ledger.oldestHanded() > TimeUnit.MILLISECONDS.toNanos(SPILL_MILLIS);
    }

    private long inMemory() {
        return ledger.size() + resendSize() + (head == null ? 0 : 1)
                + (spool == null ? backlog.size() : 0);
    }

    /** Hands {@code p} to the current session's producer; it waits in the ledger for its outcome. */
    private void hand(Pending p) {
        KafkaSession s = sessions.current();
        SpooledRecord r = p.record;
        p.session = s.id();
        p.handed = System.nanoTime();
        ledger.add(p);
        handedMax = Math.max(handedMax, r.seq());
        cursorDirty = true;
        long handed = p.handed;
        long seq = r.seq();
        Callback callback = (metadata, e) -> {
            if (e != null && !closing && KafkaSession.ends(e)) {
                s.breakOff(e); // here, on the producer's thread: none of its later batches goes out
            }
            outcomes.add(new Outcome(s.id(), seq, e, System.nanoTime() - handed));
            LockSupport.unpark(pump);
        };
        try {
            s.producer().send(new ProducerRecord<>(r.topic(), r.key(), r.value()), callback);
        } catch (IllegalStateException e) {
            s.breakOff(e); // closed under us (a callback broke it off): sent again by the next session
        } catch (RuntimeException e) {
            if (s.brokenBy() == null) { // not an ApiException (those go to the callback): interrupted, misconfigured
                ledger.remove(p);
                counts.addFailed(0);
                remember(e);
            }
        }
    }

    /** Takes in what the callbacks said. */
    private void settle() {
        Outcome o;
        while ((o = outcomes.poll()) != null) {
            Pending p = ledger.get(o.seq(), o.session());
            if (p == null) {
                continue;
            }
            if (o.error() == null) {
                ledger.remove(p);
                if (memory != null) {
                    memory.acknowledged();
                }
                sessions.acknowledged();
                cursorDirty = true;
                counts.addDelivered(o.latencyNanos());
            } else if (closing) {
                if (spool == null) {
                    ledger.remove(p);
                    counts.addFailed(o.latencyNanos());
                } // else it goes to the spool, for the next run
            } else if (sessions.current().id() != o.session() || sessions.current().brokenBy() != null) {
                remember(o.error()); // sent again by the next session
            } else {
                ledger.remove(p); // the message itself cannot be delivered
                counts.addFailed(o.latencyNanos());
                remember(o.error());
            }
        }
    }

    private void wake() {
        LockSupport.unpark(pump);
    }

    private void pumpLoop() {
        while (!stopped) {
            LockSupport.parkNanos(this, TICK_NANOS);
            lock.lock();
            try {
                if (!stopped) {
                    step(System.nanoTime());
                }
            } finally {
                publish();
                lock.unlock();
            }
        }
    }

    private void step(long now) {
        settle();
        Exception broke = sessions.takeBack(ledger, this::settle);
        if (broke != null) {
            if (spool != null) {
                spill(); // before anything newer reaches the spool
            }
            int n = resendSize();
            String why = broke.getClass().getSimpleName() + (broke.getMessage() == null ? ""
                    : ": " + broke.getMessage().strip().replace('\n', ' '));
            notice.accept(mask.apply("Kafka producer failed (" + why + "): a new one sends the " + n
                    + (n == 1 ? " record" : " records") + " not acknowledged again"));
        }
        sessions.restart(now, e -> remember(e));
        List<Pending> again = sessions.takeResend();
        if (again != null) {
            counts.addRestart();
            for (Pending p : again) {
                hand(p);
            }
        }
        feed(now);
        if (spool != null) {
            if (stale(now)) {
                spill();
            }
            spool.release(ledger.oldest(sessions.resend(), head, nextSeq));
            if (now - lastSync >= SYNC_NANOS) {
                lastSync = now;
                spool.sync();
                if (cursorDirty && spool.bytes() > 0) {
                    cursorDirty = false;
                    spool.save(handedMax, ledger.seqs(sessions.resend(), head));
                }
            }
        }
        sessions.sample();
        changed.signalAll();
    }

    private int resendSize() {
        return sessions.resend() == null ? 0 : sessions.resend().size();
    }

    /** Hands the backlog to the producer, oldest first, while the ledger has room and the broker answers. */
    private void feed(long now) {
        while (sessions.ready() && (maxPending == 0 || ledger.size() < maxPending)
                && !(spool != null && stale(now))) {
            if (head == null) {
                head = takeNext();
                if (head == null) {
                    return;
                }
            }
            if (!sessions.current().knows(head.topic())) {
                sessions.current().learn(head.topic());
                return;
            }
            SpooledRecord r = head;
            head = null;
            hand(new Pending(r, spool != null));
        }
    }

    /** The backlog's next message not yet handed (the spool also holds messages written from the ledger). */
    private SpooledRecord takeNext() {
        SpooledRecord r;
        while ((r = backlog.next()) != null && r.seq() <= handedMax) {
            spilledSkipped++;
        }
        return r;
    }

    /**
     * Writes the pending messages that are only in memory to the spool, in order (the broken session's
     * first, which are older); false when one does not fit, so that nothing newer is written before it.
     */
    private boolean spill() {
        return ledger.spill(sessions.resend() == null ? List.of() : sessions.resend(), spool);
    }

    private void publish() {
        counts.waiting(inMemory(), spool == null ? 0 : inSpool(), spool == null ? 0 : spool.bytes());
    }

    /** Messages of the spool not yet handed (those written there from the ledger, waiting in it, aside). */
    private long inSpool() {
        return Math.max(0, spool.size() - (ledger.spilled() - spilledSkipped)) + (head == null ? 0 : 1);
    }

    private void remember(Throwable e) {
        if (!closing) {
            counts.remember(e);
        }
    }

    /** Takes no more messages: those given from now on are dropped (and counted). */
    void stopTaking() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the pump and closes the producer, which has until {@code deadline} (nanoTime) for what it
     * holds. With a spool, what is still not delivered is written there for the next run; without one it
     * is counted as failed.
     */
    Closed finish(long deadline) {
        stopped = true;
        LockSupport.unpark(pump);
        try {
            pump.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            closing = true;
            settle();
            long failedBefore = counts.failed();
            sessions.current().close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            settle();
            long left = 0;
            if (spool != null) {
                spill();
                left = ledger.size() + resendSize() + inSpool();
                spool.save(handedMax, ledger.seqs(sessions.resend(), head));
                spool.close();
            } else {
                counts.addFailedUnsent(resendSize() + (head == null ? 0 : 1) + backlog.size() + ledger.size());
            }
            publish();
            return new Closed(left, counts.failed() - failedBefore);
        } finally {
            lock.unlock();
        }
    }

    /** Sends the producers retried (their {@code record-retry-total}). */
    long retries() {
        return sessions.retries();
    }

    /** The current producer's connections to brokers, or -1 when it does not say. */
    long connections() {
        return sessions.current().connections();
    }

    Spool spool() {
        return spool;
    }
}
