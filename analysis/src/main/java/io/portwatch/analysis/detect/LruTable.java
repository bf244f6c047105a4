package io.portwatch.analysis.detect;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Keyed detector state bounded by entries and by bytes: when either bound is passed, the least
 * recently used entries are evicted (and counted), so that a flood of random sources or ports costs
 * a bounded amount of memory whatever it sends. Sizes are accounted (each value says what it
 * retains; the table adds the map's own overhead), not measured. Single writer.
 *
 * @param <V> the state kept per key
 */
final class LruTable<V extends LruTable.Entry> {

    /** A value; the table accounts its {@link #retainedBytes()}. */
    abstract static class Entry {
        /** The table's own copy of the key, set when the entry is added. */
        Key key;
        long accounted;

        /** Heap bytes this value holds: its object and what only it references. */
        abstract long retainedBytes();
    }

    /** Heap bytes of one map entry beside its value: the linked entry, the key, a share of the table. */
    static final long ENTRY_OVERHEAD = 56 + 56 + 16;

    private final LinkedHashMap<Key, V> map = new LinkedHashMap<>(64, 0.75f, true);
    private final int maxEntries;
    private final long maxBytes;
    private final Consumer<V> onRemove;
    private long bytes;
    private long evictions;

    /**
     * @param maxEntries entries kept at most
     * @param maxBytes   accounted bytes kept at most
     * @param onRemove   told of each entry evicted or expired, after it left the table
     */
    LruTable(int maxEntries, long maxBytes, Consumer<V> onRemove) {
        this.maxEntries = Math.max(1, maxEntries);
        this.maxBytes = Math.max(1, maxBytes);
        this.onRemove = onRemove;
    }

    /** The entry of a key (which may be a reused lookup key), now the most recently used; or null. */
    V get(Key k) {
        return map.get(k);
    }

    /** Adds an entry under a copy of {@code k}, then evicts others if a bound is passed. */
    V add(Key k, V v) {
        Key own = k.copy();
        v.key = own;
        map.put(own, v);
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
        if (map.size() <= maxEntries && bytes <= maxBytes) {
            return;
        }
        Iterator<V> it = map.values().iterator();
        while ((map.size() > maxEntries || bytes > maxBytes) && it.hasNext()) {
            V e = it.next();
            if (e == keep) {
                continue;
            }
            it.remove();
            bytes -= e.accounted;
            evictions++;
            onRemove.accept(e); // may report an alert; it does not touch this table
        }
    }

    /** Removes every entry for which {@code stale} holds; returns how many. */
    int expire(Predicate<V> stale) {
        List<V> gone = new ArrayList<>();
        Iterator<V> it = map.values().iterator();
        while (it.hasNext()) {
            V e = it.next();
            if (stale.test(e)) {
                it.remove();
                bytes -= e.accounted;
                gone.add(e);
            }
        }
        gone.forEach(onRemove);
        return gone.size();
    }

    boolean isEmpty() {
        return map.isEmpty();
    }

    int size() {
        return map.size();
    }

    /** Accounted bytes of the entries now kept. */
    long bytes() {
        return bytes;
    }

    /** Entries evicted so far to stay within the bounds. */
    long evictions() {
        return evictions;
    }

    Iterable<V> values() {
        return map.values();
    }
}
