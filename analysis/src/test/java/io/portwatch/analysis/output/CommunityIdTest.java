package io.portwatch.analysis.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.portwatch.testkit.Bytes;
import io.portwatch.testkit.FrameBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommunityIdTest {

    /**
     * Published test vectors: corelight/community-id-spec baseline/baseline_deflt.json and
     * baseline_seed1.json, plus the extra cases of corelight/pycommunityid tests/communityid_test.py.
     * Columns: protocol, source, destination, source port (ICMP type), destination port (ICMP code),
     * id with seed 0, id with seed 1. Protocol 46 (RSVP) has no ports.
     */
    private static final String VECTORS = """
            58 fe80::200:86ff:fe05:80da fe80::260:97ff:fe07:69ea 135 136 1:dGHyGvjMfljg6Bppwm3bg0LO8TY= 1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=
            58 fe80::260:97ff:fe07:69ea fe80::200:86ff:fe05:80da 136 135 1:dGHyGvjMfljg6Bppwm3bg0LO8TY= 1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=
            58 fe80::260:97ff:fe07:69ea fe80::200:86ff:fe05:80da 135 136 1:zavyT/cezQr1fmImYCwYnMXbgck= 1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=
            58 fe80::200:86ff:fe05:80da fe80::260:97ff:fe07:69ea 136 135 1:zavyT/cezQr1fmImYCwYnMXbgck= 1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=
            58 3ffe:501:1800:2345::2 3ffe:507:0:1:200:86ff:fe05:80da 3 0 1:2ObVBgIn28oZvibYZhZMBgh7WdQ= 1:lVEtCZpYu84Xqaa++3lXFyuu2n4=
            58 3ffe:501:410:0:2c0:dfff:fe47:33e 3ffe:507:0:1:200:86ff:fe05:80da 1 4 1:hLZd0XGWojozrvxqE0dWB1iM6R0= 1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=
            58 3ffe:507:0:1:200:86ff:fe05:80da 3ffe:501:0:1001::2 128 129 1:+TW+HtLHvV1xnGhV1lv7XoJrqQg= 1:GfZxjAkDk2MkegpBYHV6tadtFXQ=
            58 3ffe:501:0:1001::2 3ffe:507:0:1:200:86ff:fe05:80da 129 128 1:+TW+HtLHvV1xnGhV1lv7XoJrqQg= 1:GfZxjAkDk2MkegpBYHV6tadtFXQ=
            58 fe80::200:86ff:fe05:80da ff02::2 133 134 1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0= 1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8=
            58 fe80::260:97ff:fe07:69ea ff02::1 134 133 1:pkvHqCL88/tg1k4cPigmZXUtL00= 1:K/ee5UCqAMAQXDorP5nSa2CGLjc=
            58 3ffe:507:0:1:260:97ff:fe07:69ea 3ffe:507:0:1:200:86ff:fe05:80da 3 0 1:NdobDX8PQNJbAyfkWxhtL2Pqp5w= 1:OlOWx9psIbBFi7lOCw/4MhlKR9M=
            58 3ffe:507:0:1:200:86ff:fe05:80da 3ffe:507:0:1:260:97ff:fe07:69ea 3 0 1:/OGBt9BN1ofenrmSPWYicpij2Vc= 1:Ij4ZxnC87/MXzhOjvH2vHu7LRmE=
            1 192.168.0.89 192.168.0.1 8 0 1:X0snYXpgwiv9TZtqg64sgzUn6Dk= 1:03g6IloqVBdcZlPyX8r0hgoE7kA=
            1 192.168.0.1 192.168.0.89 0 8 1:X0snYXpgwiv9TZtqg64sgzUn6Dk= 1:03g6IloqVBdcZlPyX8r0hgoE7kA=
            1 192.168.0.1 192.168.0.89 0 20 1:X0snYXpgwiv9TZtqg64sgzUn6Dk= 1:03g6IloqVBdcZlPyX8r0hgoE7kA=
            1 192.168.0.89 192.168.0.1 20 0 1:3o2RFccXzUgjl7zDpqmY7yJi8rI= 1:lCXHHxavE1Vq3oX9NH5ladQg02o=
            1 192.168.0.89 192.168.0.1 20 1 1:tz/fHIDUHs19NkixVVoOZywde+I= 1:Ie3wmFyxiEyikbsbcO03d2nh+PM=
            1 10.0.0.1 10.0.0.2 11 0 1:YHxtAirCG//0OzkcVAukqKQN9xM= 1:XjUibYHaafLQ3pxQeiMI8g25q20=
            6 2001:470:e5bf:dead:4957:2174:e82c:4887 2607:f8b0:400c:c03::1a 63943 25 1:/qFaeAR+gFe1KYjMzVDsMv+wgU4= 1:eJYTW6AOzFLlSUoESovMjnu7rMw=
            6 2607:f8b0:400c:c03::1a 2001:470:e5bf:dead:4957:2174:e82c:4887 25 63943 1:/qFaeAR+gFe1KYjMzVDsMv+wgU4= 1:eJYTW6AOzFLlSUoESovMjnu7rMw=
            132 192.168.170.8 192.168.170.56 7 7 1:MP2EtRCAUIZvTw6MxJHLV7N7JDs= 1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=
            132 192.168.170.56 192.168.170.8 7 7 1:MP2EtRCAUIZvTw6MxJHLV7N7JDs= 1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=
            132 192.168.170.8 192.168.170.56 7 80 1:jQgCxbku+pNGw8WPbEc/TS/uTpQ= 1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU=
            132 192.168.170.56 192.168.170.8 80 7 1:jQgCxbku+pNGw8WPbEc/TS/uTpQ= 1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU=
            6 128.232.110.120 66.35.250.204 34855 80 1:LQU9qZlK+B5F3KDmev6m5PMibrg= 1:3V71V58M3Ksw/yuFALMcW0LAHvc=
            6 66.35.250.204 128.232.110.120 80 34855 1:LQU9qZlK+B5F3KDmev6m5PMibrg= 1:3V71V58M3Ksw/yuFALMcW0LAHvc=
            6 10.0.0.1 10.0.0.2 10 11569 1:SXBGMX1lBOwhhoDrZynfROxnhnM= 1:HmBRGR+fUyXF4t8WEtal7Y0gEAo=
            17 192.168.1.52 8.8.8.8 54585 53 1:d/FP5EW3wiY1vCndhwleRRKHowQ= 1:Q9We8WO3piVF8yEQBNJF4uiSVrI=
            17 8.8.8.8 192.168.1.52 53 54585 1:d/FP5EW3wiY1vCndhwleRRKHowQ= 1:Q9We8WO3piVF8yEQBNJF4uiSVrI=
            46 10.1.12.1 10.1.12.2 0 0 1:KHlLkgoJW7ifUTyTSgyVfkFHzKw= 1:rYir8gphR31noO9iDRQmF/BteEI=
            46 10.1.12.2 10.1.12.1 0 0 1:KHlLkgoJW7ifUTyTSgyVfkFHzKw= 1:rYir8gphR31noO9iDRQmF/BteEI=
            46 10.1.24.4 10.1.12.1 0 0 1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4= 1:BK3BVW3U2eemuwVQVN3zd/GULno=
            46 10.1.12.1 10.1.24.4 0 0 1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4= 1:BK3BVW3U2eemuwVQVN3zd/GULno=
            """;

    @Test
    void publishedTestVectors() {
        CommunityId seed0 = new CommunityId(0);
        CommunityId seed1 = new CommunityId(1);
        int checked = 0;
        for (String line : VECTORS.strip().split("\n")) {
            String[] f = line.trim().split(" ");
            int proto = Integer.parseInt(f[0]);
            String src = f[1];
            String dst = f[2];
            int version = src.contains(":") ? 6 : 4;
            long[] s = InetText.parse(src);
            long[] d = InetText.parse(dst);
            int sport = Integer.parseInt(f[3]);
            int dport = Integer.parseInt(f[4]);
            assertEquals(f[5], seed0.compute(version, s[0], s[1], d[0], d[1], proto, sport, dport), line);
            assertEquals(f[6], seed1.compute(version, s[0], s[1], d[0], d[1], proto, sport, dport), line);
            checked++;
        }
        assertEquals(33, checked);
    }

    @Test
    void bothDirectionsGiveOneIdAndSeedsDiffer() {
        SplittableRandom rnd = new SplittableRandom(20240601);
        CommunityId a = new CommunityId(0);
        CommunityId b = new CommunityId(7);
        for (int i = 0; i < 2000; i++) {
            boolean v6 = rnd.nextBoolean();
            long sh = v6 ? rnd.nextLong() : 0;
            long sl = v6 ? rnd.nextLong() : 0xFFFF_0000_0000L | (rnd.nextLong() & 0xFFFF_FFFFL);
            long dh = v6 ? rnd.nextLong() : 0;
            long dl = v6 ? rnd.nextLong() : 0xFFFF_0000_0000L | (rnd.nextLong() & 0xFFFF_FFFFL);
            if (i % 10 == 0) { // same address both ends: the ports decide the order
                dh = sh;
                dl = sl;
            }
            int proto = rnd.nextBoolean() ? 6 : 17;
            int sp = rnd.nextInt(65536);
            int dp = rnd.nextInt(65536);
            int ver = v6 ? 6 : 4;
            String forward = a.compute(ver, sh, sl, dh, dl, proto, sp, dp);
            assertEquals(forward, a.compute(ver, dh, dl, sh, sl, proto, dp, sp));
            assertNotEquals(forward, b.compute(ver, sh, sl, dh, dl, proto, sp, dp));
            assertEquals(30, forward.length());
            assertTrue(forward.startsWith("1:") && forward.endsWith("="), forward);
        }
    }

    @Test
    void allocatesOnlyTheResultString() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) mx;
        assumeTrue(tmx.isThreadAllocatedMemorySupported() && tmx.isThreadAllocatedMemoryEnabled());
        CommunityId cid = new CommunityId(0);
        long[] a = InetText.parse("2001:470:e5bf:dead:4957:2174:e82c:4887");
        long[] b = InetText.parse("2607:f8b0:400c:c03::1a");
        String expected = cid.compute(6, a[0], a[1], b[0], b[1], 6, 63943, 25);
        int calls = 20_000;
        long tid = Thread.currentThread().getId();
        long before = tmx.getThreadAllocatedBytes(tid);
        int same = 0;
        for (int i = 0; i < calls; i++) {
            if (cid.compute(6, b[0], b[1], a[0], a[1], 6, 25, 63943).equals(expected)) {
                same++;
            }
        }
        long perCall = (tmx.getThreadAllocatedBytes(tid) - before) / calls;
        assertEquals(calls, same);
        // a 30-character Latin-1 String is a 24-byte object and a 48-byte array
        assertTrue(perCall <= 80, perCall + " bytes allocated per call");
    }

    @Test
    void sameAddressBothEndsPutsTheSmallerPortFirst() throws Exception {
        // the spec: "If the IP addresses are equal, the ports decide"; hash laid out by hand here
        byte[] layout = {0, 0, 127, 0, 0, 1, 127, 0, 0, 1, 6, 0, 0, 80, 0x04, (byte) 0xD2}; // 80 then 1234
        String expected = "1:" + java.util.Base64.getEncoder().encodeToString(
                java.security.MessageDigest.getInstance("SHA-1").digest(layout));
        long[] lo = InetText.parse("127.0.0.1");
        CommunityId cid = new CommunityId(0);
        assertEquals(expected, cid.compute(4, lo[0], lo[1], lo[0], lo[1], 6, 1234, 80));
        assertEquals(expected, cid.compute(4, lo[0], lo[1], lo[0], lo[1], 6, 80, 1234));
    }

    @Test
    void rejectsSeedsOutside16Bits() {
        assertThrows(IllegalArgumentException.class, () -> new CommunityId(65536));
        assertThrows(IllegalArgumentException.class, () -> new CommunityId(-1));
        assertEquals(65535, new CommunityId(65535).seed());
    }

    /** One generated packet: what the test wrote, and what we expect Wireshark to hash. */
    private record Pkt(int version, long sh, long sl, long dh, long dl, int proto, int sp, int dp) {
    }

    @Test
    void agreesWithWiresharkOnAGeneratedCapture(@TempDir Path dir) throws Exception {
        List<Pkt> pkts = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(99);
        int[] protos = {6, 17, 132, 1, 58, 47};
        int[] icmpTypes = {8, 0, 3, 11, 13, 14};
        int[] icmp6Types = {128, 129, 135, 136, 1, 133, 134};
        for (int i = 0; i < 300; i++) {
            boolean v6 = rnd.nextBoolean();
            int proto = protos[rnd.nextInt(protos.length)];
            if (proto == 1 && v6) {
                proto = 58;
            } else if (proto == 58 && !v6) {
                proto = 1;
            }
            long sh = v6 ? 0x2001_0db8_0000_0000L | rnd.nextInt(4) : 0;
            long sl = v6 ? rnd.nextInt(4) : 0xFFFF_0A00_0000L | rnd.nextInt(4);
            long dh = v6 ? 0x2001_0db8_0000_0000L | rnd.nextInt(4) : 0;
            long dl = v6 ? rnd.nextInt(4) : 0xFFFF_0A00_0000L | rnd.nextInt(4);
            int sp;
            int dp;
            if (proto == 1) {
                sp = icmpTypes[rnd.nextInt(icmpTypes.length)];
                dp = rnd.nextInt(3);
            } else if (proto == 58) {
                sp = icmp6Types[rnd.nextInt(icmp6Types.length)];
                dp = rnd.nextInt(3);
            } else {
                sp = rnd.nextInt(4) == 0 ? 80 : 1 + rnd.nextInt(65535);
                dp = rnd.nextInt(4) == 0 ? 80 : 1 + rnd.nextInt(65535);
            }
            pkts.add(new Pkt(v6 ? 6 : 4, sh, sl, dh, dl, proto, sp, dp));
        }
        Path pcap = dir.resolve("cid.pcap");
        Files.write(pcap, rawIpPcap(pkts));

        for (int seed : new int[] {0, 1, 4242}) {
            List<String> ids = tsharkIds(pcap, seed);
            assumeTrue(ids != null, "tshark with the communityid dissector is not available");
            assertEquals(pkts.size(), ids.size(), "one line per frame");
            CommunityId cid = new CommunityId(seed);
            int compared = 0;
            for (int i = 0; i < pkts.size(); i++) {
                Pkt p = pkts.get(i);
                String where = "frame " + (i + 1) + " " + p + " seed " + seed;
                if (ids.get(i).isEmpty()) {
                    // Wireshark 4.0 gives no id for port-less protocols over IPv6 (it does over IPv4)
                    assertTrue(p.version == 6 && p.proto == 47, "tshark gave no id for " + where);
                    continue;
                }
                assertEquals(ids.get(i), cid.compute(p.version, p.sh, p.sl, p.dh, p.dl, p.proto, p.sp, p.dp), where);
                compared++;
            }
            assertTrue(compared > pkts.size() * 3 / 4, "compared only " + compared);
        }
    }

    /** Runs tshark's Community ID post-dissector; null when tshark cannot be run. */
    private static List<String> tsharkIds(Path pcap, int seed) throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("tshark", "-n", "-r", pcap.toString(), "--enable-protocol", "communityid",
                    "-o", "communityid.seed:" + seed, "-T", "fields", "-e", "communityid")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return null;
        }
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        if (p.exitValue() != 0 || out.isBlank()) {
            return null;
        }
        String[] lines = out.split("\n", -1); // one line per frame, empty when tshark gave no id
        return Arrays.asList(lines).subList(0, out.endsWith("\n") ? lines.length - 1 : lines.length);
    }

    /** A classic pcap, link type RAW (101): each packet a bare IPv4 or IPv6 header and 8 transport bytes. */
    private static byte[] rawIpPcap(List<Pkt> pkts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer fh = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        fh.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(101);
        out.writeBytes(fh.array());
        int ts = 1_700_000_000;
        for (Pkt p : pkts) {
            byte[] l4 = transport(p);
            byte[] frame = p.version == 4
                    ? new FrameBuilder.Ip4().src((int) p.sl).dst((int) p.dl).protocol(p.proto).id(1).build(l4)
                    : new FrameBuilder.Ip6().src(FrameBuilder.v6(p.sh, p.sl)).dst(FrameBuilder.v6(p.dh, p.dl))
                            .next(p.proto).flowLabel(0).build(l4);
            ByteBuffer rh = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            rh.putInt(ts++).putInt(0).putInt(frame.length).putInt(frame.length);
            out.writeBytes(rh.array());
            out.writeBytes(frame);
        }
        return out.toByteArray();
    }

    private static byte[] transport(Pkt p) {
        switch (p.proto) {
            case 6: // TCP header, SYN
                return new FrameBuilder.Tcp(p.sp, p.dp, FrameBuilder.SYN).seq(1).ack(0).window(1024).build();
            case 17: // UDP header, empty payload
                return FrameBuilder.udp(p.sp, p.dp, 0);
            case 132: // SCTP common header
                return new Bytes().u16(p.sp).u16(p.dp).u32(0).u32(0).toArray();
            case 1:
            case 58: // ICMP type, code, checksum, then zeros: long enough for every type used
                // (Wireshark hashes a truncated, malformed ICMP message without its type and code)
                return new Bytes().u8(p.sp).u8(p.dp).u16(0).u32(0x0001_0001).zeros(24).toArray();
            default: // GRE: flags/version and protocol type
                return new byte[] {0, 0, 0x08, 0};
        }
    }
}
