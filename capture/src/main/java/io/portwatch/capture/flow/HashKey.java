package io.portwatch.capture.flow;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * A secret key for the hash tables whose keys come from packets: flows, fragments, detector state,
 * distinct-value sets. Whoever sends the packets chooses those keys; with a public hash they can choose
 * keys that all land on one slot and make every lookup scan a whole cluster (a 5-tuple hashed with
 * MurmurHash3's finalizer alone, inverted, made 100,000 spoofed SYNs cost 7 times as much as random
 * ones, growing with the square of their number). Zeek keys its hashes with a per-run secret against
 * exactly this, and Suricata seeds its flow hash.
 *
 * <p>Hashing: each word of a key goes through MurmurHash3's 64-bit finalizer ({@link Hash64#fmix64}, a
 * bijection with full avalanche) XORed with a key word of its position, and the results are added:
 * {@code h(w0, w1, ...) = fmix64(w0 ^ k0) + fmix64(w1 ^ k1) + ...}. Two different keys collide only when
 * the differences of their words' mixed values cancel, which without the key words cannot be aimed at:
 * the key words make each term a pseudo-random function of its word. The terms do not depend on each
 * other, so a key of several words costs about one finalizer's latency (the multiplications of the terms
 * overlap), where a chained hash would cost one per word. For a known key the hash can be inverted one
 * word at a time ({@link Hash64#unmix64}): the tests do so to craft collisions as an attacker who had
 * learned the key would, and the tables bound their probe sequences so that even then a packet costs a
 * bounded amount of work.
 *
 * <p>The run's key ({@link #RUN}) is drawn from {@link SecureRandom} when the class loads. A fixed seed
 * is for tests and for reproducing a run exactly: the system property {@value #SEED_PROPERTY}. Output does
 * not depend on the key (no record or order follows a slot), except that an estimated distinct count
 * (past the exact limit of a counter) varies with it within the estimate's error.
 */
public final class HashKey {

    /** System property with a fixed seed (a decimal or 0x hexadecimal long), for tests. */
    public static final String SEED_PROPERTY = "portwatch.hashSeed";

    /** Key words. */
    private static final int WORDS = 8;

    /** The key of this run. */
    public static final HashKey RUN = run();

    private final long k0, k1, k2, k3, k4, k5, k6, k7;

    private HashKey(long[] k) {
        k0 = k[0];
        k1 = k[1];
        k2 = k[2];
        k3 = k[3];
        k4 = k[4];
        k5 = k[5];
        k6 = k[6];
        k7 = k[7];
    }

    /** The key that a seed gives, always the same for the same seed. */
    public static HashKey of(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] k = new long[WORDS];
        for (int i = 0; i < WORDS; i++) {
            k[i] = r.nextLong();
        }
        return new HashKey(k);
    }

    private static HashKey run() {
        String fixed = System.getProperty(SEED_PROPERTY);
        if (fixed != null && !fixed.isBlank()) {
            String s = fixed.strip();
            try {
                return of(s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16)
                        : Long.parseLong(s));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(SEED_PROPERTY + " is not a number: " + s, e);
            }
        }
        return of(new SecureRandom().nextLong());
    }

    /**
     * A key for another table of the same run, independent of this one (so that a collision found in one
     * table tells nothing of another).
     */
    public HashKey derive(long purpose) {
        return of(Hash64.fmix64(k0 ^ Hash64.fmix64(purpose ^ k7)) ^ k1);
    }

    /** The hash of one word. */
    public long hash(long w0) {
        return Hash64.fmix64(w0 ^ k0);
    }

    /** The hash of two words (e.g. a 128-bit address). */
    public long hash(long w0, long w1) {
        return Hash64.fmix64(w0 ^ k0) + Hash64.fmix64(w1 ^ k1);
    }

    /** The hash of three words. */
    public long hash(long w0, long w1, long w2) {
        return Hash64.fmix64(w0 ^ k0) + Hash64.fmix64(w1 ^ k1) + Hash64.fmix64(w2 ^ k2);
    }

    /** The hash of five words (e.g. two 128-bit addresses and an int). */
    public long hash(long w0, long w1, long w2, long w3, long w4) {
        return Hash64.fmix64(w0 ^ k0) + Hash64.fmix64(w1 ^ k1) + Hash64.fmix64(w2 ^ k2)
                + Hash64.fmix64(w3 ^ k3) + Hash64.fmix64(w4 ^ k4);
    }

    /**
     * One term of the hash: word {@code w} at position {@code i} (0-4) mixed with its key word. The hash
     * of several words is the sum of their terms; {@link #wordFor} inverts a term.
     */
    public long term(int i, long w) {
        return Hash64.fmix64(w ^ word(i));
    }

    /** The word at position {@code i} whose term is {@code t}: the inverse of {@link #term}. */
    public long wordFor(int i, long t) {
        return Hash64.unmix64(t) ^ word(i);
    }

    private long word(int i) {
        return switch (i) {
            case 0 -> k0;
            case 1 -> k1;
            case 2 -> k2;
            case 3 -> k3;
            case 4 -> k4;
            case 5 -> k5;
            case 6 -> k6;
            default -> k7;
        };
    }
}
