package io.portwatch.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Keys crafted, for a known hash key, against the growth of the analysis's linear-probing sets (as an
 * attacker who had learned the key would craft them): the tests invert the hash one word at a time
 * ({@code HashKey.wordFor}) to give each key the home slot wanted.
 */
public final class CraftedKeys {

    private CraftedKeys() {
    }

    /** Makes a key of some table whose home is {@code home} masked, in every table of up to 65,536 slots. */
    public interface Crafter {
        long[] key(SplittableRandom rnd, int home);
    }

    /**
     * Keys for a linear-probing set that doubles when more than half full, crafted so that each lies within
     * a few slots of its home when added, but one would lie {@code run + 1} slots from it once the set
     * grows from {@code slots} to twice that, at the last key: two keys whose home is the last slot (the
     * second wraps to the first slot), others far from them, then {@code run} keys whose homes follow the
     * first slot (each one slot from home, behind the wrapped key), then others again. Doubling re-inserts
     * in slot order: the wrapped key first, at its home again (now the middle of the set), the run next,
     * each at its home just after it (their homes moved to the upper half), and the key on the last slot
     * last, behind the whole run. Keys added before the set has {@code slots} slots are never near the
     * run, so that only that growth is crafted.
     */
    public static List<long[]> forGrowth(SplittableRandom rnd, int slots, int run, Crafter crafter) {
        List<long[]> keys = new ArrayList<>();
        keys.add(crafter.key(rnd, slots - 1));
        keys.add(crafter.key(rnd, slots - 1));
        // elsewhere: the middle of the set, in either half of the larger one
        Supplier<long[]> other = () ->
                crafter.key(rnd, (run + 16 + rnd.nextInt(slots - run - 32)) | (rnd.nextBoolean() ? slots : 0));
        while (keys.size() <= slots / 4) { // the set has grown to slots
            keys.add(other.get());
        }
        for (int j = 0; j < run; j++) {
            keys.add(crafter.key(rnd, slots + j));
        }
        while (keys.size() <= slots / 2) { // the last makes the set double
            keys.add(other.get());
        }
        return keys;
    }
}
