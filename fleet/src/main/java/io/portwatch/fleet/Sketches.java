package io.portwatch.fleet;

import java.util.Base64;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.Union;

/**
 * The sensors' distinct-count sketches (Apache DataSketches HLL, lgConfigK 12, base64 of
 * {@code HllSketch.toCompactByteArray()}) merged with DataSketches' {@link Union}: the union's estimate is
 * that of one sketch fed every sensor's addresses, within the same error (about 1.6% relative standard
 * error at lgK 12), provided every sensor hashed addresses the same way (the record's {@code hll_key}).
 * A sketch image is sensor data and may be anything: one that does not decode is refused, not thrown.
 */
final class Sketches {

    /** The sensors' lgConfigK; a union of sketches with a larger one is kept at this size. */
    static final int LG_K = 12;

    private Sketches() {
    }

    static Union newUnion() {
        return new Union(LG_K);
    }

    /** The base64 sketch, or null when it does not decode. */
    static HllSketch decode(String base64) {
        try {
            return HllSketch.heapify(Base64.getDecoder().decode(base64));
        } catch (RuntimeException e) {
            // base64 or an image DataSketches refuses (SketchesArgumentException, MemoryBoundsException, ...)
            return null;
        }
    }

    /** The union's distinct-count estimate, rounded. */
    static long estimate(Union union) {
        return Math.round(union.getEstimate());
    }
}
