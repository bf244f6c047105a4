package io.portwatch.capture.flow;

/** The 64-bit mixing step shared by portwatch's hash tables and sketches. */
public final class Hash64 {

    private Hash64() {
    }

    /**
     * MurmurHash3's 64-bit finalizer: every output bit depends on every input bit, and 0 maps to 0.
     *
     * @param k the value to mix
     * @return the mixed value
     */
    public static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xFF51_AFD7_ED55_8CCDL;
        k ^= k >>> 33;
        k *= 0xC4CE_B9FE_1A85_EC53L;
        k ^= k >>> 33;
        return k;
    }

    /**
     * The inverse of {@link #fmix64}: {@code unmix64(fmix64(k)) == k}. Tests use it to craft keys that
     * collide, as an attacker who knew a table's hash would.
     */
    public static long unmix64(long k) {
        k ^= k >>> 33;
        k *= 0x9CB4_B2F8_1293_37DBL; // the inverse of 0xC4CE_B9FE_1A85_EC53 modulo 2^64
        k ^= k >>> 33;
        k *= 0x4F74_430C_22A5_4005L; // the inverse of 0xFF51_AFD7_ED55_8CCD
        k ^= k >>> 33;
        return k;
    }
}
