package io.portwatch.analysis.detect;

import io.portwatch.capture.flow.HashKey;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The detectors' tables under keys crafted, for a known hash key, to land on one index slot (the hash
 * inverted one word at a time, as an attacker who had learned the key would): a lookup still reads a
 * bounded number of slots, every entry given way is reported, and the tables still find what they hold.
 */
class DetectorHashFloodTest {

    static final class Value extends LruTable.Entry {
        @Override
        long retainedBytes() {
            return 32;
        }
    }

    /** Sources whose keys (source, target, port 0) share their hash's top 32 bits under key. */
    static List<long[]> crafted(HashKey key, int n) {
        SplittableRandom rnd = new SplittableRandom(11);
        final long tHi = 0, tLo = 0x0000_FFFF_0A00_0001L;
        List<long[]> out = new ArrayList<>();
        while (out.size() < n) {
            long h = 0x4242_4242L << 32 | (rnd.nextLong() & 0xFFFF_FFFEL);
            long sHi = rnd.nextLong();
            long sLo = key.wordFor(1, h - key.term(0, sHi) - key.term(2, tHi) - key.term(3, tLo) - key.term(4, 0));
            out.add(new long[] {sHi, sLo, tHi, tLo});
        }
        return out;
    }

    @Test
    void craftedKeysReadABoundedNumberOfSlots() {
        HashKey key = HashKey.of(5);
        List<Value> removed = new ArrayList<>();
        LruTable<Value> t = new LruTable<>(key, Integer.MAX_VALUE, Long.MAX_VALUE, removed::add);
        List<long[]> keys = crafted(key, 20_000);
        for (long[] k : keys) {
            assertTrue(t.get(k[0], k[1], k[2], k[3], 0) == null);
            t.add(k[0], k[1], k[2], k[3], 0, new Value());
        }
        assertTrue(t.longestProbe() <= LruTable.MAX_PROBE, "longest probe " + t.longestProbe());
        assertTrue(t.evictions() > 0, "the crafted keys filled the slots a lookup may read");
        assertEquals(t.evictions(), removed.size());
        assertEquals(keys.size(), t.size() + removed.size());
        for (Value v : t.values()) {
            assertNotNull(t.get(v.aHi, v.aLo, v.bHi, v.bLo, v.n), "an entry kept is found");
        }
    }

    @Test
    void theSameKeysAreSpreadOutUnderAnotherKey() {
        List<Value> removed = new ArrayList<>();
        LruTable<Value> t = new LruTable<>(HashKey.of(6), Integer.MAX_VALUE, Long.MAX_VALUE, removed::add);
        for (long[] k : crafted(HashKey.of(5), 20_000)) {
            t.add(k[0], k[1], k[2], k[3], 0, new Value());
        }
        assertEquals(0, t.evictions());
        assertTrue(t.longestProbe() < 40, "longest probe " + t.longestProbe());
    }

    @Test
    void hostsCraftedForTheSetsKeyAreCountedAsPastTheCap() {
        SplittableRandom rnd = new SplittableRandom(3);
        HostSet s = new HostSet(1 << 16);
        int n = 5_000;
        for (int i = 0; i < n; i++) {
            long hi = rnd.nextLong();
            long h = (rnd.nextLong() & 0xFFFE_0000_FFFE_0000L) | 0x0001_7777_0001_0055L; // one slot: bits 0-16, 32-48 fixed
            long lo = HostSet.KEY.wordFor(1, h - HostSet.KEY.term(0, hi));
            s.add(hi, lo);
        }
        assertEquals(n, s.count(), "every address counted");
        assertTrue(!s.exact(), "those beyond the probe limit are counted as past the cap");
    }
}
