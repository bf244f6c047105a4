package io.portwatch.analysis.ports;

import io.portwatch.capture.flow.HashKey;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * An address goes into the sketch as the contract between sensors and the fleet says: without a key, as
 * {@code update(byte[16])} of its 16 bytes (IPv4 mapped into IPv6); with one, as {@code update(long)} of
 * {@code HashKey.of(seed).hash(hi, lo)}: the sketches are byte for byte those.
 */
class AddressSketchTest {

    @Test
    void publicAddressesGoInAsTheirSixteenBytes() {
        AddressSketch mine = new AddressSketch(null);
        HllSketch theirs = new HllSketch(12, TgtHllType.HLL_4);
        SplittableRandom r = new SplittableRandom(17);
        for (int i = 0; i < 20_000; i++) {
            long hi = i % 3 == 0 ? 0 : r.nextLong();
            long lo = i % 3 == 0 ? 0xFFFF_0000_0000L | r.nextInt() & 0xFFFF_FFFFL : r.nextLong(); // IPv4 mapped
            mine.update(hi, lo);
            theirs.update(ByteBuffer.allocate(16).putLong(hi).putLong(lo).array());
            if (i == 5 || i == 500) { // list and set modes too
                assertArrayEquals(theirs.toCompactByteArray(), mine.toBytes(), i + " addresses");
            }
        }
        assertArrayEquals(theirs.toCompactByteArray(), mine.toBytes());
    }

    @Test
    void keyedAddressesGoInAsTheirKeyedHash() {
        String text = "a fleet key for the address sketch test";
        AddressSketch mine = new AddressSketch(FleetKey.of(text));
        HllSketch theirs = new HllSketch(12, TgtHllType.HLL_4);
        HashKey key = HashKey.of(FleetKey.seed(text));
        SplittableRandom r = new SplittableRandom(18);
        for (int i = 0; i < 20_000; i++) {
            long hi = r.nextLong();
            long lo = r.nextLong();
            mine.update(hi, lo);
            theirs.update(key.hash(hi, lo));
        }
        assertArrayEquals(theirs.toCompactByteArray(), mine.toBytes());
    }
}
