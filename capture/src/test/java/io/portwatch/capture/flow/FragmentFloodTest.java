package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fragment tracker keys datagrams in a hash map. Keys whose hash codes an attacker can make equal
 * put every datagram in one bucket, and each fragment then walks all of them: IPv6 sources whose two
 * address halves are the same 32 bits twice are one such family for a hash that folds a long's halves
 * (as {@link Long#hashCode} and so a record's hash code do): 100,000 such fragments took 229 s to hold
 * before the tracker hashed with a secret key.
 */
class FragmentFloodTest {

    private static DecodedPacket laterFragment(long srcLo, long id) {
        DecodedPacket p = new DecodedPacket();
        p.clear();
        p.kind = DecodedPacket.KIND_FRAGMENT;
        p.ipVersion = 6;
        p.srcHi = 0x2001_0db8_0000_0000L;
        p.srcLo = srcLo;
        p.dstHi = 0x2001_0db8_0000_0000L;
        p.dstLo = 1;
        p.protocol = DecodedPacket.PROTO_UDP;
        p.fragmentId = id;
        p.ipLength = 1280;
        return p;
    }

    @Test
    void craftedSourcesDoNotShareAHashCode() {
        Set<Integer> codes = new HashSet<>();
        FragmentTracker t = new FragmentTracker(65_536);
        int n = 10_000;
        for (long v = 1; v <= n; v++) {
            codes.add(t.key(laterFragment(v << 32 | v, 7)).hashCode());
        }
        assertTrue(codes.size() > n * 99 / 100, codes.size() + " hash codes for " + n + " datagrams");
    }

    @Test
    void everyHeldFragmentIsCounted() {
        FragmentTracker t = new FragmentTracker(65_536);
        int n = 100_000;
        for (long v = 1; v <= n; v++) {
            DecodedPacket p = laterFragment(v << 32 | v, 7);
            p.timestampNanos = v;
            t.onLaterFragment(p);
        }
        t.clear();
        assertEquals(n, t.orphanFragments());
    }
}
