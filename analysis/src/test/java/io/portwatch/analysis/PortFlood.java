package io.portwatch.analysis;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.source.PacketSink;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * A flood within one window, each packet a new flow: {@code ports} from random clients to random
 * (transport, port)s, every one of the 131,072 port slots in use; {@code sources} from random clients to one
 * port. Run in a JVM of its own by {@link HostileMemoryTest}, which reads what it prints:
 * {@code retainedHeapBytes flowTableBytes accountedPortBytes peersReserved peersLimit talkersReserved talkersLimit
 * windowsLimited}.
 */
public final class PortFlood {

    private final ByteBuffer buf = ByteBuffer.allocate(128);
    private final SplittableRandom rnd = new SplittableRandom(9);
    private long now = 1_714_557_600_000_000_000L;

    /** Sends {@code packets} packets of the flood to {@code sink}. */
    void run(PacketSink sink, boolean ports, long packets) {
        for (long i = 0; i < packets; i++) {
            boolean tcp = !ports || rnd.nextBoolean();
            int src = 0x0B00_0000 | rnd.nextInt(1 << 24);
            int dst = ports ? 0xC000_0200 | rnd.nextInt(256) : 0xC000_0201;
            int sport = 1024 + rnd.nextInt(60_000);
            int dport = ports ? rnd.nextInt(65_536) : 80;
            send(sink, tcp, src, sport, dst, dport);
        }
    }

    /** One packet, 1 us after the one before: a TCP SYN or an empty UDP datagram. */
    void send(PacketSink sink, boolean tcp, int src, int sport, int dst, int dport) {
        {
            int ipLength = tcp ? 40 : 28;
            buf.clear();
            buf.putLong(0, 0x0011223344556677L).putInt(8, 0x8899aabb).putShort(12, (short) 0x0800);
            buf.put(14, (byte) 0x45).put(15, (byte) 0).putShort(16, (short) ipLength).putShort(18, (short) 1)
                    .putShort(20, (short) 0x4000).put(22, (byte) 64).put(23, (byte) (tcp ? 6 : 17))
                    .putShort(24, (short) 0).putInt(26, src).putInt(30, dst);
            buf.putShort(34, (short) sport).putShort(36, (short) dport);
            if (tcp) {
                buf.putInt(38, 1).putInt(42, 0).put(46, (byte) 0x50).put(47, (byte) 0x02).putShort(48, (short) 1024)
                        .putInt(50, 0);
            } else {
                buf.putShort(38, (short) 8).putShort(40, (short) 0);
            }
            sink.onPacket(LinkType.ETHERNET, now, buf, 0, 14 + ipLength, 14 + ipLength);
            now += 1_000;
        }
    }

    static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            long u = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (Math.abs(u - used) < 64 * 1024) {
                return u;
            }
            used = u;
        }
        return used;
    }

    /** {@code PortFlood ports|sources PACKETS MAX_FLOWS}: see the class comment. */
    public static void main(String[] args) {
        boolean ports = args[0].equals("ports");
        long packets = Long.parseLong(args[1]);
        int maxFlows = Integer.parseInt(args[2]);
        long before = usedHeapAfterGc();
        long[] limited = new long[1];
        RecordSink sink = new RecordSink() {
            @Override
            public void window(WindowReport report) {
                limited[0] += report.memoryLimited().any() ? 1 : 0;
            }

            @Override
            public void flow(FlowRecord flow) {
            }

            @Override
            public void alert(Alert alert) {
            }

            @Override
            public void summary(Summary summary) {
            }
        };
        TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(0, FlowConfig.defaults().withMaxFlows(maxFlows), false)
                .withTopTalkers(5), "flood", sink);
        new PortFlood().run(a, ports, packets);
        long retained = usedHeapAfterGc() - before;
        PortMemory m = a.portMemory();
        long table = a.flowTable().memoryBytes();
        a.finish();
        System.out.println(retained + " " + table + " " + m.total() + " " + m.peersReserved() + " " + m.peersLimit()
                + " " + m.talkersReserved() + " " + m.talkersLimit() + " " + limited[0]);
    }
}
