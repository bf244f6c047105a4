package io.portwatch.app.sink.spool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spool on real files: order, restart, bound, damage, deletion, the lock. */
class SpoolTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();

    private Spool open(long limit) throws IOException {
        return Spool.open(dir, limit, warnings::add);
    }

    private static SpooledRecord record(long seq) {
        String topic = seq % 3 == 0 ? "flows" : "ports";
        byte[] key = seq % 5 == 0 ? null : ("tcp/" + (seq % 7)).getBytes(StandardCharsets.UTF_8);
        return new SpooledRecord(seq, topic, key, ("{\"n\":" + seq + ",\"pad\":\"" + "x".repeat((int) (seq % 50))
                + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static void assertSame(SpooledRecord want, SpooledRecord got) {
        assertEquals(want.seq(), got.seq());
        assertEquals(want.topic(), got.topic());
        assertArrayEquals(want.key(), got.key());
        assertArrayEquals(want.value(), got.value());
    }

    private List<SpooledRecord> drain(Spool s) {
        List<SpooledRecord> l = new ArrayList<>();
        SpooledRecord r;
        while ((r = s.next()) != null) {
            l.add(r);
        }
        return l;
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> l = Files.list(dir)) {
            return l.filter(p -> p.toString().endsWith(Segment.SUFFIX)).sorted().toList();
        }
    }

    @Test
    void theReaderFollowsTheWriterInOrder() throws IOException {
        try (Spool s = open(MIB)) {
            assertEquals(0, s.nextSeq());
            assertNull(s.next());
            for (long i = 0; i < 3; i++) {
                assertTrue(s.append(record(i)));
            }
            assertEquals(3, s.size());
            assertSame(record(0), s.next());
            assertSame(record(1), s.next());
            assertTrue(s.append(record(3)));
            assertSame(record(2), s.next());
            assertSame(record(3), s.next());
            assertNull(s.next(), "as far as the writer has come");
            assertTrue(s.isEmpty());
            assertTrue(s.append(record(4)));
            assertSame(record(4), s.next());
            assertEquals(5, s.nextSeq());
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void aRestartReadsEverythingAgainInOrderAcrossSegments() throws IOException {
        int n = 3_000;
        try (Spool s = open(256 * 1024)) { // 32 KiB segments
            for (long i = 0; i < n; i++) {
                assertTrue(s.append(record(i)), "record " + i);
            }
        }
        assertTrue(segments().size() > 5, "several segments: " + segments());
        try (Spool s = open(256 * 1024)) {
            assertEquals(n, s.size());
            assertEquals(n, s.nextSeq());
            assertEquals(java.util.Set.of("flows", "ports"), s.topics());
            List<SpooledRecord> got = drain(s);
            assertEquals(n, got.size());
            for (int i = 0; i < n; i++) {
                assertSame(record(i), got.get(i));
            }
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void aRestartSkipsWhatWasDeliveredAndSendsTheUnacknowledgedAgain() throws IOException {
        try (Spool s = open(MIB)) {
            for (long i = 0; i < 20; i++) {
                s.append(record(i));
            }
            for (int i = 0; i < 12; i++) {
                s.next(); // handed to Kafka: 0..11
            }
            s.save(11, new long[] {7, 3}); // 3 and 7 not acknowledged
        }
        try (Spool s = open(MIB)) {
            assertEquals(List.of(3L, 7L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L),
                    drain(s).stream().map(SpooledRecord::seq).toList());
            assertEquals(20, s.nextSeq());
            s.save(19, new long[] {7, 13, 14, 15, 16, 17, 18, 19}); // all handed again, 3 and 12 acknowledged
        }
        try (Spool s = open(MIB)) {
            s.save(-1, new long[0]); // this run read nothing: what the earlier one said stands
        }
        try (Spool s = open(MIB)) {
            assertEquals(List.of(7L, 13L, 14L, 15L, 16L, 17L, 18L, 19L), drain(s).stream().map(SpooledRecord::seq).toList());
        }
    }

    @Test
    void aTailCutShortByACrashIsSkippedWithOneLineNamingTheFile() throws IOException {
        try (Spool s = open(MIB)) {
            for (long i = 0; i < 10; i++) {
                s.append(record(i));
            }
        }
        Path seg = segments().get(0);
        long size = Files.size(seg);
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.setLength(size - 5); // the last frame cut short
        }
        try (Spool s = open(MIB)) {
            assertEquals(9, s.size());
            List<SpooledRecord> got = drain(s);
            assertEquals(9, got.size());
            assertSame(record(8), got.get(8));
            assertTrue(s.append(record(10)), "goes on after them, in a new segment");
            assertSame(record(10), s.next());
        }
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.get(0);
        assertTrue(w.startsWith("kafka spool " + seg + ": a record cut short or damaged at byte "), w);
        assertTrue(w.endsWith("(a crash while writing?): the rest of the file ("
                + (Files.size(seg) - Long.parseLong(w.replaceAll(".* at byte (\\d+) of .*", "$1")))
                + " bytes) is skipped"), w);
        assertFalse(w.contains("\n"));
    }

    @Test
    void aDamagedRecordEndsWhatIsTakenOfItsFile() throws IOException {
        try (Spool s = open(MIB)) {
            for (long i = 0; i < 10; i++) {
                s.append(record(i));
            }
        }
        Path seg = segments().get(0);
        byte[] b = Files.readAllBytes(seg);
        int third = Frame.MAGIC.length + Frame.size(record(0)) + Frame.size(record(1));
        b[third + Frame.PREFIX + 12] ^= 0x40; // a bit of the third record's topic: its CRC no longer holds
        Files.write(seg, b);
        try (Spool s = open(MIB)) {
            assertEquals(List.of(0L, 1L), drain(s).stream().map(SpooledRecord::seq).toList());
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(seg + ": a record cut short or damaged at byte " + third + " of " + b.length),
                warnings.get(0));
    }

    @Test
    void aLengthOutOfBoundsIsDamageNotAnAllocation() throws IOException {
        try (Spool s = open(MIB)) {
            s.append(record(0));
            s.append(record(1));
        }
        Path seg = segments().get(0);
        byte[] b = Files.readAllBytes(seg);
        int second = Frame.MAGIC.length + Frame.size(record(0));
        java.nio.ByteBuffer.wrap(b).putInt(second, Integer.MAX_VALUE);
        Files.write(seg, b);
        try (Spool s = open(MIB)) {
            assertEquals(1, drain(s).size());
        }
        assertEquals(1, warnings.size());
    }

    @Test
    void theBoundRefusesWhatDoesNotFitAndDeletingMakesRoom() throws IOException {
        long limit = 16 * 1024;
        int taken = 0;
        try (Spool s = open(limit)) {
            long seq = 0;
            while (s.append(record(seq))) {
                seq++;
                assertTrue(s.bytes() <= limit, "within the bound: " + s.bytes());
            }
            taken = (int) seq;
            assertTrue(taken > 50, "records taken: " + taken);
            long files = 0;
            for (Path p : segments()) {
                files += Files.size(p);
            }
            assertEquals(files, s.bytes(), "the bound counts the files");
            assertFalse(s.append(record(seq)), "still full");
            List<SpooledRecord> read = drain(s);
            assertEquals(taken, read.size());
            s.release(read.get(taken / 2).seq()); // the first half acknowledged
            assertTrue(s.bytes() < files, "segments of acknowledged records deleted");
            assertTrue(s.append(record(seq)), "room again");
            s.release(seq); // everything before the last acknowledged
            assertTrue(segments().size() <= 2, segments().toString());
            assertSame(record(seq), s.next());
            s.release(seq + 1);
            assertEquals(List.of(), segments(), "all delivered: no file left");
            assertEquals(0, s.bytes());
            assertTrue(s.append(record(seq + 1)));
            assertSame(record(seq + 1), s.next());
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void segmentsAreDeletedOnlyWhenReadAndAcknowledged() throws IOException {
        try (Spool s = open(128 * 1024)) { // 16 KiB segments
            for (long i = 0; i < 1_000; i++) {
                assertTrue(s.append(record(i)));
            }
            int all = segments().size();
            s.release(1_000); // nothing read yet: nothing goes
            assertEquals(all, segments().size());
            for (int i = 0; i < 500; i++) {
                s.next();
            }
            s.release(300); // read to 499, acknowledged below 300
            int after = segments().size();
            assertTrue(after < all && after > all / 2, all + " -> " + after);
            Path first = segments().get(0);
            assertTrue(Segment.firstSeq(first.getFileName().toString()) <= 300, first.toString());
            s.release(1_000); // acknowledged, but not all read
            assertTrue(segments().size() >= all / 2, segments().toString());
        }
    }

    @Test
    void aSecondPortwatchCannotUseTheSameSpool() throws IOException {
        try (Spool s = open(MIB)) {
            IOException e = assertThrows(IOException.class, () -> open(MIB));
            assertEquals("in use by another portwatch (" + dir.resolve("lock") + " is locked)", e.getMessage());
        }
        open(MIB).close(); // free again
    }

    @Test
    void aDamagedCursorSendsEverythingAgain() throws IOException {
        try (Spool s = open(MIB)) {
            for (long i = 0; i < 5; i++) {
                s.append(record(i));
            }
            drain(s);
            s.save(4, new long[0]);
        }
        byte[] c = Files.readAllBytes(dir.resolve(SpoolCursor.FILE));
        c[9] ^= 1;
        Files.write(dir.resolve(SpoolCursor.FILE), c);
        try (Spool s = open(MIB)) {
            assertEquals(5, drain(s).size());
        }
        assertEquals(List.of("kafka spool " + dir.resolve(SpoolCursor.FILE) + ": damaged: every record of the spool "
                + "is sent again"), warnings);
    }

    @Test
    void aFileThatIsNotASegmentIsLeftAlone() throws IOException {
        Files.writeString(dir.resolve(Segment.name(0)), "not a spool");
        Files.writeString(dir.resolve("notes.txt"), "mine");
        try (Spool s = open(MIB)) {
            assertEquals(0, s.size());
            assertTrue(s.append(record(1)));
            assertSame(record(1), s.next());
        }
        assertEquals(List.of("kafka spool " + dir.resolve(Segment.name(0)) + ": not a spool segment (its header), left alone"),
                warnings);
        assertTrue(Files.exists(dir.resolve("notes.txt")));
    }

    @Test
    void namesSortAsTheOrder() {
        assertEquals("00000000000000004711.seg", Segment.name(4711));
        assertEquals(4711, Segment.firstSeq("00000000000000004711.seg"));
        assertEquals(-1, Segment.firstSeq("4711.seg"));
        assertEquals(-1, Segment.firstSeq("0000000000000000471x.seg"));
        assertTrue(Segment.name(99).compareTo(Segment.name(100)) < 0);
    }
}
