package io.portwatch.analysis;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A ring of fixed-size events from one producer thread to one consumer thread: each event is
 * {@value #WORDS} longs (64 bytes) in {@link #words}, with a reference beside it in {@link #refs} for
 * records. The producer writes events at {@link #tailOffset()}, {@link #commit()}s them and makes them
 * visible a batch at a time ({@link #publish()}: one ordered store of its position); the consumer reads
 * up to {@link #available()} and tells how far it has read the same way ({@link #release}). Nothing here
 * waits: a full ring or an empty one is the caller's to wait on, with its {@link IdleStrategy}.
 *
 * <p>The two positions live in one array, {@value #PAD} longs apart, so that the threads' counters share
 * no cache line.
 */
final class EventRing {

    /** Longs per event. */
    static final int WORDS = 8;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs between the two positions (128 bytes: two cache lines, for the adjacent-line prefetcher). */
    private static final int PAD = 16;
    /** Where the producer's published position is, in {@link #ctl}. */
    private static final int TAIL = PAD;
    /** Where the consumer's released position is, in {@link #ctl}. */
    private static final int HEAD = 2 * PAD;

    final long[] words;
    final Object[] refs;
    private final int capacity;
    private final int mask;
    private final long[] ctl = new long[3 * PAD];

    // Producer's.
    private long tail;
    private long published;
    private long cachedHead;

    /** @param capacity events, a power of two */
    EventRing(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, not " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.words = new long[capacity * WORDS];
        this.refs = new Object[capacity];
    }

    // ------------------------------------------------------------------ producer

    /** Whether every slot holds an event the consumer has not released (reads its position only then). */
    boolean isFull() {
        return tail - cachedHead == capacity && tail - (cachedHead = (long) LONGS.getAcquire(ctl, HEAD)) == capacity;
    }

    /** The offset in {@link #words} of the next event to write (the ring must not be full). */
    int tailOffset() {
        return (int) (tail & mask) * WORDS;
    }

    /** Ends writing the event at the tail; returns how many events are written and not yet published. */
    long commit() {
        return ++tail - published;
    }

    /** Makes the events committed so far visible to the consumer. */
    void publish() {
        if (published != tail) {
            published = tail;
            LONGS.setRelease(ctl, TAIL, tail);
        }
    }

    /** Events committed so far. */
    long tail() {
        return tail;
    }

    /** How far the consumer has released (an acquiring read). */
    long released() {
        return (long) LONGS.getAcquire(ctl, HEAD);
    }

    // ------------------------------------------------------------------ consumer

    /** How far the producer has published (an acquiring read). */
    long available() {
        return (long) LONGS.getAcquire(ctl, TAIL);
    }

    /** The offset in {@link #words} of event {@code seq}. */
    int offset(long seq) {
        return (int) (seq & mask) * WORDS;
    }

    /** The index in {@link #refs} of event {@code seq}. */
    int ref(long seq) {
        return (int) (seq & mask);
    }

    /** Tells the producer that the events before {@code head} are read and their slots free. */
    void release(long head) {
        LONGS.setRelease(ctl, HEAD, head);
    }
}
