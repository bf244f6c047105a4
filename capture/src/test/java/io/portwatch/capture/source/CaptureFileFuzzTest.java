package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations (flipped bytes, planted length and magic values, cuts, repeated chunks) of valid
 * pcap, pcapng and gzip files: every one reads to the end or fails with a {@link CaptureException}
 * naming the file; nothing else escapes and nothing hangs.
 */
class CaptureFileFuzzTest {

    private static final int MUTANTS_PER_FILE = 400;
    private static final int[] PLANTED = {0, 1, 3, 4, 8, 12, 28, 31, 32, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
            0xFFFF_FFFC, 262_144, 262_145, 0x0A0D0D0A, 0x1A2B3C4D, 0x4D3C2B1A, 0x0000_0006, 0x0600_0000, 0xA1B2C3D4,
            0x1F8B0800, 0x0100_0000, 0x0000_00E7, 0xE700_0000, 0x0000_0089, 0x8900_0000};

    @TempDir
    Path dir;

    private static Map<String, byte[]> bases() {
        Random r = new Random(7);
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            for (int magic : new int[] {CaptureBytes.PCAP_MICROS, CaptureBytes.PCAP_NANOS, CaptureBytes.PCAP_MODIFIED}) {
                CaptureBytes w = new CaptureBytes(order).pcapHeader(magic, 1);
                for (int i = 0; i < 6; i++) {
                    byte[] data = new byte[r.nextInt(120)];
                    r.nextBytes(data);
                    if (magic == CaptureBytes.PCAP_MODIFIED) {
                        w.modifiedRecord(i, i, data, data.length + i);
                    } else {
                        w.pcapRecord(i, i, data, data.length + i);
                    }
                }
                m.put(String.format("pcap-%s-%08x", order, magic), w.toByteArray());
            }
            ByteOrder other = order == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
            CaptureBytes w = new CaptureBytes(order).shb().idb(1, 0, new byte[0])
                    .idb(113, 64, CaptureBytes.tsresolOptions(order, 0x80 | 20, -5L));
            byte[] data = new byte[70];
            r.nextBytes(data);
            w.epb(0, 1, data, 70, CaptureBytes.commentOption(order, "x")).epb(1, 2, data, 80, new byte[0]);
            w.spb(70, data).obsoletePacket(1, 3, data, 70);
            w.block(CaptureBytes.NRB, new byte[8]).block(CaptureBytes.ISB, new byte[12]);
            w.order(other).shb().idb(101, 0, CaptureBytes.tsresolOptions(other, 9, null)).epb(0, 4, data, 70, new byte[0]);
            m.put("pcapng-" + order, w.toByteArray());
        }
        Map<String, byte[]> withGzip = new LinkedHashMap<>(m);
        m.forEach((k, v) -> withGzip.put(k + ".gz", CaptureBytes.gzip(v)));
        return withGzip;
    }

    private static byte[] mutate(byte[] base, Random r) {
        byte[] b = base.clone();
        if (b.length < 8) {
            return Arrays.copyOf(b, b.length + 1);
        }
        int kind = r.nextInt(5);
        switch (kind) {
            case 0 -> {
                for (int i = 1 + r.nextInt(8); i > 0; i--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> {
                int at = r.nextInt(b.length / 4) * 4;
                int v = PLANTED[r.nextInt(PLANTED.length)];
                if (r.nextBoolean()) {
                    v = Integer.reverseBytes(v);
                }
                for (int i = 0; i < 4 && at + i < b.length; i++) {
                    b[at + i] = (byte) (v >>> (24 - 8 * i));
                }
            }
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            case 3 -> {
                int from = r.nextInt(b.length);
                int length = Math.min(b.length - from, 1 + r.nextInt(64));
                int to = r.nextInt(b.length);
                byte[] c = new byte[b.length + length];
                System.arraycopy(b, 0, c, 0, to);
                System.arraycopy(b, from, c, to, length);
                System.arraycopy(b, to, c, to + length, b.length - to);
                b = c;
            }
            default -> {
                b = mutate(mutate(b, r), r);
            }
        }
        return b;
    }

    @TestFactory
    Stream<DynamicTest> mutantsReadToTheEndOrFailWithACaptureException() {
        return bases().entrySet().stream().map(base -> DynamicTest.dynamicTest(base.getKey(),
                () -> assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                    Random r = new Random(base.getKey().hashCode());
                    int faults = 0;
                    for (int i = 0; i < MUTANTS_PER_FILE; i++) {
                        byte[] mutant = mutate(base.getValue(), r);
                        String path = CollectingSink.write(dir, base.getKey() + "-" + i, mutant);
                        try {
                            CollectingSink.read(path);
                        } catch (CaptureException e) {
                            assertTrue(e.getMessage().startsWith(path + ": ") && !e.getMessage().contains("\n"),
                                    e.getMessage());
                            faults++;
                        } catch (RuntimeException | Error e) {
                            throw new AssertionError("mutant " + i + " of " + base.getKey() + ": " + e, e);
                        }
                    }
                    // the mutations must actually reach the fault paths
                    assertTrue(faults > MUTANTS_PER_FILE / 10, faults + " faults");
                })));
    }
}
