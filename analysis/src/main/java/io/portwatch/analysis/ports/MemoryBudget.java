package io.portwatch.analysis.ports;

/**
 * A cap on the heap that the per-port structures of a window may grow into (exact sets of distinct
 * clients and servers, HyperLogLog registers, mergeable sketches, top-talker summaries), whatever the
 * traffic: a random-port flood in one window, with no cap, made them hold about 640 MiB for 2 million packets
 * (bench/results/memory-2026-12-07.md), and more packets would have made them hold tens of GiB (131,072 port
 * slots, each up to about 300 KB).
 *
 * <p>As the tools of its kind behave when full: Suricata at a memcap ({@code flow.memcap},
 * {@code stream.memcap}) refuses the allocation, counts it (its {@code *_memcap_drop} counters) and, as a
 * passive sensor by default, goes on without it; pmacct's memory plugin, its pools used up, adds no more
 * entries and keeps counting into those it has. Here too growth past the cap is refused, the refusal is
 * counted, and what exists keeps counting what it can in the memory it has (a set of distinct values becomes
 * a sketch of the size it can afford, a top-talker summary stops growing and keeps Space-Saving at its size,
 * a mergeable sketch is left out); the owners count what they degraded, for the window's record
 * ({@code memory_limited}), where the user sees it. A fixed cap, not one derived from {@code -Xmx}: the same
 * input and options give the same records on every machine.
 *
 * <p>Sizes are accounted, not measured: each owner reserves the bytes of an array it is about to make
 * (header and payload) and releases those it drops. What a structure needs to exist at all (its object and
 * first small arrays: a fixed number of bytes a port slot, at most 131,072 slots) is not charged, so that
 * every port keeps some count; the owners state that part. Single writer: owned by one thread at a time.
 */
public final class MemoryBudget {

    /** Heap bytes of an array's header (a 64-bit JVM with compressed references: 12 bytes, aligned). */
    public static final long ARRAY_HEADER = 16;

    private final long limit;
    private long used;
    private long peak;
    private long refusals;

    /** @param limit bytes that may be reserved at once, at least 0 */
    public MemoryBudget(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("a memory budget must not be negative: " + limit);
        }
        this.limit = limit;
    }

    /** A budget that refuses nothing (the structures as they were before there was a cap). */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(Long.MAX_VALUE);
    }

    /**
     * Reserves {@code bytes} when they fit under the cap.
     *
     * @return whether they were reserved; a refusal is counted
     */
    public boolean reserve(long bytes) {
        if (bytes > limit - used) {
            refusals++;
            return false;
        }
        used += bytes;
        if (used > peak) {
            peak = used;
        }
        return true;
    }

    /** Gives back bytes reserved before (an array dropped, or replaced by a smaller one). */
    public void release(long bytes) {
        used -= bytes;
        assert used >= 0 : "released more than was reserved";
    }

    /** Heap bytes of a {@code long[]} of {@code n} elements. */
    public static long longs(int n) {
        return ARRAY_HEADER + 8L * n;
    }

    /** Heap bytes of an {@code int[]} of {@code n} elements. */
    public static long ints(int n) {
        return ARRAY_HEADER + 4L * n;
    }

    /** Heap bytes of a {@code byte[]} of {@code n} elements (aligned to 8). */
    public static long bytes(int n) {
        return ARRAY_HEADER + ((n + 7L) & ~7L);
    }

    public long limit() {
        return limit;
    }

    /** Bytes reserved now. */
    public long used() {
        return used;
    }

    /** The most bytes reserved at once so far. */
    public long peak() {
        return peak;
    }

    /** Reservations refused so far. */
    public long refusals() {
        return refusals;
    }
}
