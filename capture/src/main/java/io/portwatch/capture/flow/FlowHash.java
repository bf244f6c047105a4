package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;

/**
 * The flow table's keyed hash of a 5-tuple, the same both ways (a packet and its answer find one flow).
 * Two forms: when both addresses are IPv4 (IPv4-mapped, as the decoder stores them) the 5-tuple fits two
 * words, {@link #addressWord} and {@link #restWord}, and the table matches such a flow on its hot entry
 * alone; otherwise a 64-bit {@link #fingerprint} of the endpoints stands for the key and the full
 * addresses are compared in the cold entry. Both hash with a key of the run's secret ({@link HashKey}).
 */
final class FlowHash {

    private static final long LOW32 = 0xFFFF_FFFFL;

    private final HashKey key;

    FlowHash(HashKey key) {
        this.key = key;
    }

    /** The hash of p's 5-tuple: {@link #exact} when both addresses are IPv4, else {@link #fingerprint}. */
    long of(DecodedPacket p, boolean exact) {
        return exact
                ? exact(p.srcLo & LOW32, p.dstLo & LOW32, p.srcPort, p.dstPort, p.protocol, p.ipVersion == 6)
                : fingerprint(p.srcHi, p.srcLo, p.srcPort, p.dstHi, p.dstLo, p.dstPort, p.protocol);
    }

    /** Both addresses IPv4-mapped ({@code ::ffff:a.b.c.d}), so that their low 32 bits are all of them. */
    static boolean isExact(long sHi, long sLo, long dHi, long dLo) {
        return (sHi | dHi | ((sLo >>> 32) ^ 0xFFFF) | ((dLo >>> 32) ^ 0xFFFF)) == 0;
    }

    /**
     * The keyed hash of an IPv4 5-tuple (a and b the two 32-bit addresses), the same both ways: the hash
     * of two words, {@link #addressWord} and {@link #restWord}, which order the addresses and the ports.
     */
    long exact(long a, long b, int aPort, int bPort, int proto, boolean v6) {
        return key.hash(addressWord(a, b), restWord(aPort, bPort, proto, v6));
    }

    /** Both IPv4 addresses in one word, the lower one high: the same both ways. */
    static long addressWord(long a, long b) {
        return Math.min(a, b) << 32 | Math.max(a, b);
    }

    /** Ports (the lower one high), protocol and IP version in one word: the same both ways. */
    static long restWord(int aPort, int bPort, int proto, boolean v6) {
        return ((long) Math.min(aPort, bPort) << 16) | Math.max(aPort, bPort) | ((long) (proto & 0xFF) << 32)
                | (v6 ? 1L << 40 : 0);
    }

    /**
     * A keyed 64-bit hash of a 5-tuple that is the same both ways: each endpoint (address and port) is
     * hashed and mixed on its own, and the two are added. The mix of each endpoint's sum keeps parts of
     * one endpoint from trading places with the other's without changing the hash.
     */
    long fingerprint(long aHi, long aLo, int aPort, long bHi, long bLo, int bPort, int proto) {
        final HashKey k = key;
        return Hash64.fmix64(k.hash(aHi, aLo, aPort)) + Hash64.fmix64(k.hash(bHi, bLo, bPort)) + k.term(3, proto);
    }
}
