package io.portwatch.analysis.ports;

import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;

/**
 * A mergeable distinct count of addresses: an Apache DataSketches {@link HllSketch} (lgConfigK
 * {@value #LG_K}, HLL_4), the format Druid and Pinot merge too, so that the sketches of many sensors' port
 * records can be merged into the fleet's distinct clients or servers. An address goes in as its 16 bytes
 * (IPv4 mapped into IPv6, as the flow table holds it) when there is no fleet key, or as the fleet key's
 * 64-bit hash of them ({@link FleetKey}); either way DataSketches hashes that with its public seed.
 *
 * <p>Fed by a {@link DistinctCounter}, which adds each distinct value once while it counts exactly and
 * every value once past that (DataSketches' hash costs 20-100 ns, against the counter's ~5 ns: paid for
 * distinct values, and for every flow only on ports with more than the counter's exact limit). A public
 * address goes in as two longs, each the byte-reversed word of the address, in a reused array:
 * DataSketches' MurmurHash3 reads a {@code long[]} little-endian, so that this hashes exactly the 16 bytes
 * of the address (the sketch is the one {@code update(byte[16])} makes), at half the cost of a byte array.
 * Single writer.
 */
public final class AddressSketch {

    /** log2 of the sketch's registers: 4,096, a relative standard error of about 1.6% (HLL_4). */
    public static final int LG_K = 12;
    /** What the sketch is written with: DataSketches' HLL_4, 4 bits a register. */
    public static final TgtHllType TYPE = TgtHllType.HLL_4;

    static {
        SketchLibrary.ready(); // before any sketch: DataSketches on a Java past 21
    }

    private final FleetKey key;
    private final HllSketch sketch = new HllSketch(LG_K, TYPE);
    private final long[] address = new long[2];

    /** @param key the fleet key, or null to feed addresses as they are (public) */
    public AddressSketch(FleetKey key) {
        this.key = key;
    }

    /** Adds an address (hi and lo: its 16 bytes, big-endian). */
    public void update(long hi, long lo) {
        if (key != null) {
            sketch.update(key.hash(hi, lo));
            return;
        }
        final long[] a = address;
        a[0] = Long.reverseBytes(hi);
        a[1] = Long.reverseBytes(lo);
        sketch.update(a);
    }

    /** The sketch's estimate of the distinct addresses added. */
    public double estimate() {
        return sketch.getEstimate();
    }

    /** The sketch as DataSketches serializes it ({@code toCompactByteArray}). */
    public byte[] toBytes() {
        return sketch.toCompactByteArray();
    }

    /** Forgets every address. */
    public void reset() {
        sketch.reset();
    }
}
