package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.Bytes;
import io.portwatch.testkit.Corpus;
import io.portwatch.testkit.FrameBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes the hand-built frames of every link type to pcap files and checks the decoder's view of
 * each frame against {@code tshark -r} (skipped when tshark is not installed). tshark's own
 * reassembly is switched off so that fragments are seen one by one, as the decoder sees them.
 */
class TsharkCrossCheckTest {
    private static final String[] FIELDS = {
        "frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport", "udp.srcport",
        "udp.dstport", "ip.len", "ipv6.plen", "tcp.flags", "icmp.type", "icmpv6.type", "ip.frag_offset",
        "ipv6.fraghdr.offset", "ipv6.fraghdr.ident", "ip.id",
    };

    @TempDir
    Path tmp;

    private static String tshark() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "tshark");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** Frames by link type, each with a name for messages. */
    private static Map<Integer, List<Map.Entry<String, byte[]>>> frames() {
        Map<Integer, List<Map.Entry<String, byte[]>>> m = new LinkedHashMap<>();
        byte[] v4tcp = new FrameBuilder.Ip4().src("10.1.2.3").dst("10.4.5.6").build(FrameBuilder.tcp(40000, 443, 0x12, 100));
        byte[] v4opt = new FrameBuilder.Ip4().options(12).build(FrameBuilder.tcp(1025, 22, 0x18, 7, 20));
        byte[] v4udp = new FrameBuilder.Ip4().protocol(17).build(FrameBuilder.udp(5353, 53, 33));
        byte[] v6udp = new FrameBuilder.Ip6().src("fe80::1").dst("ff02::fb").next(17).build(FrameBuilder.udp(5353, 5353, 30));
        byte[] v6tcp = new FrameBuilder.Ip6().next(6).build(FrameBuilder.tcp(50000, 8443, 0x11, 8, 12));
        byte[] v6hbh = new FrameBuilder.Ip6().next(0).build(Bytes.concat(FrameBuilder.extension(0, 60, 8), FrameBuilder.extension(60, 17, 16),
                FrameBuilder.udp(546, 547, 12)));
        byte[] v6rt = new FrameBuilder.Ip6().next(43).build(Bytes.concat(FrameBuilder.extension(43, 6, 24), FrameBuilder.tcp(1, 80, 2, 0)));
        byte[] v6ah = new FrameBuilder.Ip6().next(51).build(Bytes.concat(FrameBuilder.extension(51, 17, 24), FrameBuilder.udp(500, 500, 8)));
        byte[] udp3000 = FrameBuilder.udp(33000, 514, 2992);
        byte[] v4frag1 = new FrameBuilder.Ip4().protocol(17).id(0x4242).fragment(0, true).build(FrameBuilder.first(udp3000, 1480));
        byte[] v4frag2 = new FrameBuilder.Ip4().protocol(17).id(0x4242).fragment(1480, true)
                .build(java.util.Arrays.copyOfRange(udp3000, 1480, 2960));
        byte[] v6frag1 = new FrameBuilder.Ip6().next(44).build(Bytes.concat(FrameBuilder.fragment(17, 0, true, 0x01020304), FrameBuilder.first(udp3000, 1232)));
        byte[] v6frag2 = new FrameBuilder.Ip6().next(44).build(Bytes.concat(FrameBuilder.fragment(17, 1232, false, 0x01020304),
                java.util.Arrays.copyOfRange(udp3000, 1232, 2000)));
        byte[] quote = FrameBuilder.first(new FrameBuilder.Ip4().src("10.0.0.1").dst("10.0.0.2").protocol(17).build(FrameBuilder.udp(40001, 161, 40)), 28);
        byte[] icmp4 = new FrameBuilder.Ip4().src("10.0.0.2").dst("10.0.0.1").protocol(1).build(FrameBuilder.icmp(3, 3, quote));
        byte[] echo = new FrameBuilder.Ip4().protocol(1).build(FrameBuilder.icmp(8, 0, new byte[32]));
        byte[] inner6 = new FrameBuilder.Ip6().next(6).build(FrameBuilder.tcp(40000, 22, 2, 0));
        byte[] icmp6 = new FrameBuilder.Ip6().next(58).build(FrameBuilder.icmp(1, 4, inner6));
        byte[] gre = new FrameBuilder.Ip4().protocol(47).build(new byte[4]);

        List<Map.Entry<String, byte[]>> eth = new ArrayList<>();
        for (Map.Entry<String, byte[]> ip : List.of(Map.entry("v4 tcp", v4tcp), Map.entry("v4 options", v4opt),
                Map.entry("v4 udp", v4udp), Map.entry("v4 first fragment", v4frag1), Map.entry("v4 later fragment", v4frag2),
                Map.entry("icmp port unreachable", icmp4), Map.entry("icmp echo", echo), Map.entry("gre", gre),
                Map.entry("v6 udp", v6udp), Map.entry("v6 tcp", v6tcp), Map.entry("v6 hbh+dstopts", v6hbh),
                Map.entry("v6 routing", v6rt), Map.entry("v6 ah", v6ah), Map.entry("v6 first fragment", v6frag1),
                Map.entry("v6 later fragment", v6frag2), Map.entry("icmpv6 unreachable", icmp6))) {
            int type = (ip.getValue()[0] >> 4) == 4 ? EtherType.IPV4 : EtherType.IPV6;
            eth.add(Map.entry("ethernet " + ip.getKey(), FrameBuilder.ethernet(type, ip.getValue())));
        }
        eth.add(Map.entry("vlan", FrameBuilder.ethernetTagged(new int[] {EtherType.VLAN}, EtherType.IPV4, v4tcp)));
        eth.add(Map.entry("qinq 88a8", FrameBuilder.ethernetTagged(new int[] {EtherType.QINQ, EtherType.VLAN}, EtherType.IPV6, v6udp)));
        eth.add(Map.entry("qinq 9100", FrameBuilder.ethernetTagged(new int[] {EtherType.QINQ_LEGACY, EtherType.VLAN}, EtherType.IPV4, v4udp)));
        eth.add(Map.entry("llc/snap", FrameBuilder.llcSnap(0, EtherType.IPV4, v4tcp)));
        eth.add(Map.entry("stp llc", FrameBuilder.llc(0x42, 0x42, new byte[35])));
        eth.add(Map.entry("arp", FrameBuilder.ethernet(EtherType.ARP, Bytes.hex("0001 0800 06 04 0001 66778899aabb c0000201 000000000000 c0000202"))));
        eth.add(Map.entry("pppoe v4", FrameBuilder.ethernet(EtherType.PPPOE_SESSION, FrameBuilder.pppoe(0, 0x21, v4tcp))));
        eth.add(Map.entry("pppoe v6", FrameBuilder.ethernet(EtherType.PPPOE_SESSION, FrameBuilder.pppoe(0, 0x57, v6udp))));
        eth.add(Map.entry("mpls 1", FrameBuilder.ethernet(EtherType.MPLS_UNICAST, FrameBuilder.mpls(1, v4tcp))));
        eth.add(Map.entry("mpls 3", FrameBuilder.ethernet(EtherType.MPLS_UNICAST, FrameBuilder.mpls(3, v6udp))));
        m.put(LinkType.ETHERNET, eth);
        m.put(LinkType.LINUX_SLL, List.of(Map.entry("sll v4", FrameBuilder.sll(EtherType.IPV4, v4tcp)),
                Map.entry("sll v6", FrameBuilder.sll(EtherType.IPV6, v6hbh)), Map.entry("sll arp", FrameBuilder.sll(EtherType.ARP, new byte[28]))));
        m.put(LinkType.LINUX_SLL2, List.of(Map.entry("sll2 v4", FrameBuilder.sll2(EtherType.IPV4, icmp4)),
                Map.entry("sll2 v6", FrameBuilder.sll2(EtherType.IPV6, v6tcp))));
        m.put(LinkType.NULL, List.of(Map.entry("null le v4", FrameBuilder.loopback(2, true, v4udp)),
                Map.entry("null be v4", FrameBuilder.loopback(2, false, v4tcp)),
                Map.entry("null le v6 (darwin)", FrameBuilder.loopback(30, true, v6udp)),
                Map.entry("null le v6 (freebsd)", FrameBuilder.loopback(28, true, v6tcp)),
                Map.entry("null be v6 (openbsd)", FrameBuilder.loopback(24, false, v6udp))));
        m.put(LinkType.LOOP, List.of(Map.entry("loop v4", FrameBuilder.loopback(2, false, v4tcp)),
                Map.entry("loop v6", FrameBuilder.loopback(24, false, v6udp))));
        m.put(LinkType.RAW, List.of(Map.entry("raw v4", v4tcp), Map.entry("raw v6", v6hbh), Map.entry("raw frag", v4frag2)));
        m.put(LinkType.IPV4, List.of(Map.entry("ipv4", v4opt), Map.entry("ipv4 icmp", icmp4)));
        m.put(LinkType.IPV6, List.of(Map.entry("ipv6", v6rt), Map.entry("ipv6 frag", v6frag2), Map.entry("ipv6 icmp", icmp6)));
        return m;
    }

    @Test
    void decoderAgreesWithTshark() throws Exception {
        String tshark = tshark();
        Assumptions.assumeTrue(tshark != null, "tshark not installed");
        int compared = 0;
        for (Map.Entry<Integer, List<Map.Entry<String, byte[]>>> e : frames().entrySet()) {
            int linkType = e.getKey();
            List<Map.Entry<String, byte[]>> list = e.getValue();
            Path pcap = tmp.resolve("link" + linkType + ".pcap");
            CaptureFiles.writePcap(pcap, linkType, list.stream().map(Map.Entry::getValue).toList());
            List<Map<String, String>> rows = run(tshark, pcap);
            assertEquals(list.size(), rows.size(), "tshark rows for link type " + linkType);
            Harness h = new Harness();
            for (int i = 0; i < list.size(); i++) {
                compare(list.get(i).getKey(), h.run(linkType, list.get(i).getValue()), rows.get(i));
                compared++;
            }
        }
        assertTrue(compared > 40);
    }

    /** tcpdump test captures of the supported link types with VLAN/QinQ, MPLS, PPPoE, IPv6 extensions, ICMP. */
    private static final String[] TCPDUMP_CAPTURES = {
        "802.1ad_QinQ.pcap", "LINKTYPE_IPV4.pcap", "LINKTYPE_IPV6.pcap", "LINKTYPE_RAW_ipv4.pcap", "LINKTYPE_RAW_ipv6.pcap",
        "ipv6-routing-header.pcap", "ipv6-srh-ext-header.pcap", "ipv6_jumbogram_1.pcap", "ipv6_no_next_header.pcap",
        "ipv6_mobility_1.pcap", "icmpv6.pcap", "mpls-ldp-hello.pcap", "mpls-traceroute.pcap", "pppoe.pcap", "pppoes.pcap",
        "babel.pcap", "forces3.pcap", "mptcp-v1.pcap", "resp_1_benchmark.pcap", "tcp-handshake-nano.pcap",
        "quic_retry.pcap", "ikev2four.pcap", "icmpv6-RFC2894-RR.pcap", "dns-badcookie.pcap", "babel_rtt.pcap",
        "loopback.pcap",
    };

    /**
     * Real frames from tcpdump's test captures. Where the decoder reports TCP/UDP, tshark must agree on
     * the addresses, ports and IP length; later fragments and non-IP frames must show no ports in tshark
     * either. Malformed frames (decode errors), and tunnels and ICMP quotes (where tshark's first
     * TCP/UDP layer is the inner one), are not compared.
     */
    @Test
    void decoderAgreesWithTsharkOnTcpdumpCaptures() throws Exception {
        String tshark = tshark();
        Assumptions.assumeTrue(tshark != null, "tshark not installed");
        int transport = 0;
        int other = 0;
        for (String name : TCPDUMP_CAPTURES) {
            Path file = Corpus.file("tcpdump-tests", name);
            List<CaptureFiles.Frame> frames = CaptureFiles.read(file);
            List<Map<String, String>> rows = run(tshark, file);
            assertEquals(frames.size(), rows.size(), name + ": frames");
            Harness h = new Harness();
            for (int i = 0; i < frames.size(); i++) {
                CaptureFiles.Frame f = frames.get(i);
                DecodedPacket p = h.run(f.linkType(), f.data(), f.data().length, f.originalLength());
                Map<String, String> t = rows.get(i);
                String where = name + " frame " + (i + 1);
                boolean tsharkPorts = !t.get("tcp.srcport").isEmpty() || !t.get("udp.srcport").isEmpty();
                switch (p.kind) {
                    case DecodedPacket.KIND_TRANSPORT -> {
                        if (p.ipVersion == 6 && "0".equals(t.get("ipv6.plen"))) {
                            t.put("ipv6.plen", String.valueOf(p.ipLength - 40)); // jumbogram: tshark shows the field
                        }
                        compare(where, p, t);
                        transport++;
                    }
                    case DecodedPacket.KIND_FRAGMENT -> {
                        compare(where, p, t);
                        other++;
                    }
                    case DecodedPacket.KIND_NON_IP -> {
                        assertFalse(tsharkPorts, where + ": tshark found TCP/UDP in a non-IP frame");
                        compare(where, p, t);
                        other++;
                    }
                    default -> {
                    }
                }
            }
        }
        assertTrue(transport > 0 && other > 0, transport + " TCP/UDP frames and " + other + " others compared");
    }

    private static void compare(String name, DecodedPacket p, Map<String, String> t) {
        if (p.kind == DecodedPacket.KIND_NON_IP) {
            assertTrue(t.get("ip.src").isEmpty() && t.get("ipv6.src").isEmpty(), name + ": tshark sees IP");
            return;
        }
        assertFalse(p.kind == DecodedPacket.KIND_ERROR || p.kind == DecodedPacket.KIND_UNKNOWN_LINK, name + ": " + p.error);
        String src = p.ipVersion == 4 ? t.get("ip.src") : t.get("ipv6.src");
        String dst = p.ipVersion == 4 ? t.get("ip.dst") : t.get("ipv6.dst");
        assertEquals(FrameBuilder.inet(src), FrameBuilder.address(p.srcHi, p.srcLo), name + ": source");
        assertEquals(FrameBuilder.inet(dst), FrameBuilder.address(p.dstHi, p.dstLo), name + ": destination");
        int ipLength = p.ipVersion == 4 ? Integer.parseInt(t.get("ip.len")) : 40 + Integer.parseInt(t.get("ipv6.plen"));
        assertEquals(ipLength, p.ipLength, name + ": IP length");
        String sport = p.isTcp() ? t.get("tcp.srcport") : t.get("udp.srcport");
        String dport = p.isTcp() ? t.get("tcp.dstport") : t.get("udp.dstport");
        switch (p.kind) {
            case DecodedPacket.KIND_TRANSPORT -> {
                assertEquals(sport, String.valueOf(p.srcPort), name + ": source port");
                assertEquals(dport, String.valueOf(p.dstPort), name + ": destination port");
                if (p.isTcp()) {
                    assertEquals(Integer.decode(t.get("tcp.flags")).intValue(), p.tcpFlags, name + ": flags");
                }
            }
            case DecodedPacket.KIND_FRAGMENT -> {
                assertTrue(sport.isEmpty(), name + ": tshark found ports in a later fragment");
                if (p.ipVersion == 4) {
                    // tshark versions differ: some print the field in 8-byte units, some in bytes
                    int offset = Integer.parseInt(t.get("ip.frag_offset"));
                    assertTrue(offset * 8 == p.fragmentOffset || offset == p.fragmentOffset,
                            name + ": offset " + p.fragmentOffset + ", tshark " + offset);
                    assertEquals(Integer.decode(t.get("ip.id")).longValue(), p.fragmentId, name + ": id");
                } else {
                    assertEquals(t.get("ipv6.fraghdr.offset"), String.valueOf(p.fragmentOffset / 8), name + ": offset (8-byte units)");
                    assertEquals(Long.decode(t.get("ipv6.fraghdr.ident")).longValue(), p.fragmentId, name + ": id");
                }
            }
            case DecodedPacket.KIND_OTHER_IP -> {
                String type = p.ipVersion == 4 ? t.get("icmp.type") : t.get("icmpv6.type");
                assertEquals(type.isEmpty() ? -1 : Integer.parseInt(type), p.icmpType, name + ": ICMP type");
                if (p.hasQuoted) {
                    String qs = p.quotedProtocol == 6 ? t.get("tcp.srcport") : t.get("udp.srcport");
                    String qd = p.quotedProtocol == 6 ? t.get("tcp.dstport") : t.get("udp.dstport");
                    assertEquals(qs, String.valueOf(p.quotedSrcPort), name + ": quoted source port");
                    assertEquals(qd, String.valueOf(p.quotedDstPort), name + ": quoted destination port");
                }
            }
            default -> throw new AssertionError(name + ": kind " + p.kind);
        }
    }

    private static List<Map<String, String>> run(String tshark, Path pcap) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(tshark, "-n", "-r", pcap.toString(), "-o", "ip.defragment:FALSE",
                "-o", "ipv6.defragment:FALSE", "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"));
        for (String f : FIELDS) {
            cmd.add("-e");
            cmd.add(f);
        }
        Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "tshark finished");
        assertEquals(0, proc.exitValue(), "tshark exit status on " + pcap);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] v = line.split("\\|", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < FIELDS.length; i++) {
                row.put(FIELDS[i], i < v.length ? v[i] : "");
            }
            rows.add(row);
        }
        return rows;
    }
}
