package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gives non-first IP fragments the ports of their datagram, so that every fragment counts toward its
 * flow. Datagrams are keyed by (IP version, source, destination, protocol, identification). A fragment
 * that arrives before its datagram's first fragment is held as a count and handed over when the first
 * fragment arrives; datagrams whose first fragment never comes are dropped after a timeout and counted.
 *
 * <p>Datagrams are forgotten 30 s after their last fragment (a duplicate or out-of-order fragment may come
 * after the one flagged last). Bounded: at most {@code maxDatagrams} datagrams are remembered, the
 * least recently seen forgotten first. Single
 * writer. Fragments are rare, so this allocates per fragmented datagram (never per ordinary packet).
 */
public final class FragmentTracker {

    private static final long TIMEOUT_NANOS = 30 * FlowConfig.SECOND;

    /**
     * A datagram's key. Its hash code is the tracker's keyed hash ({@link HashKey}), so that fragments
     * cannot be chosen to share a bucket; and keys are comparable, so that a bucket that fills all the
     * same (the map then makes it a tree) is searched in logarithmic time.
     */
    private static final class Key implements Comparable<Key> {
        final int version;
        final long srcHi;
        final long srcLo;
        final long dstHi;
        final long dstLo;
        final int protocol;
        final long id;
        final int hash;

        Key(HashKey k, int version, long srcHi, long srcLo, long dstHi, long dstLo, int protocol, long id) {
            this.version = version;
            this.srcHi = srcHi;
            this.srcLo = srcLo;
            this.dstHi = dstHi;
            this.dstLo = dstLo;
            this.protocol = protocol;
            this.id = id;
            long h = k.hash(srcHi, srcLo, dstHi, dstLo, id ^ (long) protocol << 32 ^ (long) version << 40);
            this.hash = (int) (h >>> 32);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.srcLo == srcLo && k.dstLo == dstLo && k.id == id && k.srcHi == srcHi
                    && k.dstHi == dstHi && k.protocol == protocol && k.version == version;
        }

        @Override
        public int compareTo(Key o) {
            int c = Long.compare(srcHi, o.srcHi);
            c = c != 0 ? c : Long.compare(srcLo, o.srcLo);
            c = c != 0 ? c : Long.compare(dstHi, o.dstHi);
            c = c != 0 ? c : Long.compare(dstLo, o.dstLo);
            c = c != 0 ? c : Long.compare(id, o.id);
            c = c != 0 ? c : Integer.compare(protocol, o.protocol);
            return c != 0 ? c : Integer.compare(version, o.version);
        }
    }

    /** Which of the run's keys this tracker derives (see {@link HashKey#derive}). */
    private static final long KEY_PURPOSE = 0x6672_6167L;

    private static final class Datagram {
        boolean portsKnown;
        int srcPort;
        int dstPort;
        long lastNanos;
        long pendingPackets;
        long pendingBytes;
    }

    private final int maxDatagrams;
    private final HashKey key;
    private final LinkedHashMap<Key, Datagram> datagrams;
    private long orphanFragments;

    public FragmentTracker(int maxDatagrams) {
        this(maxDatagrams, HashKey.RUN.derive(KEY_PURPOSE));
    }

    public FragmentTracker(int maxDatagrams, HashKey key) {
        this.maxDatagrams = maxDatagrams;
        this.key = key;
        this.datagrams = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Datagram> eldest) {
                if (size() > FragmentTracker.this.maxDatagrams) {
                    orphanFragments += eldest.getValue().pendingPackets;
                    return true;
                }
                return false;
            }
        };
    }

    /** Non-first fragments whose first fragment was never seen (dropped after the timeout or at capacity). */
    public long orphanFragments() {
        return orphanFragments;
    }

    /** The key of p's datagram (package-private for tests). */
    Object key(DecodedPacket p) {
        return new Key(key, p.ipVersion, p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.protocol, p.fragmentId);
    }

    /**
     * Records the first fragment (a {@link DecodedPacket#KIND_TRANSPORT} packet with {@code fragmented}
     * set and offset 0).
     *
     * @return the number of its datagram's fragments seen before it, whose bytes are in {@link #lastPendingBytes()}
     */
    public long onFirstFragment(DecodedPacket p) {
        Datagram d = datagrams.computeIfAbsent((Key) key(p), k -> new Datagram());
        d.portsKnown = true;
        d.srcPort = p.srcPort;
        d.dstPort = p.dstPort;
        d.lastNanos = p.timestampNanos;
        long pending = d.pendingPackets;
        lastPendingBytes = d.pendingBytes;
        d.pendingPackets = 0;
        d.pendingBytes = 0;
        expire(p.timestampNanos);
        return pending;
    }

    private long lastPendingBytes;

    /** IP-layer bytes of the fragments returned by the last {@link #onFirstFragment}. */
    public long lastPendingBytes() {
        return lastPendingBytes;
    }

    /**
     * Resolves a non-first fragment ({@link DecodedPacket#KIND_FRAGMENT}). When its datagram's ports are
     * known, sets {@code srcPort}/{@code dstPort} on the packet and returns true: the caller then treats it
     * as a TCP/UDP packet (with no TCP flags). Otherwise holds it as pending and returns false.
     */
    public boolean onLaterFragment(DecodedPacket p) {
        Key k = (Key) key(p);
        Datagram d = datagrams.get(k);
        if (d == null) {
            d = new Datagram();
            datagrams.put(k, d);
        }
        d.lastNanos = p.timestampNanos;
        if (!d.portsKnown) {
            d.pendingPackets++;
            d.pendingBytes += p.ipLength;
            expire(p.timestampNanos);
            return false;
        }
        p.srcPort = d.srcPort;
        p.dstPort = d.dstPort;
        p.tcpFlags = 0;
        return true;
    }

    private void expire(long now) {
        Iterator<Datagram> it = datagrams.values().iterator();
        while (it.hasNext()) {
            Datagram d = it.next();
            if (now - d.lastNanos <= TIMEOUT_NANOS) {
                break; // access order: the rest are newer
            }
            orphanFragments += d.pendingPackets;
            it.remove();
        }
    }

    /** Forgets every datagram (end of input), counting held fragments as orphans. */
    public void clear() {
        for (Datagram d : datagrams.values()) {
            orphanFragments += d.pendingPackets;
        }
        datagrams.clear();
    }
}
