package io.portwatch.analysis.detect;

import io.portwatch.analysis.CraftedKeys;
import io.portwatch.capture.flow.HashKey;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * Addresses crafted for the set's key so that each lies within the probe limit when added, but one
     * would lie far past it once the set doubles (see {@link CraftedKeys#forGrowth}). Growth keeps the probe
     * limit as adding does: that address is counted as past the cap, and every lookup stays within the
     * limit.
     */
    @Test
    void growthKeepsTheProbeLimitForAddressesCraftedForTheSetsKey() {
        List<long[]> addresses = CraftedKeys.forGrowth(new SplittableRandom(7), 4096, 1000,
                (rnd, home) -> {
                    // the index is (h ^ h >>> 32) masked: bits 0-15 of the high half zero, of the low half the home
                    long h = (rnd.nextLong() & 0xFFFF_0000_FFFF_0000L) | home;
                    long hi = rnd.nextLong();
                    return new long[] {hi, HostSet.KEY.wordFor(1, h - HostSet.KEY.term(0, hi))};
                });
        HostSet s = new HostSet(1 << 16);
        for (long[] a : addresses.subList(0, addresses.size() - 1)) {
            assertTrue(s.add(a[0], a[1]));
        }
        assertTrue(s.exact(), "each address lay within the probe limit when it was added");
        assertEquals(addresses.size() - 1, s.count());
        assertTrue(s.longestProbe() <= HostSet.MAX_PROBE, "longest probe " + s.longestProbe());

        long[] last = addresses.get(addresses.size() - 1);
        assertTrue(s.add(last[0], last[1])); // the set doubles
        assertTrue(s.longestProbe() <= HostSet.MAX_PROBE, "longest probe after the growth " + s.longestProbe());
        assertEquals(addresses.size(), s.count(), "every address counted");
        assertFalse(s.exact(), "the address past the limit is counted as past the cap");
        assertEquals(addresses.size() - 1, addresses.stream().filter(a -> s.contains(a[0], a[1])).count(),
                "every other address is found");
    }
}
