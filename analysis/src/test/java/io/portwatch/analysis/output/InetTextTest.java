package io.portwatch.analysis.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InetTextTest {

    private static String v6(String text) {
        long[] a = InetText.parse(text);
        return InetText.format(6, a[0], a[1]);
    }

    @Test
    void rfc5952Examples() {
        // 4.1: no leading zeros
        assertEquals("2001:db8::1", v6("2001:0db8::0001"));
        assertEquals("2001:db8::1", v6("2001:db8:0000:0:0:0:0:1"));
        // 4.2.1: "::" as long as possible
        assertEquals("2001:db8::2:1", v6("2001:db8:0:0:0:0:2:1"));
        // 4.2.2: a single 16-bit 0 field is not shortened
        assertEquals("2001:db8:0:1:1:1:1:1", v6("2001:db8:0:1:1:1:1:1"));
        // 4.2.3: the longest run wins; on a tie the first
        assertEquals("2001:0:0:1::1", v6("2001:0:0:1:0:0:0:1"));
        assertEquals("2001:db8::1:0:0:1", v6("2001:db8:0:0:1:0:0:1"));
        // 4.3: lower case
        assertEquals("2001:db8::aaaa:bbbb", v6("2001:DB8::AAAA:BBBB"));
        // section 2's many spellings of one address
        for (String s : List.of("2001:db8:0:0:1:0:0:1", "2001:0db8:0:0:1:0:0:1", "2001:db8::1:0:0:1",
                "2001:db8::0:1:0:0:1", "2001:0db8::1:0:0:1", "2001:db8:0:0:1::1", "2001:db8:0000:0:1::1",
                "2001:DB8:0:0:1::1")) {
            assertEquals("2001:db8::1:0:0:1", v6(s), s);
        }
        // 5: IPv4-mapped addresses keep their IPv4 part dotted
        assertEquals("::ffff:192.0.2.1", v6("::ffff:c000:201"));
        assertEquals("::ffff:192.0.2.1", v6("0:0:0:0:0:ffff:192.0.2.1"));
    }

    @Test
    void edgesOfTheAddressSpace() {
        assertEquals("::", InetText.format(6, 0, 0));
        assertEquals("::1", InetText.format(6, 0, 1));
        assertEquals("1::", InetText.format(6, 0x0001_0000_0000_0000L, 0));
        assertEquals("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", InetText.format(6, -1L, -1L));
        assertEquals("1:0:1:0:1:0:1:0", v6("1:0:1:0:1:0:1:0"));
        assertEquals("::1:0:0:0:1", v6("0:0:0:1:0:0:0:1"));
        assertEquals("fe80::200:86ff:fe05:80da", v6("fe80:0:0:0:200:86ff:fe05:80da"));
        // a lone zero group stays, at either end too
        assertEquals("0:2:3:4:5:6:7:8", v6("::2:3:4:5:6:7:8"));
        assertEquals("1:2:3:4:5:6:7:0", v6("1:2:3:4:5:6:7::"));
        assertEquals("::3:4:5:6:7:8", v6("0:0:3:4:5:6:7:8"));
        assertEquals("1:2:3:4:5:6::", v6("1:2:3:4:5:6:0:0"));
    }

    @Test
    void ipv4DottedQuadFromTheMappedForm() {
        long[] a = InetText.parse("192.168.1.254");
        assertEquals(0L, a[0]);
        assertEquals(0x0000_FFFF_C0A8_01FEL, a[1]);
        assertTrue(InetText.isIpv4Mapped(a[0], a[1]));
        assertEquals("192.168.1.254", InetText.format(4, a[0], a[1]));
        assertEquals("0.0.0.0", InetText.format(4, 0, 0x0000_FFFF_0000_0000L));
        assertEquals("255.255.255.255", InetText.format(4, 0, -1L));
        assertFalse(InetText.isIpv4Mapped(0, 1));
    }

    @Test
    void parseRejectsWhatIsNotAnAddress() {
        for (String s : List.of("", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d",
                ":", ":::", "1:2", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", ":1::2", "1::2:", "::g",
                "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "fe80::1%eth0", "::ffff:1.2.3.04")) {
            assertThrows(IllegalArgumentException.class, () -> InetText.parse(s), s);
        }
        assertArrayEquals(new long[] {0, 0}, InetText.parse("::"));
        assertArrayEquals(new long[] {0, 1}, InetText.parse("::1"));
        assertArrayEquals(new long[] {0, 0x0102_0304L}, InetText.parse("::1.2.3.4"));
    }

    /**
     * Formats a few thousand random addresses, many with zero runs, and compares with Python's
     * ipaddress module; then parses Python's compressed and exploded forms back.
     */
    @Test
    void agreesWithPythonIpaddress() throws Exception {
        SplittableRandom rnd = new SplittableRandom(5952);
        int n = 4000;
        long[] his = new long[n];
        long[] los = new long[n];
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < n; i++) {
            long hi = 0;
            long lo = 0;
            for (int g = 0; g < 8; g++) {
                int r = rnd.nextInt(10);
                long v = r < 5 ? 0 : r < 6 ? 1 + rnd.nextInt(15) : r < 7 ? 0xFFFF : rnd.nextInt(0x10000);
                if (g < 4) {
                    hi = (hi << 16) | v;
                } else {
                    lo = (lo << 16) | v;
                }
            }
            if (i % 4 == 0) { // a plain IPv4 address
                hi = 0;
                lo = 0x0000_FFFF_0000_0000L | (rnd.nextLong() & 0xFFFF_FFFFL);
            }
            his[i] = hi;
            los[i] = lo;
            in.append(i % 4 == 0 ? "4 " : "6 ").append(String.format("%016x%016x", hi, lo)).append('\n');
        }
        String script = String.join("\n",
                "import ipaddress, sys",
                "for line in sys.stdin:",
                "    v, h = line.split()",
                "    x = int(h, 16)",
                "    a = ipaddress.IPv4Address(x & 0xffffffff) if v == '4' else ipaddress.IPv6Address(x)",
                "    print(a, a.exploded, 1 if v == '6' and a.ipv4_mapped is not None else 0)");
        List<String> out = runPython(script, in.toString());
        assumeTrue(out != null, "python3 not available");
        assertEquals(n, out.size());
        int compared = 0;
        for (int i = 0; i < n; i++) {
            String[] f = out.get(i).split(" ");
            int version = i % 4 == 0 ? 4 : 6;
            if (f[2].equals("1")) {
                // IPv4-mapped: Python before 3.13 writes ::ffff:c000:201, RFC 5952 section 5 ::ffff:192.0.2.1
                assertTrue(InetText.format(6, his[i], los[i]).startsWith("::ffff:"));
            } else {
                assertEquals(f[0], InetText.format(version, his[i], los[i]), f[1]);
                compared++;
            }
            long[] back = InetText.parse(f[0]);
            long[] exploded = InetText.parse(f[1]);
            long expectHi = version == 4 ? 0 : his[i];
            assertArrayEquals(new long[] {expectHi, los[i]}, back, f[0]);
            assertArrayEquals(back, exploded, f[1]);
        }
        assertTrue(compared > n * 9 / 10, "compared " + compared);
    }

    private static List<String> runPython(String script, String stdin) throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", script).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return null;
        }
        try {
            Thread writer = new Thread(() -> {
                try (OutputStream os = p.getOutputStream()) {
                    os.write(stdin.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException ignored) {
                    // python died; the exit code below says so
                }
            });
            writer.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            writer.join();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            List<String> lines = new ArrayList<>(List.of(out.split("\n")));
            lines.removeIf(String::isEmpty);
            return lines;
        } catch (IOException e) {
            return null;
        }
    }
}
