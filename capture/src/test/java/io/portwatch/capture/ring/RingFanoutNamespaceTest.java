package io.portwatch.capture.ring;

import io.portwatch.capture.libpcap.LibpcapTestSupport;
import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RingFanout}: two members of one {@code PACKET_FANOUT_CBPF} group on the host end of a veth pair,
 * whose {@link FanoutProgram} hashes the pair of addresses the same both ways: every frame of a TCP
 * connection, both directions, goes to one member; connections from {@value #SOURCES} source addresses are
 * spread over both; together the members see each frame once, as a plain ring on the same interface does,
 * a fragmented datagram's fragments as they were on the wire (the kernel's {@code PACKET_FANOUT_HASH} would
 * have needed {@code PACKET_FANOUT_FLAG_DEFRAG}, and then delivered the datagram reassembled). Needs root;
 * skips otherwise.
 */
class RingFanoutNamespaceTest {

    private static final int CONNECTIONS = 24;
    /** Source addresses the connections come from, in turn (the members are chosen by pair of hosts). */
    private static final int SOURCES = 16;
    /** Fanout groups opened on one interface at once. */
    private static final int GROUPS = 600;

    private VethPair pair;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** The TCP (and UDP) flows a member saw: canonical endpoints, and frames per flow. */
    static final class Flows implements PacketSink {
        final Map<String, Integer> frames = new HashMap<>();
        final List<Integer> udpLengths = new ArrayList<>();
        int total;

        @Override
        public synchronized void onPacket(int linkType, long timestampNanos, ByteBuffer b, int at, int captured,
                                          int length) {
            if (captured < 14 + 20 + 4 || b.getShort(at + 12) != 0x0800) {
                return;
            }
            int ip = at + 14;
            int proto = b.get(ip + 9) & 0xFF;
            int ihl = (b.get(ip) & 0x0F) * 4;
            long src = b.getInt(ip + 12) & 0xFFFF_FFFFL;
            long dst = b.getInt(ip + 16) & 0xFFFF_FFFFL;
            if (proto == 17) {
                udpLengths.add(length);
                return;
            }
            if (proto != 6) {
                return;
            }
            int sport = b.getShort(ip + ihl) & 0xFFFF;
            int dport = b.getShort(ip + ihl + 2) & 0xFFFF;
            String a = src + ":" + sport;
            String z = dst + ":" + dport;
            String key = a.compareTo(z) < 0 ? a + "-" + z : z + "-" + a;
            frames.merge(key, 1, Integer::sum);
            total++;
        }

        synchronized Map<String, Integer> snapshot() {
            return Map.copyOf(frames);
        }

        synchronized int total() {
            return total;
        }
    }

    @BeforeEach
    void pair() throws CaptureException {
        pair = VethPair.forRing();
    }

    @AfterEach
    void remove() throws Exception {
        VethPair.closeAll(toClose, pair);
    }

    /**
     * Captures of one interface each make a group of their own, however many: a group whose id another group of
     * the same kind already had would be that group, and two sensors would share the interface's frames.
     * {@value #GROUPS} groups: with ids of 16 random bits, two would be alike in about 94 runs out of 100.
     */
    @Test
    @Timeout(120)
    void everyGroupOnAnInterfaceIsAGroupOfItsOwn() throws Exception {
        LiveOptions small = new LiveOptions(256, true, 64 * 1024, false, 50, "udp port 7102");
        Set<Integer> ids = new HashSet<>();
        for (int g = 0; g < GROUPS; g++) {
            RingFanout group = RingFanout.create(1);
            RingLiveSource member = group.open(pair.hostEnd, small);
            toClose.add(member);
            int kernels = member.fanoutGroup();
            assertEquals(group.id(), kernels, "the group's id is the kernel's");
            assertTrue(ids.add(kernels), "group " + g + " joined group " + kernels + " of an earlier capture");
        }
        assertEquals(GROUPS, ids.size());
    }

    /**
     * A group whose members were all closed (the interface went away) is gone, and its id free: another capture
     * may make a group with it meanwhile. The members opened again make a group of their own, with a new id.
     */
    @Test
    @Timeout(60)
    void membersOpenedAgainAfterTheGroupEndedMakeANewGroup() throws Exception {
        LiveOptions small = new LiveOptions(256, true, 64 * 1024, false, 50, "udp port 7102");
        RingFanout group = RingFanout.create(2);
        RingLiveSource a = group.open(pair.hostEnd, small);
        RingLiveSource b = group.open(pair.hostEnd, small);
        int first = group.id();
        assertEquals(first, b.fanoutGroup());
        a.close();
        b.close();
        // another capture's group takes the id that is free now
        RingLiveSource other = RingLiveSource.open(pair.hostEnd, small, first | ((long) RingFanout.MODE << 16),
                linkHeader -> FanoutProgram.of(1, linkHeader));
        toClose.add(other);
        assertEquals(first, other.fanoutGroup());
        RingLiveSource again = group.open(pair.hostEnd, small);
        toClose.add(again);
        assertTrue(again.fanoutGroup() != first, "opened again into the other capture's group " + first);
        assertEquals(group.id(), again.fanoutGroup(), "the group's new id is the kernel's");
        RingLiveSource second = group.open(pair.hostEnd, small);
        toClose.add(second);
        assertEquals(group.id(), second.fanoutGroup(), "the next member joins the new group");
    }

    @Test
    @Timeout(120)
    void bothDirectionsOfAConnectionGoToOneMember() throws Exception {
        LiveOptions options = LiveOptions.defaults().withFilter("tcp port 7100 or udp port 7101");
        List<RingLiveSource> members = RingFanout.openAll(pair.hostEnd, options, 2);
        assertEquals(2, members.size());
        Flows[] seen = {new Flows(), new Flows()};
        for (int i = 0; i < 2; i++) {
            toClose.add(members.get(i));
            toClose.add(new RingNamespaceTest.Running(members.get(i), seen[i]));
        }
        Flows all = new Flows();
        RingLiveSource plain = RingLiveSource.open(pair.hostEnd, options);
        toClose.add(plain);
        toClose.add(new RingNamespaceTest.Running(plain, all));

        ServerSocket listener = new ServerSocket();
        toClose.add(listener);
        listener.bind(new InetSocketAddress(InetAddress.getByName(pair.hostAddress), 7100));
        Thread server = new Thread(() -> {
            for (int i = 0; i < CONNECTIONS; i++) {
                try (Socket s = listener.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    byte[] request = in.readNBytes(100);
                    out.write(new byte[3000]); // more than one segment back
                    out.write(request);
                } catch (Exception e) {
                    return;
                }
            }
        }, "server");
        server.setDaemon(true);
        server.start();
        String net = "198.19." + (1 + new java.util.Random().nextInt(250)) + ".";
        for (int i = 1; i <= SOURCES; i++) {
            LibpcapTestSupport.ip("-n", pair.namespace, "addr", "add", net + i + "/32",
                    "dev", pair.nsEnd);
        }
        LibpcapTestSupport.ip("route", "add", net + "0/27", "dev", pair.hostEnd);
        pair.nsRun("python3", "-c", "import socket\n"
                + "for i in range(" + CONNECTIONS + "):\n"
                + "    c = socket.create_connection(('" + pair.hostAddress + "', 7100), source_address=('" + net
                + "' + str(1 + i % " + SOURCES + "), 0))\n"
                + "    c.sendall(bytes(100))\n"
                + "    n = 0\n"
                + "    while n < 3100:\n"
                + "        d = c.recv(65536)\n"
                + "        if not d: break\n"
                + "        n += len(d)\n"
                + "    c.close()\n");
        server.join(10_000);
        // one fragmented datagram: 3000 bytes of payload, three fragments on the wire
        pair.sendUdp(7101, 3000);
        try {
            Await.until(Duration.ofSeconds(10), () -> all.snapshot().size() == CONNECTIONS
                    && seen[0].total() + seen[1].total() == all.total() && all.udpLengths.size() == 1,
                    "the members together see what the plain ring sees");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": plain " + all.snapshot().size() + " connections, "
                    + all.total() + " frames, UDP " + all.udpLengths + "; members " + seen[0].total() + " + "
                    + seen[1].total() + " frames, UDP " + seen[0].udpLengths + " " + seen[1].udpLengths, e);
        }
        Thread.sleep(300);
        assertEquals(all.total(), seen[0].total() + seen[1].total(), "each frame once, to one member");
        Set<String> first = seen[0].snapshot().keySet();
        Set<String> second = seen[1].snapshot().keySet();
        Set<String> both = new HashSet<>(first);
        both.retainAll(second);
        assertEquals(Set.of(), both, "no connection split between members: the hash is symmetric");
        assertEquals(CONNECTIONS, first.size() + second.size());
        assertTrue(!first.isEmpty() && !second.isEmpty(), "connections on both members: " + first.size()
                + " and " + second.size());
        for (String c : all.snapshot().keySet()) {
            int onMember = seen[0].snapshot().getOrDefault(c, 0) + seen[1].snapshot().getOrDefault(c, 0);
            assertEquals(all.snapshot().get(c), onMember, "every frame of " + c);
        }
        // the datagram's first fragment (its ports match the filter), as on the wire: not reassembled
        List<Integer> udp = new ArrayList<>(seen[0].udpLengths);
        udp.addAll(seen[1].udpLengths);
        assertEquals(List.of(14 + 1500), udp, "the first fragment as it was on the wire");
        assertEquals(List.of(14 + 1500), all.udpLengths, "without fanout: the first fragment");
    }
}
