package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.portwatch.capture.source.CollectingSink.Frame;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every fault: a one-line message naming the file and the problem, after every good record before it. */
class CaptureFileFaultTest {

    private static final byte[] NO_OPTIONS = new byte[0];

    @TempDir
    Path dir;

    private final Random random = new Random(0xFA17);

    /** What a run delivered before it failed, and the failure. */
    record Outcome(List<Frame> frames, CaptureException fault) {
    }

    /** Opens and runs {@code path}, expecting a fault in open() or run(). */
    private static Outcome fail(String path) {
        CollectingSink sink = new CollectingSink();
        CaptureException e = assertThrows(CaptureException.class, () -> {
            try (CaptureFileSource source = CaptureFileSource.open(path)) {
                source.run(sink);
            }
        });
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(path + ": "), "names the file: " + e.getMessage());
        return new Outcome(sink.frames, e);
    }

    private static String problem(String path, Outcome o) {
        return o.fault().getMessage().substring(path.length() + 2);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** A little-endian pcap of {@code count} records of random sizes, and its frames. */
    private Object[] pcap(int count) {
        CaptureBytes w = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(CaptureBytes.PCAP_MICROS, 1);
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] data = randomBytes(40 + random.nextInt(1500));
            w.pcapRecord(100 + i, i, data, data.length);
            frames.add(new Frame(1, (100L + i) * 1_000_000_000L + i * 1000L, data, data.length));
        }
        return new Object[] {w, frames};
    }

    // ---- opening

    @Test
    void missingFile() {
        String path = dir.resolve("nothing-here.pcap").toString();
        assertEquals("no such file", problem(path, fail(path)));
    }

    @Test
    void directory() {
        String path = dir.toString();
        assertEquals("is a directory", problem(path, fail(path)));
    }

    @Test
    void permissionDenied() throws IOException {
        String path = CollectingSink.write(dir, "secret.pcap", new byte[24]);
        Files.setPosixFilePermissions(Path.of(path), PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(Path.of(path)), "running with permission to read anything (root)");
        assertEquals("permission denied", problem(path, fail(path)));
    }

    @Test
    void emptyFileAndEmptyGzipStream() {
        String empty = CollectingSink.write(dir, "empty.pcap", new byte[0]);
        assertEquals("empty file", problem(empty, fail(empty)));
        String gz = CollectingSink.write(dir, "empty.pcap.gz", CaptureBytes.gzip(new byte[0]));
        assertEquals("empty gzip stream", problem(gz, fail(gz)));
    }

    @Test
    void fileShorterThanItsHeader() {
        String one = CollectingSink.write(dir, "one.pcap", new byte[] {(byte) 0xD4});
        assertEquals("file too short for a capture header (1 byte)", problem(one, fail(one)));
        byte[] header = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(CaptureBytes.PCAP_MICROS, 1).toByteArray();
        String three = CollectingSink.write(dir, "three.pcap", Arrays.copyOf(header, 3));
        assertEquals("file too short for a capture header (3 bytes)", problem(three, fail(three)));
        String twenty = CollectingSink.write(dir, "twenty.pcap", Arrays.copyOf(header, 20));
        assertEquals("file too short for a pcap header (20 of 24 bytes)", problem(twenty, fail(twenty)));
        byte[] shb = new CaptureBytes(ByteOrder.BIG_ENDIAN).shb().toByteArray();
        String ng = CollectingSink.write(dir, "short.pcapng", Arrays.copyOf(shb, 16));
        assertEquals("file too short for a pcapng header (16 of 28 bytes)", problem(ng, fail(ng)));
        String gz = CollectingSink.write(dir, "short.pcap.gz", CaptureBytes.gzip(Arrays.copyOf(header, 2)));
        assertEquals("gzip stream too short for a capture header (2 bytes)", problem(gz, fail(gz)));
    }

    @Test
    void notACapture() {
        byte[] text = "Licensed under the BSD licence\n".getBytes(StandardCharsets.US_ASCII);
        String path = CollectingSink.write(dir, "LICENSE.pcap", text);
        String magic = String.format("%02x%02x%02x%02x", text[0], text[1], text[2], text[3]);
        assertEquals("not a pcap or pcapng file (magic 0x" + magic + ")", problem(path, fail(path)));
        String gz = CollectingSink.write(dir, "LICENSE.gz", CaptureBytes.gzip(text));
        assertEquals("not a pcap or pcapng file (magic 0x" + magic + ")", problem(gz, fail(gz)));
    }

    @Test
    void unsupportedPcapVersion() {
        byte[] file = new CaptureBytes(ByteOrder.BIG_ENDIAN).pcapHeader(CaptureBytes.PCAP_MICROS, 1, 0, 96, 1)
                .toByteArray();
        String path = CollectingSink.write(dir, "v1.pcap", file);
        assertEquals("unsupported pcap version 1.0", problem(path, fail(path)));
    }

    // ---- pcap records

    @Test
    @SuppressWarnings("unchecked")
    void truncatedLastRecordAfterTheGoodOnes() {
        Object[] p = pcap(3);
        CaptureBytes w = (CaptureBytes) p[0];
        List<Frame> good = (List<Frame>) p[1];
        int at = w.size();
        w.pcapRecord(200, 0, randomBytes(1000), 1000);
        byte[] full = w.toByteArray();
        byte[] cut = Arrays.copyOf(full, full.length - 1);
        String expected = "truncated record at byte " + at + " (" + (16 + 999) + " of " + (16 + 1000) + " bytes present)";
        for (String path : new String[] {CollectingSink.write(dir, "cut.pcap", cut),
                CollectingSink.write(dir, "cut.pcap.gz", CaptureBytes.gzip(cut))}) {
            Outcome o = fail(path);
            assertEquals(expected, problem(path, o));
            assertEquals(good, o.frames());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void truncatedRecordHeader() {
        Object[] p = pcap(2);
        byte[] full = ((CaptureBytes) p[0]).toByteArray();
        byte[] cut = Arrays.copyOf(full, full.length + 9);
        String path = CollectingSink.write(dir, "hdr.pcap", cut);
        Outcome o = fail(path);
        assertEquals("truncated record header at byte " + full.length + " (9 of 16 bytes present)", problem(path, o));
        assertEquals(p[1], o.frames());
    }

    @Test
    @SuppressWarnings("unchecked")
    void absurdCapturedLength() {
        for (long length : new long[] {262_145, 0xFFFF_FFF0L}) {
            Object[] p = pcap(2);
            CaptureBytes w = (CaptureBytes) p[0];
            int at = w.size();
            w.u32(1).u32(2).u32(length).u32(length).bytes(randomBytes(300_000));
            String path = CollectingSink.write(dir, "absurd.pcap", w.toByteArray());
            Outcome o = fail(path);
            assertEquals("record at byte " + at + ": captured length " + length
                    + " exceeds the maximum of 262144 for link type 1", problem(path, o));
            assertEquals(p[1], o.frames());
        }
        // the maximum itself is a valid length
        byte[] max = randomBytes(262_144);
        byte[] ok = new CaptureBytes(ByteOrder.BIG_ENDIAN).pcapHeader(CaptureBytes.PCAP_NANOS, 1)
                .pcapRecord(0, 0, max, max.length).toByteArray();
        assertEquals(1, assertDoesNotFail(CollectingSink.write(dir, "max.pcap", ok)).size());
    }

    private static List<Frame> assertDoesNotFail(String path) {
        try {
            return CollectingSink.read(path);
        } catch (CaptureException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    @Test
    void aClaimedLengthAllocatesNoMoreThanTheInputHolds() throws CaptureException {
        // a D-Bus record may claim up to 128 MiB; only 10 bytes follow
        byte[] file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(CaptureBytes.PCAP_MICROS, 231)
                .u32(1).u32(2).u32(100_000_000).u32(100_000_000).bytes(new byte[10]).toByteArray();
        String path = CollectingSink.write(dir, "dbus.pcap", file);
        assertEquals("truncated record at byte 24 (26 of 100000016 bytes present)", problem(path, fail(path)));
        CaptureInput in = new CaptureInput("x", Channels.newChannel(new ByteArrayInputStream(new byte[3 << 20])));
        assertFalse(in.require(100_000_000));
        assertEquals(3 << 20, in.available());
        assertTrue(in.buf.capacity() <= 4 << 20, "buffer grew to " + in.buf.capacity());
    }

    // ---- pcapng blocks

    /** A pcapng with one Ethernet interface and two packets; fault blocks are appended by the tests. */
    private CaptureBytes pcapng(ByteOrder order, List<Frame> frames) {
        CaptureBytes w = new CaptureBytes(order).shb().idb(1, 0, NO_OPTIONS);
        for (int i = 0; i < 2; i++) {
            byte[] data = randomBytes(60 + i);
            w.epb(0, 1_000_000L * i, data, data.length, NO_OPTIONS);
            frames.add(new Frame(1, 1_000_000_000L * i, data, data.length));
        }
        return w;
    }

    private void pcapngFault(String name, ByteOrder order, java.util.function.BiFunction<CaptureBytes, Integer, String> append) {
        List<Frame> good = new ArrayList<>();
        CaptureBytes w = pcapng(order, good);
        String expected = append.apply(w, w.size());
        String path = CollectingSink.write(dir, name, w.toByteArray());
        Outcome o = fail(path);
        assertEquals(expected, problem(path, o), name);
        assertEquals(good, o.frames(), name);
    }

    @Test
    void pcapngBlockFaults() {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            pcapngFault("not-multiple-of-4.pcapng", order, (w, at) -> {
                w.u32(6).u32(34).zeros(26);
                return "enhanced packet block at byte " + at + ": length 34 is not a multiple of 4";
            });
            pcapngFault("below-minimum.pcapng", order, (w, at) -> {
                w.u32(4).u32(8).u32(8);
                return "name resolution block at byte " + at + ": length 8 is below the minimum of 12";
            });
            pcapngFault("epb-below-minimum.pcapng", order, (w, at) -> {
                w.u32(6).u32(20).zeros(8).u32(20);
                return "enhanced packet block at byte " + at + ": length 20 is below the minimum of 32";
            });
            pcapngFault("absurd-length.pcapng", order, (w, at) -> {
                w.u32(6).u32(0xFFFF_FFFCL).zeros(100);
                return "enhanced packet block at byte " + at + ": length 4294967292 exceeds the maximum of 16777216";
            });
            pcapngFault("trailer.pcapng", order, (w, at) -> {
                byte[] epb = new CaptureBytes(order).epb(0, 5, randomBytes(20), 20, NO_OPTIONS).toByteArray();
                w.bytes(Arrays.copyOf(epb, epb.length - 4)).u32(epb.length + 4);
                return "enhanced packet block at byte " + at + ": trailer length " + (epb.length + 4)
                        + " does not match header length " + epb.length;
            });
            pcapngFault("skipped-trailer.pcapng", order, (w, at) -> {
                w.u32(CaptureBytes.CUSTOM).u32(2_000_016).bytes(randomBytes(2_000_004)).u32(16);
                return "block type 0x00000bad at byte " + at + ": trailer length 16 does not match header length 2000016";
            });
            pcapngFault("truncated.pcapng", order, (w, at) -> {
                byte[] epb = new CaptureBytes(order).epb(0, 5, randomBytes(200), 200, NO_OPTIONS).toByteArray();
                w.bytes(Arrays.copyOf(epb, 100));
                return "truncated enhanced packet block at byte " + at + " (100 of " + epb.length + " bytes present)";
            });
            pcapngFault("truncated-skipped.pcapng", order, (w, at) -> {
                w.u32(CaptureBytes.CUSTOM).u32(3_000_000).bytes(randomBytes(2_500_000));
                return "truncated block type 0x00000bad at byte " + at + " (2500008 of 3000000 bytes present)";
            });
            pcapngFault("truncated-header.pcapng", order, (w, at) -> {
                w.u32(6).u16(0);
                return "truncated block header at byte " + at + " (6 of 8 bytes present)";
            });
            pcapngFault("no-interface.pcapng", order, (w, at) -> {
                w.epb(1, 5, randomBytes(20), 20, NO_OPTIONS);
                return "enhanced packet block at byte " + at + ": interface 1 has no interface description";
            });
            pcapngFault("caplen-past-block.pcapng", order, (w, at) -> {
                w.u32(6).u32(32 + 20).u32(0).u32(0).u32(0).u32(21).u32(21).zeros(20).u32(52);
                return "enhanced packet block at byte " + at + ": captured length 21 does not fit in block length 52";
            });
            pcapngFault("caplen-absurd.pcapng", order, (w, at) -> {
                w.epb(0, 5, randomBytes(300_000), 300_000, NO_OPTIONS);
                return "enhanced packet block at byte " + at
                        + ": captured length 300000 exceeds the maximum of 262144 for link type 1";
            });
            pcapngFault("bad-tsresol.pcapng", order, (w, at) -> {
                w.idb(1, 0, CaptureBytes.tsresolOptions(order, 20, null));
                return "interface description block at byte " + at + ": unsupported if_tsresol 0x14";
            });
            pcapngFault("bad-option.pcapng", order, (w, at) -> {
                w.idb(1, 0, new CaptureBytes(order).u16(2).u16(64).zeros(8).toByteArray());
                return "interface description block at byte " + at + ": option 2 runs past the end of the block";
            });
            pcapngFault("bad-byte-order.pcapng", order, (w, at) -> {
                w.u32(0x0A0D0D0A).u32(28).u32(0x11223344).zeros(16);
                // the magic is shown as the bytes appear in the file
                return "section header block at byte " + at + ": bad byte-order magic 0x"
                        + (order == ByteOrder.BIG_ENDIAN ? "11223344" : "44332211");
            });
            pcapngFault("version.pcapng", order, (w, at) -> {
                w.block(0x0A0D0D0A, w.body().u32(0x1A2B3C4D).u16(2).u16(0).u64(-1).toByteArray());
                return "section header block at byte " + at + ": unsupported pcapng version 2.0";
            });
        }
    }

    @Test
    void simplePacketWithoutInterface() {
        byte[] file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).shb().spb(20, randomBytes(20)).toByteArray();
        String path = CollectingSink.write(dir, "spb.pcapng", file);
        assertEquals("simple packet block at byte 28: interface 0 has no interface description", problem(path, fail(path)));
    }

    // ---- gzip

    @Test
    @SuppressWarnings("unchecked")
    void corruptGzipAfterTheGoodRecords() {
        Object[] p = pcap(40);
        byte[] file = ((CaptureBytes) p[0]).toByteArray();
        List<Frame> all = (List<Frame>) p[1];
        byte[] z = CaptureBytes.gzip(file);

        byte[] crc = z.clone();
        crc[z.length - 7] ^= 0x10;
        String crcPath = CollectingSink.write(dir, "crc.pcap.gz", crc);
        Outcome o = fail(crcPath);
        assertTrue(problem(crcPath, o).startsWith("corrupt gzip data at compressed byte " + (z.length - 8)
                + ": CRC mismatch"), o.fault().getMessage());
        assertEquals(all, o.frames());

        byte[] size = z.clone();
        size[z.length - 3] ^= 0x01;
        String sizePath = CollectingSink.write(dir, "size.pcap.gz", size);
        o = fail(sizePath);
        assertTrue(problem(sizePath, o).startsWith("corrupt gzip data at compressed byte " + (z.length - 8)
                + ": length mismatch"), o.fault().getMessage());
        assertEquals(all, o.frames());

        byte[] garbage = Arrays.copyOf(z, z.length + 5);
        garbage[z.length + 2] = 'x';
        String garbagePath = CollectingSink.write(dir, "garbage.pcap.gz", garbage);
        o = fail(garbagePath);
        assertEquals("corrupt gzip data at compressed byte " + (z.length + 2) + ": trailing garbage after the last member",
                problem(garbagePath, o));
        assertEquals(all, o.frames());

        String cutPath = CollectingSink.write(dir, "cut.pcap.gz", Arrays.copyOf(z, z.length / 2));
        o = fail(cutPath);
        assertEquals("truncated gzip data (the stream ends at compressed byte " + z.length / 2 + ")", problem(cutPath, o));
        assertTrue(!o.frames().isEmpty() && o.frames().size() < all.size());
        assertEquals(all.subList(0, o.frames().size()), o.frames());
    }

    @Test
    @SuppressWarnings("unchecked")
    void corruptDeflateDataInALaterMember() {
        Object[] p = pcap(5);
        byte[] file = ((CaptureBytes) p[0]).toByteArray();
        byte[] first = CaptureBytes.gzip(file);
        byte[] second = CaptureBytes.gzip(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        second[10] = 0x07; // BFINAL with the reserved block type 3
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        String path = CollectingSink.write(dir, "members.pcap.gz", both);
        Outcome o = fail(path);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("corrupt gzip data before compressed byte (\\d+): .+")
                .matcher(problem(path, o));
        assertTrue(m.matches(), o.fault().getMessage());
        long before = Long.parseLong(m.group(1));
        assertTrue(before > first.length + 10 && before <= both.length, o.fault().getMessage());
        assertEquals(p[1], o.frames());
    }

    @Test
    void corruptGzipHeader() {
        byte[] file = ((CaptureBytes) pcap(1)[0]).toByteArray();
        byte[] method = CaptureBytes.gzip(file);
        method[2] = 7;
        String methodPath = CollectingSink.write(dir, "method.gz", method);
        assertEquals("corrupt gzip data at compressed byte 0: unsupported compression method 7",
                problem(methodPath, fail(methodPath)));
        byte[] flags = CaptureBytes.gzip(file);
        flags[3] = (byte) 0x80;
        String flagsPath = CollectingSink.write(dir, "flags.gz", flags);
        assertEquals("corrupt gzip data at compressed byte 0: reserved header flags 0x80", problem(flagsPath, fail(flagsPath)));
        byte[] block = CaptureBytes.gzip(file);
        block[10] = 0x07;
        String blockPath = CollectingSink.write(dir, "block.gz", block);
        assertTrue(problem(blockPath, fail(blockPath)).startsWith("corrupt gzip data before compressed byte 1"));
    }
}
