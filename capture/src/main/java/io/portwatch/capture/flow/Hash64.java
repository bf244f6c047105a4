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
}
