package io.portwatch.app.sink;

import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.decode.DecodedPacket;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FormatsTest {

    @Test
    void instantsRoundTripToTheNanosecond() {
        Random r = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            long nanos = r.nextLong() % 4_000_000_000_000_000_000L;
            switch (i % 4) {
                case 0 -> nanos -= Math.floorMod(nanos, 1_000_000_000L); // whole seconds
                case 1 -> nanos -= Math.floorMod(nanos, 1_000_000L);     // milliseconds
                case 2 -> nanos -= Math.floorMod(nanos, 1_000L);         // microseconds
                default -> { }
            }
            String s = Formats.instant(nanos);
            Instant t = Instant.parse(s);
            assertEquals(nanos, t.getEpochSecond() * 1_000_000_000L + t.getNano(), s);
            assertTrue(s.endsWith("Z"), s);
            int dot = s.indexOf('.');
            int digits = dot < 0 ? 0 : s.length() - dot - 2;
            assertEquals(i % 4 == 3 && nanos % 1000 != 0 ? 9 : digits, digits, s);
        }
    }

    @Test
    void secondsAreExactDecimals() {
        Random r = new Random(2);
        for (int i = 0; i < 10_000; i++) {
            long nanos = i < 5 ? new long[] {0, 1, 999_999_999, 1_000_000_000, -1_500_000_000}[i]
                    : r.nextLong() >> r.nextInt(40);
            String s = Formats.seconds(nanos);
            BigDecimal d = new BigDecimal(s);
            assertEquals(0, BigDecimal.valueOf(nanos, 9).compareTo(d), s);
            assertTrue(!s.contains("E") && !(s.contains(".") && s.endsWith("0")), "plain, no trailing zeros: " + s);
        }
    }

    @Test
    void humanBytesUseSiUnitsWithOneDecimal() {
        Random r = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            long bytes = i < 8 ? new long[] {0, 999, 1000, 999_949, 999_950, 999_999, 1_234_567, Long.MAX_VALUE}[i]
                    : (r.nextLong() >>> 1) >>> r.nextInt(63);
            TableSinkTest.assertHumanBytes(bytes, Formats.humanBytes(bytes));
        }
        assertEquals("1.2 MB", Formats.humanBytes(1_234_567));
        assertEquals("999 B", Formats.humanBytes(999));
        assertEquals("1.0 MB", Formats.humanBytes(999_999));
    }

    @Test
    void shortDurations() {
        assertEquals("123us", Formats.shortDuration(123_000));
        assertEquals("0.012s", Formats.shortDuration(12_345_678));
        assertEquals("59.999s", Formats.shortDuration(59_999_000_000L));
        assertEquals("2m03s", Formats.shortDuration(123_000_000_000L));
        assertEquals("1h02m03s", Formats.shortDuration(3_723_000_000_000L));
        assertEquals("-2m03s", Formats.shortDuration(-123_000_000_000L));
    }

    @Test
    void tcpFlagsInHeaderOrder() {
        int all = 0xFF;
        assertEquals("FIN,SYN,RST,PSH,ACK,URG,ECE,CWR", Formats.tcpFlagList(all));
        assertEquals("", Formats.tcpFlagList(0));
        assertEquals("SYN,ACK", Formats.tcpFlagList(DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK));
        for (int bit = 0; bit < 8; bit++) {
            int flags = 1 << bit;
            StringBuilder named = new StringBuilder();
            for (int i = 0; i < Formats.tcpFlagCount(); i++) {
                String n = Formats.tcpFlagName(flags, i);
                if (n != null) {
                    named.append(n);
                }
            }
            assertEquals(Formats.tcpFlagList(flags), named.toString(), "bit " + bit);
        }
    }

    @Test
    void aWindowKeepsItsPortsBusiestFirstAndTopCutsThem() {
        List<PortStats> sorted = List.of(SampleRecords.tcp(80, "http", 50, 50), SampleRecords.tcp(81, null, 40, 40),
                SampleRecords.udp(82, null, 40, 40));
        List<PortStats> unsorted = List.of(sorted.get(1), sorted.get(2), sorted.get(0));
        WindowReport w = SampleRecords.fileWindow(SampleRecords.T0, unsorted);
        assertEquals(sorted, w.ports(), "most packets first, then bytes, transport and port");
        assertEquals(sorted.subList(0, 2), w.top(2));
        assertEquals(sorted, w.top(0), "0: all of them");
        assertEquals(sorted, w.top(10));
    }

    @Test
    void endpoints() {
        assertEquals("10.0.0.1:80", Formats.endpoint("10.0.0.1", 80));
        assertEquals("[2001:db8::1]:443", Formats.endpoint("2001:db8::1", 443));
    }
}
