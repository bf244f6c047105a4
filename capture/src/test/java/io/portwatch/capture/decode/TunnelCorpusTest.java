package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.Corpus;
import io.portwatch.testkit.FrameBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * tcpdump's test captures that carry tunnels (VXLAN, Geneve, GRE, ERSPAN I/II/III, GSO and BIG TCP segments
 * in VXLAN and Geneve), read in place: the TCP and UDP packets the decoder finds inside the tunnels, by
 * directed 5-tuple and count, are those tshark dissects inside them. The corpus has no GTP-U, IP-in-IP or
 * 6in4 capture: those are checked on crafted frames ({@link TunnelTest}). Left out: the BIG TCP
 * captures, whose IPv4 headers (outer or inner) say a total length of 0: tshark and tcpdump call it a bad
 * length and stop; the decoder takes the length from the frame, as it does outside tunnels (a segment
 * captured before the NIC split it), and finds the TCP segment inside ({@link #bigTcpSegmentsInTunnels}).
 */
class TunnelCorpusTest {
    private static final String[] CAPTURES = {
        "vxlan.pcap", "geneve.pcap", "geneve-gcp.pcap", "various_gre.pcap", "erspan-type-i-1.pcap", "erspan-type-i-2.pcap",
        "erspan-type-i-3.pcap", "erspan-type-i-4.pcap", "erspan-type-ii-1.pcap", "erspan-type-ii-2.pcap",
        "erspan-type-ii-3.pcap", "erspan-type-iii-ft-0.pcap", "erspan-type-iii-ft-7.pcap", "erspan-type-iii-pb-1.pcap",
        "gso-ipv4-geneve-ipv4.pcap", "gso-ipv4-geneve-ipv6.pcap", "gso-ipv6-geneve-ipv4.pcap", "gso-ipv6-geneve-ipv6.pcap",
        "gso-ipv4-vxlan-ipv4.pcap", "gso-ipv4-vxlan-ipv6.pcap", "gso-ipv6-vxlan-ipv4.pcap", "gso-ipv6-vxlan-ipv6.pcap",
        "gre-heapoverflow-1.pcap", "gre-heapoverflow-2.pcap",
    };
    private static final String[] FIELDS = {
        "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport", "udp.srcport",
        "udp.dstport",
    };
    private static final List<String> TUNNELS = List.of("vxlan", "geneve", "gre", "erspan", "gtp");

    private static String tshark() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "tshark");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    @Test
    void innerFlowsAreWhatTsharkDissectsInside() throws Exception {
        String tshark = tshark();
        Assumptions.assumeTrue(tshark != null, "tshark not installed");
        int flows = 0;
        long packets = 0;
        for (String name : CAPTURES) {
            Path file = Corpus.file("tcpdump-tests", name);
            Map<String, Integer> ours = ours(file);
            Map<String, Integer> theirs = tshark(tshark, file);
            assertEquals(theirs, ours, name + ": inner TCP/UDP packets by 5-tuple");
            flows += ours.size();
            packets += ours.values().stream().mapToInt(Integer::intValue).sum();
        }
        assertTrue(flows >= 5 && packets >= 40, flows + " inner 5-tuples, " + packets + " packets");
    }

    @Test
    void bigTcpSegmentsInTunnels() throws Exception {
        for (String name : new String[] {"bigtcp-ipv4-geneve-ipv4.pcap", "bigtcp-ipv4-geneve-ipv6.pcap",
            "bigtcp-ipv4-vxlan-ipv4.pcap", "bigtcp-ipv4-vxlan-ipv6.pcap", "bigtcp-ipv6-geneve-ipv4.pcap",
            "bigtcp-ipv6-geneve-ipv6.pcap", "bigtcp-ipv6-vxlan-ipv4.pcap", "bigtcp-ipv6-vxlan-ipv6.pcap"}) {
            Map<String, Integer> ours = ours(Corpus.file("tcpdump-tests", name));
            assertEquals(1, ours.size(), name + ": " + ours);
            assertTrue(ours.keySet().iterator().next().startsWith("tcp "), name + ": " + ours);
        }
    }

    /** The innermost TCP/UDP packets inside tunnels, by "proto src sport dst dport". */
    private static Map<String, Integer> ours(Path file) throws Exception {
        Map<String, Integer> m = new TreeMap<>();
        Harness h = new Harness();
        for (CaptureFiles.Frame f : CaptureFiles.read(file)) {
            h.run(f.linkType(), f.data(), f.data().length, f.originalLength());
            DecodedPacket in = null;
            for (DecodedPacket q = h.inner(); q != null; q = h.inner()) {
                in = q;
            }
            if (in != null && in.kind == DecodedPacket.KIND_TRANSPORT) {
                String key = (in.isTcp() ? "tcp " : "udp ") + FrameBuilder.address(in.srcHi, in.srcLo).getHostAddress() + " "
                        + in.srcPort + " " + FrameBuilder.address(in.dstHi, in.dstLo).getHostAddress() + " " + in.dstPort;
                m.merge(key, 1, Integer::sum);
            }
        }
        return m;
    }

    private static Map<String, Integer> tshark(String tshark, Path file) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tshark, "-n", "-r", file.toString(), "-o", "ip.defragment:FALSE",
                "-o", "ipv6.defragment:FALSE", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
                "-E", "aggregator=,"));
        for (String f : FIELDS) {
            cmd.add("-e");
            cmd.add(f);
        }
        Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "tshark finished");
        Map<String, Integer> m = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] v = line.split("\\|", -1);
            List<String> layers = List.of(v[0].split(":"));
            int tunnel = -1;
            for (int i = 0; i < layers.size(); i++) {
                if (TUNNELS.contains(layers.get(i))) {
                    tunnel = i;
                }
            }
            int ip = Math.max(layers.lastIndexOf("ip"), layers.lastIndexOf("ipv6"));
            if (tunnel < 0 || ip < tunnel || layers.subList(tunnel, layers.size()).contains("icmp")) {
                continue;
            }
            String proto = layers.lastIndexOf("tcp") > ip ? "tcp" : layers.lastIndexOf("udp") > ip ? "udp" : null;
            if (proto == null) {
                continue;
            }
            boolean v6 = layers.get(ip).equals("ipv6");
            String src = last(v[v6 ? 3 : 1]);
            String dst = last(v[v6 ? 4 : 2]);
            String sport = last(v[proto.equals("tcp") ? 5 : 7]);
            String dport = last(v[proto.equals("tcp") ? 6 : 8]);
            String key = proto + " " + FrameBuilder.inet(src).getHostAddress() + " " + sport + " "
                    + FrameBuilder.inet(dst).getHostAddress() + " " + dport;
            m.merge(key, 1, Integer::sum);
        }
        return m;
    }

    private static String last(String aggregated) {
        String[] parts = aggregated.split(",");
        return parts[parts.length - 1];
    }
}
