package io.portwatch.analysis.detect;

import io.portwatch.capture.flow.HashKey;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Keyed detector state bounded by entries and by bytes: when either bound is passed, the least
 * recently used entries are evicted (and counted), so that a flood of random sources or ports costs
 * a bounded amount of memory whatever it sends. Sizes are accounted (each value says what it
 * retains; the table adds {@link #ENTRY_OVERHEAD} an entry), not measured. Single writer.
 *
 * <p>Keys are up to two 128-bit addresses and an int, held in the entry itself ({@code aHi, aLo, bHi,
 * bLo, n}); a lookup takes them as primitives and allocates nothing. The index is open addressing
 * (linear probing, backward-shift deletion) over 64-bit key hashes in a {@code long[]}, beside the
 * entries, so that a probe compares hashes and reads one entry, the one it finds. Keys come from
 * packets: they are hashed with the run's secret key ({@link HashKey}), and a lookup reads at most
 * {@value #MAX_PROBE} index slots (an entry that would lie further takes the slot of the least recently
 * used entry among them, which is evicted), whatever the keys.
 *
 * <p>Recency: each access stamps the entry with the next value of a clock and appends (entry id,
 * stamp) to a log; the least recently used entry is the one of the first record in the log whose stamp
 * is still the entry's. An access so writes the log's end, in sequence, and never the entries next to
 * it in recency (as a linked list would); the log is compacted when it fills up. Eviction, expiry and
 * iteration read the log in order: least recently used first, exactly as an access-ordered linked map.
 * The log holds entry ids, not entries, so that it keeps nothing reachable that the table dropped.
 *
 * <p>Why one class of about 440 lines: the index, the ids and the log describe the same entries and change
 * together on every add, eviction and expiry (an entry's id is its place in all three); split apart they
 * would each need the others' internals.
 *
 * @param <V> the state kept per key
 */
final class LruTable<V extends LruTable.Entry> {

    /** A value, with its key; the table accounts its {@link #retainedBytes()}. */
    abstract static class Entry {
        /** The key: the first address, the second address (0 when unused), and an int (transport and port). */
        long aHi;
        long aLo;
        long bHi;
        long bLo;
        int n;
        /** This entry's place in the table's arrays, while it is in the table. */
        int id;
        /** The clock at this entry's latest access (kept here: a lookup has read this object already). */
        long stamp;
        long accounted;

        /** Heap bytes this value holds: its object and what only it references. */
        abstract long retainedBytes();
    }

    /**
     * Bytes accounted for each entry beside its value, about what the table spends on it: its key in
     * the entry (40), its index slot (a hash and a reference, 12 bytes at a load factor of 1/4 to 1/2),
     * its id's slots and its stamp (16) and its share of the log (two to four records of 12 bytes).
     */
    static final long ENTRY_OVERHEAD = 56 + 56 + 16;

    private static final int MIN_INDEX = 16;
    private static final int MIN_LOG = 64;

    /**
     * Index slots a lookup reads at most. The index is at most half full; with random keys a run of taken
     * slots this long has a probability of about e<sup>-49</sup> (runs shorten by a factor
     * {@code 0.5 e^0.5 = 0.82} a slot), so only keys crafted for a known hash key reach it.
     */
    static final int MAX_PROBE = 256;
    /** Which of the run's keys the tables derive (see {@link HashKey#derive}). */
    private static final long KEY_PURPOSE = 0x6C72_75L;

    private final HashKey key;
    private final int maxEntries;
    private final long maxBytes;
    private final Consumer<V> onRemove;

    /** Key hashes (never 0; 0 marks an empty slot) and their entries, by index slot. */
    private long[] hashes = new long[MIN_INDEX];
    private Entry[] slots = new Entry[MIN_INDEX];
    private int shift = 64 - Integer.numberOfTrailingZeros(MIN_INDEX);
    private int size;

    /** Entries by id (null while the id is free). */
    private Entry[] byId = new Entry[MIN_INDEX];
    private int[] freeIds = new int[MIN_INDEX];
    private int freeCount;
    private int nextId;

    /** Access records [head, tail): an id and the stamp it had then. */
    private int[] logIds = new int[MIN_LOG];
    private long[] logStamps = new long[MIN_LOG];
    private int head;
    private int tail;
    private long clock;

    private long bytes;
    private long evictions;

    /**
     * @param maxEntries entries kept at most
     * @param maxBytes   accounted bytes kept at most
     * @param onRemove   told of each entry evicted or expired, after it left the table
     */
    LruTable(int maxEntries, long maxBytes, Consumer<V> onRemove) {
        this(HashKey.RUN.derive(KEY_PURPOSE), maxEntries, maxBytes, onRemove);
    }

    /** A table hashing with the given key (tests that need to know it). */
    LruTable(HashKey key, int maxEntries, long maxBytes, Consumer<V> onRemove) {
        this.key = key;
        this.maxEntries = Math.max(1, maxEntries);
        this.maxBytes = Math.max(1, maxBytes);
        this.onRemove = onRemove;
    }

    /** The keyed hash of a key, never 0 (0 marks an empty index slot). */
    long hash(long aHi, long aLo, long bHi, long bLo, int n) {
        return key.hash(aHi, aLo, bHi, bLo, n) | 1;
    }

    /** The entry of a key, now the most recently used; or null. */
    @SuppressWarnings("unchecked")
    V get(long aHi, long aLo, long bHi, long bLo, int n) {
        if (size == 0) {
            return null;
        }
        final long h = hash(aHi, aLo, bHi, bLo, n);
        final long[] hs = hashes;
        final int mask = hs.length - 1;
        int i = (int) (h >>> shift);
        for (int probes = 0; probes < MAX_PROBE; probes++) {
            final long x = hs[i];
            if (x == 0) {
                return null;
            }
            if (x == h) {
                final Entry e = slots[i];
                if (e.aLo == aLo && e.bLo == bLo && e.n == n && e.aHi == aHi && e.bHi == bHi) {
                    touch(e);
                    return (V) e;
                }
            }
            i = (i + 1) & mask;
        }
        return null; // every entry lies within MAX_PROBE slots of its home
    }

    /** Adds an entry under this key (not in the table), then evicts others if a bound is passed. */
    V add(long aHi, long aLo, long bHi, long bLo, int n, V v) {
        v.aHi = aHi;
        v.aLo = aLo;
        v.bHi = bHi;
        v.bLo = bLo;
        v.n = n;
        if ((size + 1) * 2 > hashes.length) {
            rehash(hashes.length * 2);
        }
        final long h = hash(aHi, aLo, bHi, bLo, n);
        final int mask = hashes.length - 1;
        final int home = (int) (h >>> shift);
        int i = home;
        int probes = 1;
        while (hashes[i] != 0 && probes < MAX_PROBE) {
            i = (i + 1) & mask;
            probes++;
        }
        if (hashes[i] != 0) { // every slot a lookup reads is taken: the least recently used one gives way
            i = evictStalestFrom(home);
        }
        hashes[i] = h;
        slots[i] = v;
        size++;
        int id = freeCount > 0 ? freeIds[--freeCount] : newId();
        v.id = id;
        byId[id] = v;
        v.stamp = 0;
        touch(v);
        v.accounted = v.retainedBytes() + ENTRY_OVERHEAD;
        bytes += v.accounted;
        evict(v);
        return v;
    }

    /** Accounts a change in an entry's size, then evicts others if a bound is passed. */
    void update(V v) {
        long b = v.retainedBytes() + ENTRY_OVERHEAD;
        bytes += b - v.accounted;
        v.accounted = b;
        evict(v);
    }

    private void evict(V keep) {
        if (size <= maxEntries && bytes <= maxBytes) {
            return;
        }
        int r = head;
        boolean kept = false;
        for (; r < tail && (size > maxEntries || bytes > maxBytes); r++) {
            @SuppressWarnings("unchecked")
            final V e = (V) latest(r);
            if (e == null) {
                continue; // a later access, or the entry is gone
            }
            if (e == keep) {
                kept = true;
                continue;
            }
            remove(e);
            bytes -= e.accounted;
            evictions++;
            onRemove.accept(e); // may report an alert; it does not touch this table
        }
        if (!kept) {
            head = r; // every record before r is stale now
        }
        skipStale();
    }

    /** Removes every entry for which {@code stale} holds, least recently used first; returns how many. */
    int expire(Predicate<V> stale) {
        List<V> gone = new ArrayList<>();
        for (int r = head; r < tail; r++) {
            @SuppressWarnings("unchecked")
            final V e = (V) latest(r);
            if (e == null) {
                continue;
            }
            if (stale.test(e)) {
                remove(e);
                bytes -= e.accounted;
                gone.add(e);
            }
        }
        skipStale();
        gone.forEach(onRemove);
        return gone.size();
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Accounted bytes of the entries now kept. */
    long bytes() {
        return bytes;
    }

    /** Entries evicted so far to stay within the bounds. */
    long evictions() {
        return evictions;
    }

    /** One past the highest id an entry may have now: ids of {@link #atId} run from 0 to it. */
    int idLimit() {
        return nextId;
    }

    /** The entry of an id, or null when the id is free: for a caller that picks its own victims. */
    @SuppressWarnings("unchecked")
    V atId(int id) {
        return (V) byId[id];
    }

    /** Evicts an entry of the table (counted as an eviction), and tells the remove listener. */
    void evictEntry(V e) {
        remove(e);
        bytes -= e.accounted;
        evictions++;
        skipStale();
        onRemove.accept(e);
    }

    /** The entries now kept, least recently used first. */
    List<V> values() {
        List<V> out = new ArrayList<>(size);
        for (int r = head; r < tail; r++) {
            @SuppressWarnings("unchecked")
            V e = (V) latest(r);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    /** The longest probe sequence a lookup makes now (tests: it must stay bounded whatever the keys). */
    int longestProbe() {
        final int mask = hashes.length - 1;
        int longest = 0;
        for (int i = 0; i < hashes.length; i++) {
            if (hashes[i] != 0) {
                longest = Math.max(longest, ((i - (int) (hashes[i] >>> shift)) & mask) + 1);
            }
        }
        return longest;
    }

    // ---------------------------------------------------------------- recency

    /** Makes the entry the most recently used. */
    private void touch(Entry e) {
        if (e.stamp == clock && clock != 0) {
            return; // already the most recent
        }
        if (tail == logIds.length) {
            compactLog();
        }
        final long s = ++clock;
        e.stamp = s;
        logIds[tail] = e.id;
        logStamps[tail] = s;
        tail++;
    }

    /** The entry of log record r when the record is still its latest access; else null. */
    private Entry latest(int r) {
        final Entry e = byId[logIds[r]];
        return e != null && e.stamp == logStamps[r] ? e : null;
    }

    /** Drops the records that are no longer any entry's latest; grows the log when most are. */
    private void compactLog() {
        int w = 0;
        for (int r = head; r < tail; r++) {
            if (latest(r) != null) {
                logIds[w] = logIds[r];
                logStamps[w] = logStamps[r];
                w++;
            }
        }
        head = 0;
        tail = w;
        if (w > logIds.length / 2) {
            logIds = Arrays.copyOf(logIds, logIds.length * 2);
            logStamps = Arrays.copyOf(logStamps, logStamps.length * 2);
        }
    }

    private void skipStale() {
        while (head < tail && latest(head) == null) {
            head++;
        }
        if (head == tail) {
            head = 0;
            tail = 0;
        }
    }

    // ---------------------------------------------------------------- index

    private int newId() {
        if (nextId == byId.length) {
            int n = byId.length * 2;
            byId = Arrays.copyOf(byId, n);
            freeIds = Arrays.copyOf(freeIds, n);
        }
        return nextId++;
    }

    private void remove(Entry e) {
        final long h = hash(e.aHi, e.aLo, e.bHi, e.bLo, e.n);
        final int mask = hashes.length - 1;
        int i = (int) (h >>> shift);
        while (slots[i] != e) {
            i = (i + 1) & mask;
        }
        // backward-shift deletion: pull later entries of the run into the hole when their home allows
        int hole = i;
        int j = i;
        for (;;) {
            j = (j + 1) & mask;
            final long hj = hashes[j];
            if (hj == 0) {
                break;
            }
            final int home = (int) (hj >>> shift);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                hashes[hole] = hj;
                slots[hole] = slots[j];
                hole = j;
            }
        }
        hashes[hole] = 0;
        slots[hole] = null;
        size--;
        byId[e.id] = null;
        freeIds[freeCount++] = e.id;
    }

    /**
     * Evicts the least recently used entry of the {@link #MAX_PROBE} index slots from {@code home} (all
     * taken) and returns its slot, emptied for a new entry in place: the slot is taken again at once, so
     * every other entry stays where its lookups find it.
     */
    private int evictStalestFrom(int home) {
        final int mask = hashes.length - 1;
        int victim = home;
        for (int k = 1, i = home; k < MAX_PROBE; k++) {
            i = (i + 1) & mask;
            if (slots[i].stamp < slots[victim].stamp) {
                victim = i;
            }
        }
        @SuppressWarnings("unchecked")
        final V e = (V) slots[victim];
        forget(e);
        hashes[victim] = 0;
        slots[victim] = null;
        evictions++;
        onRemove.accept(e);
        return victim;
    }

    /** Takes an entry out of everything but the index: its id, its size and its bytes. */
    private void forget(Entry e) {
        size--;
        bytes -= e.accounted;
        byId[e.id] = null;
        freeIds[freeCount++] = e.id;
    }

    private void rehash(int capacity) {
        final long[] oldHashes = hashes;
        final Entry[] oldSlots = slots;
        hashes = new long[capacity];
        slots = new Entry[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        final int mask = capacity - 1;
        final List<Entry> overlong = new ArrayList<>(0);
        for (int k = 0; k < oldHashes.length; k++) {
            final long h = oldHashes[k];
            if (h != 0) {
                int i = (int) (h >>> shift);
                int probes = 1;
                while (hashes[i] != 0 && probes < MAX_PROBE) {
                    i = (i + 1) & mask;
                    probes++;
                }
                if (hashes[i] != 0) { // beyond the probe limit: only keys crafted for the hash key
                    overlong.add(oldSlots[k]);
                    continue;
                }
                hashes[i] = h;
                slots[i] = oldSlots[k];
            }
        }
        for (Entry e : overlong) {
            forget(e);
            evictions++;
            @SuppressWarnings("unchecked")
            final V v = (V) e;
            onRemove.accept(v);
        }
    }
}
