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

    private record Key(int version, long srcHi, long srcLo, long dstHi, long dstLo, int protocol, long id) {
    }

    private static final class Datagram {
        boolean portsKnown;
        int srcPort;
        int dstPort;
        long lastNanos;
        long pendingPackets;
        long pendingBytes;
    }

    private final int maxDatagrams;
    private final LinkedHashMap<Key, Datagram> datagrams;
    private long orphanFragments;

    public FragmentTracker(int maxDatagrams) {
        this.maxDatagrams = maxDatagrams;
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

    private static Key key(DecodedPacket p) {
        return new Key(p.ipVersion, p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.protocol, p.fragmentId);
    }

    /**
     * Records the first fragment (a {@link DecodedPacket#KIND_TRANSPORT} packet with {@code fragmented}
     * set and offset 0).
     *
     * @return the number of its datagram's fragments seen before it, whose bytes are in {@link #lastPendingBytes()}
     */
    public long onFirstFragment(DecodedPacket p) {
        Datagram d = datagrams.computeIfAbsent(key(p), k -> new Datagram());
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
        Key k = key(p);
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
        p.flowHashed = false;
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
