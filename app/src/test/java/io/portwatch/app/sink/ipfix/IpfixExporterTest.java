package io.portwatch.app.sink.ipfix;

import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.Tunnel;
import io.portwatch.app.Nfcapd;
import io.portwatch.capture.decode.TunnelKind;
import io.portwatch.capture.flow.EndReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exporter's messages, on real sockets, read by the tests' own decoder ({@link Decoded}) and by nfcapd. */
class IpfixExporterTest {

    @TempDir
    Path tmp;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private static FlowRecord flow(String c, int cp, String s, int sp, long pts, long ptc, int vlan, Tunnel tunnel) {
        return new FlowRecord("in", "1:x", Transport.TCP, c, cp, s, sp, 1_700_000_000_123_000_000L,
                1_700_000_001_456_000_000L, pts, ptc, pts * 100, ptc * 60, 0x1B, "SF", EndReason.FIN, vlan, tunnel);
    }

    /** A UDP collector of the test's: receives whole datagrams. */
    private static final class Collector implements AutoCloseable {
        final DatagramSocket socket;

        Collector() throws IOException {
            socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            socket.setReceiveBufferSize(4 << 20);
            socket.setSoTimeout(5000);
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
        }

        byte[] receive() throws IOException {
            DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
            socket.receive(p);
            return java.util.Arrays.copyOf(p.getData(), p.getLength());
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private IpfixExporter udp(Collector c, int mtu, boolean biflow, List<String> notices) throws IOException {
        return new IpfixExporter(new UdpTransport(c.address()), 77, mtu, biflow, nanos::get,
                () -> 1_800_000_000_000L, notices::add);
    }

    @Test
    void aFlowIsARecordPerDirectionWithItsValues() throws Exception {
        try (Collector c = new Collector(); IpfixExporter e = udp(c, 1400, false, new ArrayList<>())) {
            e.export(flow("192.0.2.1", 40000, "198.51.100.2", 443, 5, 3, FlowRecord.NO_VLAN, null));
            e.flush();
            Decoded d = new Decoded();
            Decoded.Message m = d.read(c.receive());
            assertEquals(77, m.domain());
            assertEquals(0, m.sequence());
            assertEquals(1_800_000_000L, m.exportTime());
            assertEquals(2, m.records().size());
            Map<Integer, byte[]> out = m.records().get(0);
            Map<Integer, byte[]> back = m.records().get(1);
            assertArrayEquals(new byte[]{(byte) 192, 0, 2, 1}, out.get(8));
            assertArrayEquals(new byte[]{(byte) 198, 51, 100, 2}, out.get(12));
            assertEquals(40000, Decoded.number(out.get(7)));
            assertEquals(443, Decoded.number(out.get(11)));
            assertEquals(6, Decoded.number(out.get(4)));
            assertEquals(5, Decoded.number(out.get(2)));
            assertEquals(500, Decoded.number(out.get(1)));
            assertEquals(0x1B, Decoded.number(out.get(6)));
            assertEquals(1_700_000_000_123L, Decoded.number(out.get(152)));
            assertEquals(1_700_000_001_456L, Decoded.number(out.get(153)));
            assertEquals(3, Decoded.number(out.get(136)), "end of flow detected");
            assertFalse(out.containsKey(58), "no VLAN ID without a tag");
            assertArrayEquals(out.get(12), back.get(8));
            assertEquals(443, Decoded.number(back.get(7)));
            assertEquals(3, Decoded.number(back.get(2)));
            assertEquals(180, Decoded.number(back.get(1)));
            assertEquals(2, e.sent());
        }
    }

    @Test
    void vlanAndTunnelAreExportedWhenSet() throws Exception {
        try (Collector c = new Collector(); IpfixExporter e = udp(c, 1400, true, new ArrayList<>())) {
            e.export(flow("2001:db8::1", 5000, "2001:db8::2", 53, 2, 1, 100,
                    new Tunnel(TunnelKind.VXLAN, "10.0.0.1", "10.0.0.2")));
            e.export(flow("192.0.2.1", 5000, "192.0.2.2", 53, 2, 1, FlowRecord.NO_VLAN,
                    new Tunnel(TunnelKind.GRE, "2001:db8::a", "2001:db8::b")));
            e.flush();
            Decoded d = new Decoded();
            Decoded.Message m = d.read(c.receive());
            assertEquals(2, m.records().size(), "one biflow record each");
            Map<Integer, byte[]> v6 = m.records().get(0);
            assertEquals(16, v6.get(27).length);
            assertEquals(InetAddress.getByName("2001:db8::1"), InetAddress.getByAddress(v6.get(27)));
            assertEquals(100, Decoded.number(v6.get(58)));
            assertEquals(InetAddress.getByName("10.0.0.1"), InetAddress.getByAddress(v6.get(225)));
            assertEquals(InetAddress.getByName("10.0.0.2"), InetAddress.getByAddress(v6.get(226)));
            assertEquals("vxlan", new String(v6.get(289), StandardCharsets.US_ASCII));
            assertEquals(2, Decoded.number(v6.get(2)));
            assertEquals(1, Decoded.number(v6.get(2 | Decoded.REVERSE)));
            assertEquals(60, Decoded.number(v6.get(1 | Decoded.REVERSE)));
            assertEquals(1, Decoded.number(v6.get(239)), "biflowDirection: the source initiated it");
            Map<Integer, byte[]> v4 = m.records().get(1);
            assertFalse(v4.containsKey(58));
            assertEquals(InetAddress.getByName("2001:db8::a"), InetAddress.getByAddress(v4.get(281)));
            assertEquals(InetAddress.getByName("2001:db8::b"), InetAddress.getByAddress(v4.get(282)));
            assertEquals("gre", new String(v4.get(289), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void messagesStayWithinTheMtuAndSequenceNumbersCountDataRecords() throws Exception {
        try (Collector c = new Collector(); IpfixExporter e = udp(c, 300, false, new ArrayList<>())) {
            for (int i = 0; i < 50; i++) {
                if (i % 2 == 0) {
                    e.export(flow("192.0.2." + i, 1000 + i, "192.0.2.250", 80, 1, 1, FlowRecord.NO_VLAN, null));
                } else {
                    e.export(flow("2001:db8::" + i, 1000 + i, "2001:db8::ff", 80, 1, 1, 7, null));
                }
            }
            e.export(flow("192.0.2.1", 1, "2001:db8::1", 80, 1, 1, FlowRecord.NO_VLAN, null)); // not one family
            e.flush();
            Decoded d = new Decoded();
            long expected = 0;
            int records = 0;
            for (long n = 0; n < e.messages(); n++) {
                Decoded.Message m = d.read(c.receive());
                assertTrue(m.length() <= 300, "within the MTU: " + m.length());
                assertEquals(expected, m.sequence());
                expected += m.records().size();
                records += m.records().size();
            }
            assertTrue(e.messages() > 5, "several messages: " + e.messages());
            assertEquals(100, records);
            assertEquals(100, e.sent());
            assertEquals(2, e.lost(), "the flow whose addresses are not of one family");
        }
    }

    @Test
    void templatesAreSentAgainByMessageCountAndByTime() throws Exception {
        try (Collector c = new Collector(); IpfixExporter e = udp(c, 1400, false, new ArrayList<>())) {
            Decoded d = new Decoded();
            List<Integer> withTemplate = new ArrayList<>();
            for (int i = 0; i < IpfixExporter.REFRESH_MESSAGES + 5; i++) {
                e.export(flow("192.0.2.1", 1000 + i, "192.0.2.2", 80, 1, 0, FlowRecord.NO_VLAN, null));
                e.flush();
                if (!d.read(c.receive()).templates().isEmpty()) {
                    withTemplate.add(i);
                }
            }
            assertEquals(List.of(0, IpfixExporter.REFRESH_MESSAGES), withTemplate, "at first, then after the count");
            e.export(flow("192.0.2.1", 9, "192.0.2.2", 80, 1, 0, FlowRecord.NO_VLAN, null));
            e.flush();
            assertTrue(d.read(c.receive()).templates().isEmpty(), "not yet");
            nanos.addAndGet(IpfixExporter.REFRESH_NANOS);
            e.export(flow("192.0.2.1", 10, "192.0.2.2", 80, 1, 0, FlowRecord.NO_VLAN, null));
            e.flush();
            assertEquals(List.of(256), d.read(c.receive()).templates(), "again once the refresh time passed");
        }
    }

    @Test
    void tcpSendsTemplatesOnceAndMessagesWhole() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            IpfixExporter e = IpfixExporter.open(at, IpfixExporter.Protocol.tcp, 5, 400, false, s -> { });
            try (Socket s = server.accept()) {
                for (int i = 0; i < 40; i++) {
                    e.export(flow("192.0.2.1", 1000 + i, "192.0.2.2", 80, 2, 2, FlowRecord.NO_VLAN, null));
                }
                e.close();
                DataInputStream in = new DataInputStream(s.getInputStream());
                Decoded d = new Decoded();
                int records = 0;
                int templates = 0;
                long sequence = 0;
                for (long n = 0; n < e.messages(); n++) {
                    byte[] head = in.readNBytes(4);
                    int length = (head[2] & 0xFF) << 8 | (head[3] & 0xFF);
                    assertTrue(length <= 400);
                    byte[] m = new byte[length];
                    System.arraycopy(head, 0, m, 0, 4);
                    in.readFully(m, 4, length - 4);
                    Decoded.Message dm = d.read(m);
                    assertEquals(sequence, dm.sequence());
                    sequence += dm.records().size();
                    records += dm.records().size();
                    templates += dm.templates().size();
                }
                assertEquals(80, records);
                assertEquals(1, templates, "over TCP a template once per connection");
                assertEquals(-1, in.read(), "closed after the last message");
            }
        }
    }

    @Test
    void whatCannotBeSentIsCountedAndSaidOnce() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nobody listens there
        }
        List<String> notices = new ArrayList<>();
        IpfixExporter e = new IpfixExporter(new UdpTransport(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)),
                1, 1400, false, nanos::get, System::currentTimeMillis, notices::add);
        for (int i = 0; i < 20; i++) {
            e.export(flow("192.0.2.1", 1000 + i, "192.0.2.2", 80, 1, 1, FlowRecord.NO_VLAN, null));
            e.flush();
            Thread.sleep(5); // the ICMP port unreachable comes back
        }
        e.close();
        assertTrue(e.lost() > 0, "lost: " + e.lost());
        assertEquals(40, e.lost() + e.sent());
        assertEquals(1, notices.size(), "said once while it lasts: " + notices);
        assertTrue(notices.get(0).startsWith("ipfix: cannot send to udp://127.0.0.1:" + port), notices.get(0));
    }

    @Test
    void nfdumpReadsTheVlanIdOfARecord() throws Exception {
        Nfcapd.require();
        try (Nfcapd nfcapd = Nfcapd.start(tmp.resolve("nfcapd"))) {
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), nfcapd.port);
            try (IpfixExporter e = IpfixExporter.open(at, IpfixExporter.Protocol.udp, 9, 1400, false, s -> { })) {
                e.export(flow("192.0.2.1", 4000, "192.0.2.2", 443, 4, 2, 321, null));
            }
            nfcapd.stop();
            List<Nfcapd.Flow> flows = nfcapd.flows();
            assertEquals(2, flows.size(), nfcapd.log());
            for (Nfcapd.Flow f : flows) {
                assertEquals(321, f.vlan(), f.toString());
            }
        }
    }
}
