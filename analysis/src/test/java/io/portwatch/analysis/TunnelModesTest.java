package io.portwatch.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.Tunnel;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.decode.TunnelKind;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.testkit.FrameBuilder;
import io.portwatch.testkit.TunnelBuilder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@code --tunnels outer|inner|both} through the analyzer: which flows a tunnelled frame makes, with
 * their VLAN id and tunnel, and that the frame counts once in the totals whatever the mode.
 */
class TunnelModesTest {

    /** A TCP handshake 10.0.0.1:40000 -> 10.0.0.2:443 in VXLAN (VLAN 30 outside), then one in GRE in IP-in-IP. */
    private static List<byte[]> frames() {
        int[] flags = {FrameBuilder.SYN, FrameBuilder.SYN | FrameBuilder.ACK, FrameBuilder.ACK};
        List<byte[]> out = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            boolean fromClient = i != 1;
            byte[] ip = FrameBuilder.ip(fromClient ? "10.0.0.1" : "10.0.0.2", fromClient ? "10.0.0.2" : "10.0.0.1", 6,
                    FrameBuilder.tcp(fromClient ? 40000 : 443, fromClient ? 443 : 40000, flags[i], 0));
            byte[] vxlan = FrameBuilder.ip(fromClient ? "192.0.2.1" : "192.0.2.2", fromClient ? "192.0.2.2" : "192.0.2.1", 17,
                    FrameBuilder.udp(fromClient ? 50001 : 50002, 4789, TunnelBuilder.vxlan(7, FrameBuilder.ethernet(ip))));
            out.add(FrameBuilder.ethernet(FrameBuilder.ETHERTYPE_VLAN, FrameBuilder.vlanTag(30, 0x0800, vxlan)));
        }
        byte[] inner = FrameBuilder.ip("2001:db8:1::1", "2001:db8:1::2", 17, FrameBuilder.udp(5353, 53, 30));
        byte[] gre = FrameBuilder.ip("203.0.113.1", "203.0.113.2", 47, TunnelBuilder.gre(TunnelBuilder.GRE_KEY, 0x86DD, inner));
        out.add(FrameBuilder.ethernet(FrameBuilder.ip("198.51.100.1", "198.51.100.2", 4, gre)));
        return out;
    }

    private static CollectingSink run(TunnelMode mode) {
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(0, FlowConfig.defaults(), true).withTunnels(mode), "t", sink);
        long ts = 1_000_000_000L;
        for (byte[] f : frames()) {
            a.onPacket(LinkType.ETHERNET, ts += 1_000_000, ByteBuffer.wrap(f), 0, f.length, f.length);
        }
        a.finish();
        return sink;
    }

    private static Set<String> flows(CollectingSink sink) {
        Set<String> s = new TreeSet<>();
        for (FlowRecord f : sink.flows) {
            s.add(f.transport().name() + " " + f.clientIp() + ":" + f.clientPort() + " " + f.serverIp() + ":" + f.serverPort()
                    + " " + f.packets() + " vlan " + f.vlanId() + " " + f.tunnel());
        }
        return s;
    }

    private static final String INNER_TCP = "TCP 10.0.0.1:40000 10.0.0.2:443 3 vlan 30 "
            + new Tunnel(TunnelKind.VXLAN, "192.0.2.1", "192.0.2.2");
    private static final String INNER_UDP = "UDP 2001:db8:1::1:5353 2001:db8:1::2:53 1 vlan -1 "
            + new Tunnel(TunnelKind.GRE, "203.0.113.1", "203.0.113.2");

    @Test
    void outerCountsTheTunnelOnly() {
        CollectingSink s = run(TunnelMode.OUTER);
        assertEquals(Set.of("UDP 192.0.2.1:50001 192.0.2.2:4789 2 vlan 30 null", "UDP 192.0.2.2:50002 192.0.2.1:4789 1 vlan 30 null"),
                flows(s));
    }

    @Test
    void innerCountsTheInnermostOnly() {
        CollectingSink s = run(TunnelMode.INNER);
        assertEquals(Set.of(INNER_TCP, INNER_UDP), flows(s));
        assertEquals("S1", s.flows.stream().filter(f -> f.serverPort() == 443).findFirst().orElseThrow().state());
    }

    @Test
    void bothCountsTheTunnelAndItsContents() {
        CollectingSink s = run(TunnelMode.BOTH);
        assertEquals(Set.of("UDP 192.0.2.1:50001 192.0.2.2:4789 2 vlan 30 null", "UDP 192.0.2.2:50002 192.0.2.1:4789 1 vlan 30 null",
                INNER_TCP, INNER_UDP), flows(s));
        FlowRecord tcp = s.flows.stream().filter(f -> f.serverPort() == 443).findFirst().orElseThrow();
        // the inner flow's own Community ID, as for the same 5-tuple outside a tunnel
        assertEquals(new io.portwatch.analysis.output.CommunityId(0).compute(4, 0, 0x0000_FFFF_0A00_0001L, 0,
                0x0000_FFFF_0A00_0002L, 6, 40000, 443), tcp.communityId());
        assertNull(s.flows.stream().filter(f -> f.serverPort() == 4789).findFirst().orElseThrow().tunnel());
    }

    @Test
    void theFrameCountsOnceInTheTotalsInEveryMode() {
        for (TunnelMode mode : TunnelMode.values()) {
            CollectingSink s = run(mode);
            assertEquals(4, s.summaries.get(0).packets(), mode.key());
            assertEquals(3, s.summaries.get(0).udpPackets(), mode.key() + ": the VXLAN frames");
            assertEquals(1, s.summaries.get(0).otherIpPackets(), mode.key() + ": the IP-in-IP frame");
            assertEquals(4, s.windows.get(0).packets(), mode.key());
        }
    }
}
