package io.portwatch.analysis.detect;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.analysis.ports.IanaServices;
import io.portwatch.capture.decode.DecodeStats;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.decode.PacketDecoder;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.flow.FlowTable;
import io.portwatch.capture.source.PacketSink;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.FIN;
import static io.portwatch.testkit.FrameBuilder.RST;
import static io.portwatch.testkit.FrameBuilder.SYN;

/**
 * A flood of probes from random sources to random targets and ports, of every kind the detectors
 * keep state for: SYNs refused, SYNs never answered, handshakes completed (new services), FIN probes,
 * UDP probes answered by ICMP port unreachable or by a reply, all against a default-deny policy.
 * Frames are written in place into one buffer, so that millions take seconds. Run as a program, it
 * floods the detectors (behind a decoder and a flow table, as in the analyzer) under the heap it is
 * given and prints what they held.
 */
final class RandomProbes {

    private final ByteBuffer buf = ByteBuffer.allocate(128);
    private final SplittableRandom rnd;
    long now = 1_714_557_600_000_000_000L;

    RandomProbes(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    /** A sink that counts alerts and keeps nothing. */
    static final class Counting implements RecordSink {
        long alerts;

        @Override
        public void window(WindowReport report) {
        }

        @Override
        public void flow(FlowRecord flow) {
        }

        @Override
        public void alert(Alert alert) {
            alerts++;
        }

        @Override
        public void summary(Summary summary) {
        }
    }

    static AnalyzerConfig config(long detectBytes, int maxFlows) throws PolicyException {
        PortPolicy policy = PortPolicy.parse("flood.policy", List.of("default deny", "allow tcp 80,443", "allow udp 53"));
        return new AnalyzerConfig(0, FlowConfig.defaults().withMaxFlows(maxFlows), false,
                DetectConfig.defaults().withMaxStateBytes(detectBytes).withPolicy(policy, 1000));
    }

    /** Sends {@code probes} random probes (one to four frames each) to the analyzer. */
    void run(PacketSink a, long probes) {
        for (long i = 0; i < probes; i++) {
            int src = rnd.nextInt();
            int dst = rnd.nextInt();
            int sport = 1024 + rnd.nextInt(64512);
            int dport = 1 + rnd.nextInt(65535);
            switch ((int) (i & 7)) {
                case 0, 1, 2 -> { // refused
                    tcp(a, src, sport, dst, dport, SYN);
                    tcp(a, dst, dport, src, sport, RST | ACK);
                }
                case 3 -> { // completed: a service
                    tcp(a, src, sport, dst, dport, SYN);
                    tcp(a, dst, dport, src, sport, SYN | ACK);
                    tcp(a, src, sport, dst, dport, ACK);
                }
                case 4 -> tcp(a, src, sport, dst, dport, SYN); // never answered
                case 5 -> {
                    tcp(a, src, sport, dst, dport, FIN);
                    tcp(a, dst, dport, src, sport, RST | ACK);
                }
                case 6 -> {
                    udp(a, src, sport, dst, dport);
                    icmpPortUnreachable(a, dst, src, sport, dport);
                }
                default -> {
                    udp(a, src, sport, dst, dport);
                    udp(a, dst, dport, src, sport);
                }
            }
            now += 1_000; // 1 us: a million probes a second, all within one scan window
        }
    }

    private void ethernetIpv4(int proto, int src, int dst, int ipLength) {
        buf.clear();
        buf.putLong(0, 0x0011223344556677L);
        buf.putInt(8, 0x8899aabb);
        buf.putShort(12, (short) 0x0800);
        buf.put(14, (byte) 0x45).put(15, (byte) 0).putShort(16, (short) ipLength).putShort(18, (short) 1)
                .putShort(20, (short) 0x4000).put(22, (byte) 64).put(23, (byte) proto).putShort(24, (short) 0)
                .putInt(26, src).putInt(30, dst);
    }

    void tcp(PacketSink a, int src, int sport, int dst, int dport, int flags) {
        ethernetIpv4(6, src, dst, 40);
        buf.putShort(34, (short) sport).putShort(36, (short) dport).putInt(38, 1).putInt(42, 0)
                .put(46, (byte) 0x50).put(47, (byte) flags).putShort(48, (short) 1024).putInt(50, 0);
        a.onPacket(LinkType.ETHERNET, now, buf, 0, 54, 54);
    }

    void udp(PacketSink a, int src, int sport, int dst, int dport) {
        ethernetIpv4(17, src, dst, 28);
        buf.putShort(34, (short) sport).putShort(36, (short) dport).putShort(38, (short) 8).putShort(40, (short) 0);
        a.onPacket(LinkType.ETHERNET, now, buf, 0, 42, 42);
    }

    private void icmpPortUnreachable(PacketSink a, int from, int to, int qSport, int qDport) {
        ethernetIpv4(1, from, to, 56);
        buf.put(34, (byte) 3).put(35, (byte) 3).putShort(36, (short) 0).putInt(38, 0);
        buf.put(42, (byte) 0x45).put(43, (byte) 0).putShort(44, (short) 28).putShort(46, (short) 1)
                .putShort(48, (short) 0).put(50, (byte) 64).put(51, (byte) 17).putShort(52, (short) 0)
                .putInt(54, to).putInt(58, from);
        buf.putShort(62, (short) qSport).putShort(64, (short) qDport).putShort(66, (short) 8).putShort(68, (short) 0);
        a.onPacket(LinkType.ETHERNET, now, buf, 0, 70, 70);
    }

    /**
     * The analyzer's path to the detectors and nothing else: decode, flow table, detectors (no
     * per-port statistics), so that what the heap retains is the flow table's and the detectors'.
     */
    static final class DetectorsOnly implements PacketSink {
        private final DecodedPacket p = new DecodedPacket();
        private final PacketDecoder decoder = new PacketDecoder(new DecodeStats());
        final Detection detection;
        final FlowTable flows;

        DetectorsOnly(AnalyzerConfig config, RecordSink sink) {
            detection = new Detection(config.detect(), "flood", sink::alert);
            flows = new FlowTable(config.flows(), IanaServices::isServicePort, detection::onFlowEnd);
        }

        @Override
        public void onPacket(int linkType, long ts, ByteBuffer buffer, int offset, int captured, int original) {
            int kind = decoder.decode(linkType, ts, buffer, offset, captured, original, p);
            detection.onTime(ts);
            if (kind == DecodedPacket.KIND_TRANSPORT) {
                int slot = flows.track(p);
                detection.onTransport(flows, slot, flows.lastEvents(), flows.lastToServer(), p);
            } else if (kind == DecodedPacket.KIND_OTHER_IP && p.hasQuoted) {
                detection.onIcmp(p);
            }
        }
    }

    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * {@code RandomProbes PROBES DETECT_BYTES MAX_FLOWS}: floods an analyzer, then prints
     * {@code probes stateBytes maxStateBytes evictions entries flowTableBytes retainedHeapBytes alerts}.
     */
    public static void main(String[] args) throws Exception {
        long probes = Long.parseLong(args[0]);
        long detectBytes = Long.parseLong(args[1]);
        int maxFlows = Integer.parseInt(args[2]);
        long before = usedHeapAfterGc();
        Counting sink = new Counting();
        DetectorsOnly a = new DetectorsOnly(config(detectBytes, maxFlows), sink);
        new RandomProbes(42).run(a, probes);
        long retained = usedHeapAfterGc() - before;
        DetectionStats s = a.detection.stats();
        System.out.println(probes + " " + s.stateBytes() + " " + s.maxStateBytes() + " " + s.evictions() + " "
                + s.entries() + " " + a.flows.memoryBytes() + " " + retained + " " + sink.alerts);
        a.flows.endAll(io.portwatch.capture.flow.EndReason.END_OF_INPUT);
        a.detection.finish();
    }
}
