package io.portwatch.bench;

import io.portwatch.analysis.output.Transport;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.source.PacketSink;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Makes a deterministic synthetic capture and counts, as it goes, exactly what portwatch should report
 * for it.
 *
 * <p>Traffic: TCP sessions (handshake, requests and responses both ways, FIN close from either side or
 * an abort by RST; a few rejected by RST or never answered) and UDP request/response exchanges (a few
 * unanswered), over IPv4 and some IPv6, some behind an 802.1Q tag, to a Zipf-like mix of service ports
 * ({@link ServiceMix}). {@link GeneratorConfig#concurrency()} sessions are open at any time, their
 * packets interleaved: each open session has its next packet due 0.5 to 1.5 mean gaps after its last,
 * and frames go out in due order, so timestamps increase and a session's packets stay within a few
 * seconds. A finished session is replaced by a new one at once.
 *
 * <p>Every 5-tuple is unique by construction: session number {@code s} belongs to client host
 * {@code s / sessionsPerClient}, whose address follows from that number, and uses the
 * {@code (s % sessionsPerClient)}-th port of a host-specific permutation of the client ports. So the
 * expected counts do not depend on flow timeouts: each session is one flow. Memory is bounded by the
 * concurrency, whatever the number of packets.
 *
 * <p>Why one class of about 510 lines: the sessions it interleaves and the counts it expects of them are
 * made in the same loop, so that every frame written is counted exactly once; apart, the two would have to
 * agree on every choice the seed makes.
 */
public final class CaptureGenerator {

    /** Capture time starts at 2024-01-01T00:00:00Z. */
    public static final long BASE_NANOS = 1_704_067_200L * 1_000_000_000L;
    /** Packets in one session at most. */
    static final int MAX_SESSION_PACKETS = 32;

    private static final int SYN = DecodedPacket.TCP_SYN;
    private static final int ACK = DecodedPacket.TCP_ACK;
    private static final int FIN = DecodedPacket.TCP_FIN;
    private static final int RST = DecodedPacket.TCP_RST;
    private static final int PSH = DecodedPacket.TCP_PSH;
    private static final long ROUTER_MAC = 0x0200_5E00_0001L;
    private static final long CLIENT_V6_HI = 0x2001_0DB8_C000_0000L;
    private static final long SERVER_V6_HI = 0x2001_0DB8_5E00_0000L;
    private static final int CLIENT_V4_NET = 0x0A00_0000; // 10.0.0.0/8
    private static final int SERVER_V4_NET = 0x6440_0000; // 100.64.0.0/10

    private final GeneratorConfig cfg;
    private final ServiceMix mix;
    private final SplittableRandom rnd;
    private final FrameWriter frame = new FrameWriter();
    private final double meanGap;
    private final int clientPortStride;

    private final TrafficCounts counts = new TrafficCounts();
    private final PortCounts[] byRank;
    /** Per rank: one bit per server address seen (family x index). */
    private final int[] serversSeen;
    /** Client hosts some of whose sessions have not sent their first packet yet. */
    private final Map<Long, Host> hosts = new HashMap<>();

    private final Session[] sessions;
    /** Binary min-heap of (due time, session index). */
    private final long[] heapDue;
    private final int[] heapSession;

    private long nextSession;
    private int ipId;
    private long firstTs = -1;
    private long lastTs = Long.MIN_VALUE;
    private long ipv6Packets;
    private long vlanPackets;
    private long sessionsFinished;
    private long largestGap;

    public CaptureGenerator(GeneratorConfig cfg) {
        this.cfg = cfg;
        this.mix = new ServiceMix(cfg.servicePorts(), cfg.seed());
        this.rnd = new SplittableRandom(cfg.seed());
        this.meanGap = cfg.meanGapNanos();
        int stride = 7919;
        while (gcd(stride, mix.clientPorts.length) != 1) {
            stride += 2;
        }
        this.clientPortStride = stride;
        if (cfg.sessionsPerClient() > mix.clientPorts.length) {
            throw new IllegalArgumentException("at most " + mix.clientPorts.length + " sessions per client");
        }
        byRank = new PortCounts[mix.size()];
        for (int r = 0; r < byRank.length; r++) {
            byRank[r] = counts.port(Transport.of(mix.protocol[r]), mix.port[r]);
        }
        serversSeen = new int[mix.size()];
        sessions = new Session[cfg.concurrency()];
        heapDue = new long[cfg.concurrency()];
        heapSession = new int[cfg.concurrency()];
    }

    /**
     * Sends the capture's frames to the sink (a {@link PcapWriter}, or an analyzer directly), link type
     * Ethernet, each cut to the snap length, and returns the exact counts portwatch should report: one
     * window, every port with traffic.
     */
    public TrafficCounts run(PacketSink sink) {
        for (int i = 0; i < sessions.length; i++) {
            sessions[i] = new Session();
            heapDue[i] = start(sessions[i], 0);
            heapSession[i] = i;
        }
        for (int i = sessions.length / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
        final int snaplen = cfg.snaplen();
        for (long emitted = 0; emitted < cfg.packets(); emitted++) {
            final long due = heapDue[0];
            final Session x = sessions[heapSession[0]];
            emit(x, due, sink, snaplen);
            if (x.next == x.count) {
                finish(x);
                sessionsFinished++;
                heapDue[0] = start(x, due);
            } else {
                long gap = gap();
                largestGap = Math.max(largestGap, gap);
                heapDue[0] = due + gap;
            }
            siftDown(0);
        }
        for (Session x : sessions) {
            if (x.next > 0) {
                finish(x); // cut by the end of the capture
            }
        }
        describe();
        return counts;
    }

    private long gap() {
        return (long) (meanGap * (0.5 + rnd.nextDouble() * (GeneratorConfig.MAX_GAP_FACTOR - 0.5)));
    }

    // ---------------------------------------------------------------- sessions

    /** Starts the next session in x at time now; returns when its first packet is due. */
    private long start(Session x, long now) {
        final long s = nextSession++;
        final int perClient = cfg.sessionsPerClient();
        final long h = s / perClient;
        final int j = (int) (s % perClient);
        if (h >= 1 << 24) {
            throw new IllegalStateException("more than 2^24 client hosts: raise the sessions per client");
        }
        Host host = hosts.computeIfAbsent(h, k -> new Host());
        host.pending++;
        host.allStarted = j == perClient - 1;

        long hm = mix64(cfg.seed() * 0x9E3779B97F4A7C15L + h);
        x.host = h;
        x.v6 = unit(hm) < cfg.ipv6Share();
        long hm2 = mix64(hm);
        x.vlan = unit(hm2) < cfg.vlanShare() ? 100 + (int) (h % 16) : -1;
        int[] ports = mix.clientPorts;
        x.clientPort = ports[(int) (((hm2 >>> 1) % ports.length + (long) j * clientPortStride) % ports.length)];
        x.clientMac = 0x0200_0000_0000L | (h & 0xFFFF_FFFFL);

        final int r = mix.sample(rnd.nextDouble());
        x.rank = r;
        x.protocol = mix.protocol[r];
        x.serverPort = mix.port[r];
        x.serverIndex = rnd.nextInt(mix.servers[r]);
        x.clientSeq = rnd.nextInt();
        x.serverSeq = rnd.nextInt();
        x.count = 0;
        x.next = 0;
        x.toServerMask = 0;
        x.synSent = x.synAckSent = x.established = x.serverSent = false;
        if (x.protocol == DecodedPacket.PROTO_TCP) {
            tcpScript(x);
        } else {
            udpScript(x);
        }
        return now + gap();
    }

    private void tcpScript(Session x) {
        double kind = rnd.nextDouble();
        x.add(true, SYN, 0);
        if (kind < 0.02) {
            return; // never answered
        }
        if (kind < 0.05) {
            x.add(false, RST | ACK, 0); // rejected
            return;
        }
        x.add(false, SYN | ACK, 0);
        x.add(true, ACK, 0);
        do {
            if (x.count + 6 + 3 > MAX_SESSION_PACKETS) {
                break;
            }
            x.add(true, PSH | ACK, request());
            int segments = 1 + rnd.nextInt(4);
            for (int i = 1; i < segments; i++) {
                x.add(false, ACK, FrameWriter.MAX_PAYLOAD);
            }
            x.add(false, PSH | ACK, 1 + rnd.nextInt(FrameWriter.MAX_PAYLOAD));
            x.add(true, ACK, 0);
        } while (rnd.nextDouble() < 0.55);
        double close = rnd.nextDouble();
        if (close < 0.70) {
            x.add(true, FIN | ACK, 0);
            x.add(false, FIN | ACK, 0);
            x.add(true, ACK, 0);
        } else if (close < 0.95) {
            x.add(false, FIN | ACK, 0);
            x.add(true, FIN | ACK, 0);
            x.add(false, ACK, 0);
        } else {
            x.add(true, RST | ACK, 0);
        }
    }

    private void udpScript(Session x) {
        if (rnd.nextDouble() < 0.03) {
            x.add(true, 0, request()); // never answered
            return;
        }
        int exchanges;
        if (x.serverPort == 443) {
            exchanges = 2 + rnd.nextInt(9); // QUIC: a longer conversation
        } else {
            exchanges = rnd.nextDouble() < 0.8 ? 1 : 2 + rnd.nextInt(4);
        }
        for (int i = 0; i < exchanges; i++) {
            x.add(true, 0, request());
            x.add(false, 0, rnd.nextInt(FrameWriter.MAX_PAYLOAD + 1));
        }
    }

    /** Request sizes: mostly small, up to the maximum payload. */
    private int request() {
        double u = rnd.nextDouble();
        return 1 + (int) ((FrameWriter.MAX_PAYLOAD - 1) * u * u * u);
    }

    // ---------------------------------------------------------------- frames and counts

    private void emit(Session x, long due, PacketSink sink, int snaplen) {
        final int k = x.next++;
        final boolean toServer = ((x.toServerMask >>> k) & 1) != 0;
        final int flags = x.flags[k] & 0xFF;
        final int payload = x.payload[k];
        final FrameWriter f = frame;
        final int r = x.rank;
        f.vlan = x.vlan;
        f.ipv6 = x.v6;
        f.protocol = x.protocol;
        f.tcpFlags = flags;
        f.payload = payload;
        f.ipId = ipId++;
        long clientLo = x.host + 1;
        long serverLo = ((long) r << 8) | (x.serverIndex + 1);
        int client4 = CLIENT_V4_NET | (int) x.host;
        int server4 = SERVER_V4_NET + r * 4 + x.serverIndex;
        if (toServer) {
            f.srcMac = x.clientMac;
            f.dstMac = ROUTER_MAC;
            f.src4 = client4;
            f.dst4 = server4;
            f.srcHi = CLIENT_V6_HI;
            f.srcLo = clientLo;
            f.dstHi = SERVER_V6_HI;
            f.dstLo = serverLo;
            f.srcPort = x.clientPort;
            f.dstPort = x.serverPort;
            f.seq = x.clientSeq;
            f.ack = x.serverSeq;
        } else {
            f.srcMac = ROUTER_MAC;
            f.dstMac = x.clientMac;
            f.src4 = server4;
            f.dst4 = client4;
            f.srcHi = SERVER_V6_HI;
            f.srcLo = serverLo;
            f.dstHi = CLIENT_V6_HI;
            f.dstLo = clientLo;
            f.srcPort = x.serverPort;
            f.dstPort = x.clientPort;
            f.seq = x.serverSeq;
            f.ack = x.clientSeq;
        }
        final int wire = f.build(snaplen);
        long ts = Math.max(due, lastTs + 1);
        lastTs = ts;
        if (firstTs < 0) {
            firstTs = ts;
        }
        sink.onPacket(LinkType.ETHERNET, BASE_NANOS + ts, f.buffer(), 0, Math.min(snaplen, wire), wire);

        int advance = payload + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
        if (toServer) {
            x.clientSeq += advance;
        } else {
            x.serverSeq += advance;
        }
        count(x, k, toServer, flags, f.ipLength());
    }

    private void count(Session x, int k, boolean toServer, int flags, int ipLength) {
        final PortCounts p = byRank[x.rank];
        final TrafficCounts c = counts;
        c.packets++;
        c.bytes += ipLength;
        if (x.v6) {
            ipv6Packets++;
        }
        if (x.vlan >= 0) {
            vlanPackets++;
        }
        if (k == 0) {
            c.flows++;
            p.flows++;
            p.activeFlows++;
            firstPacket(x, p);
        }
        if (toServer) {
            p.packetsToServer++;
            p.bytesToServer += ipLength;
        } else {
            p.packetsToClient++;
            p.bytesToClient += ipLength;
        }
        if (x.protocol != DecodedPacket.PROTO_TCP) {
            c.udpPackets++;
            return;
        }
        c.tcpPackets++;
        final boolean syn = (flags & SYN) != 0;
        final boolean ack = (flags & ACK) != 0;
        final boolean rst = (flags & RST) != 0;
        if (syn) {
            if (ack) {
                p.synAck++;
            } else {
                p.syn++;
            }
        }
        if (rst) {
            p.rst++;
        }
        if ((flags & FIN) != 0) {
            p.fin++;
        }
        if (toServer) {
            if (syn && !ack) {
                x.synSent = true;
            } else if (ack && !syn && !rst && x.synSent && x.synAckSent && !x.established) {
                x.established = true; // the client's ACK of the SYN+ACK
                p.established++;
            }
        } else {
            if (rst && x.synSent && !x.serverSent) {
                p.rejected++; // the server's answer to the SYN was a RST
            }
            if (syn && ack) {
                x.synAckSent = true;
            }
            x.serverSent = true;
        }
    }

    private void firstPacket(Session x, PortCounts p) {
        Host host = hosts.get(x.host);
        if (host.ranks.add(x.rank)) {
            p.uniqueClients++;
        }
        if (--host.pending == 0 && host.allStarted) {
            hosts.remove(x.host);
        }
        int bit = 1 << ((x.v6 ? 4 : 0) + x.serverIndex);
        if ((serversSeen[x.rank] & bit) == 0) {
            serversSeen[x.rank] |= bit;
            p.uniqueServers++;
        }
    }

    /** A session ended (or the capture did): a SYN nobody answered is an unanswered attempt. */
    private void finish(Session x) {
        if (x.protocol == DecodedPacket.PROTO_TCP && x.synSent && !x.serverSent) {
            byRank[x.rank].unanswered++;
        }
    }

    private void describe() {
        counts.windows = 1;
        counts.ports().values().removeIf(p -> p.packets() == 0);
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("packets", cfg.packets());
        g.put("seed", cfg.seed());
        g.put("concurrency", cfg.concurrency());
        g.put("rate_pps", cfg.ratePps());
        g.put("snaplen", cfg.snaplen());
        g.put("ipv6_share", cfg.ipv6Share());
        g.put("vlan_share", cfg.vlanShare());
        g.put("sessions_per_client", cfg.sessionsPerClient());
        g.put("service_ports", cfg.servicePorts());
        counts.info.put("generator", g);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("first", Instant.ofEpochSecond(0, BASE_NANOS + firstTs).toString());
        s.put("last", Instant.ofEpochSecond(0, BASE_NANOS + lastTs).toString());
        s.put("sessions", counts.flows);
        s.put("sessions_finished", sessionsFinished);
        s.put("client_hosts", nextSession == 0 ? 0 : (nextSession - 1) / cfg.sessionsPerClient() + 1);
        s.put("ipv6_packets", ipv6Packets);
        s.put("vlan_packets", vlanPackets);
        s.put("ports", counts.ports().size());
        s.put("largest_gap_seconds", largestGap / 1e9);
        counts.info.put("generated", s);
    }

    // ---------------------------------------------------------------- heap

    private void siftDown(int i) {
        final long[] due = heapDue;
        final int[] who = heapSession;
        final int n = due.length;
        final long d = due[i];
        final int w = who[i];
        for (;;) {
            int c = 2 * i + 1;
            if (c >= n) {
                break;
            }
            if (c + 1 < n && due[c + 1] < due[c]) {
                c++;
            }
            if (due[c] >= d) {
                break;
            }
            due[i] = due[c];
            who[i] = who[c];
            i = c;
        }
        due[i] = d;
        who[i] = w;
    }

    // ---------------------------------------------------------------- helpers

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static double unit(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** One open session: who talks, and its script of packets. */
    private static final class Session {
        long host;
        boolean v6;
        int vlan;
        long clientMac;
        int clientPort;
        int rank;
        int protocol;
        int serverPort;
        int serverIndex;
        int clientSeq;
        int serverSeq;
        /** Packets in the script, and the next to send. */
        int count;
        int next;
        /** Bit k: packet k goes client to server. */
        int toServerMask;
        final byte[] flags = new byte[MAX_SESSION_PACKETS];
        final short[] payload = new short[MAX_SESSION_PACKETS];
        boolean synSent;
        boolean synAckSent;
        boolean established;
        boolean serverSent;

        void add(boolean toServer, int tcpFlags, int payloadBytes) {
            if (toServer) {
                toServerMask |= 1 << count;
            }
            flags[count] = (byte) tcpFlags;
            payload[count] = (short) payloadBytes;
            count++;
        }
    }

    /** A client host whose sessions are still starting: the ports it has been counted at. */
    private static final class Host {
        final Set<Integer> ranks = new HashSet<>();
        int pending;
        boolean allStarted;
    }
}
