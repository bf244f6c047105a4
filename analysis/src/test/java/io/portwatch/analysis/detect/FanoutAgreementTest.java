package io.portwatch.analysis.detect;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.FanoutAnalysis;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.decode.DecodeStats;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.PacketDecoder;
import io.portwatch.capture.source.PacketSink;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A live interface shared out by the kernel among sockets ({@code live --threads N}), each on a thread of its
 * own, gives the records one thread gives: the frames of random probes (a window each millisecond, every
 * detector on) are dealt to two threads by pair of hosts, as a fanout group with a symmetric hash deals them,
 * and each thread plays its frames at once into its share, idle ticks between rounds. The windows are the same
 * (port counters, distinct clients and servers, services), and the same alerts are raised.
 */
class FanoutAgreementTest {

    /** One frame, copied. */
    private record Frame(int linkType, long ts, byte[] bytes, int original) {
    }

    @Test
    void twoSocketsGiveTheRecordsOfOne() throws Exception {
        AnalyzerConfig c = BatchOrderTest.config(1_000_000L).withTopTalkers(3);
        List<List<Object>> rounds = rounds(); // per round: two lists of frames, then the idle clock
        CollectingSink one = new CollectingSink();
        TrafficAnalyzer single = new TrafficAnalyzer(c, "probes", one);
        for (List<Object> r : rounds) {
            @SuppressWarnings("unchecked") List<Frame> all = (List<Frame>) r.get(2);
            for (Frame f : all) {
                play(single, f);
            }
            single.onIdle((Long) r.get(3));
        }
        single.finish();

        CollectingSink many = new CollectingSink();
        FanoutAnalysis fan = new FanoutAnalysis(c, "probes", many, 2);
        List<Thread> threads = new ArrayList<>();
        Throwable[] failed = new Throwable[2];
        for (int k = 0; k < 2; k++) {
            final int share = k;
            Thread t = new Thread(() -> {
                try {
                    TrafficAnalyzer a = fan.share(share);
                    for (List<Object> r : rounds) {
                        @SuppressWarnings("unchecked") List<Frame> mine = (List<Frame>) r.get(share);
                        for (Frame f : mine) {
                            play(a, f);
                        }
                        a.onIdle((Long) r.get(3));
                    }
                    a.finish();
                } catch (Throwable e) {
                    failed[share] = e;
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        fan.join();
        assertEquals(null, failed[0]);
        assertEquals(null, failed[1]);

        assertTrue(one.windows.size() > 30, "windows: " + one.windows.size());
        assertEquals(one.windows.size(), many.windows.size(), "windows");
        for (int i = 0; i < one.windows.size(); i++) {
            WindowReport a = one.windows.get(i);
            WindowReport b = many.windows.get(i);
            assertEquals(List.of(a.startNanos(), a.endNanos(), a.packets(), a.bytes(), a.activeFlows()),
                    List.of(b.startNanos(), b.endNanos(), b.packets(), b.bytes(), b.activeFlows()), "window " + i);
            assertEquals(a.ports().size(), b.ports().size(), "ports of window " + i);
            for (int k = 0; k < a.ports().size(); k++) {
                assertEquals(a.ports().get(k).toString(), b.ports().get(k).toString(), "port " + k + " of window " + i);
            }
            assertEquals(new TreeSet<>(a.services().stream().map(Object::toString).toList()),
                    new TreeSet<>(b.services().stream().map(Object::toString).toList()), "services of window " + i);
        }
        assertTrue(one.alerts.size() > 50, "alerts: " + one.alerts.size());
        assertEquals(alerts(one.alerts), alerts(many.alerts), "alerts");
        assertEquals(one.summaries.get(0), many.summaries.get(0), "summary");
    }

    private static TreeSet<String> alerts(List<Alert> alerts) {
        TreeSet<String> s = new TreeSet<>();
        for (Alert a : alerts) {
            s.add(a.kind() + " " + a.source() + " " + a.target() + " " + a.transport() + " " + a.port());
        }
        return s;
    }

    private static void play(PacketSink s, Frame f) {
        s.onPacket(f.linkType, f.ts, ByteBuffer.wrap(f.bytes), 0, f.bytes.length, f.original);
    }

    /** Random probes in rounds 200 ms apart, dealt to two sockets by pair of hosts. */
    private static List<List<Object>> rounds() {
        RandomProbes r = new RandomProbes(11);
        PacketDecoder decoder = new PacketDecoder(new DecodeStats());
        DecodedPacket p = new DecodedPacket();
        List<List<Object>> rounds = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            List<Frame> a = new ArrayList<>();
            List<Frame> b = new ArrayList<>();
            List<Frame> all = new ArrayList<>();
            r.run((lt, ts, buf, off, cap, orig) -> {
                byte[] bytes = new byte[cap];
                buf.get(off, bytes);
                Frame f = new Frame(lt, ts, bytes, orig);
                decoder.decode(lt, ts, buf, off, cap, orig, p);
                long h = (p.srcLo ^ p.srcHi) + (p.dstLo ^ p.dstHi); // symmetric
                (Long.bitCount(h) % 2 == 0 ? a : b).add(f);
                all.add(f);
            }, 2_001 + round);
            rounds.add(List.of(a, b, all, r.now + 100_000_000L));
            r.now += 200_000_000L;
        }
        return rounds;
    }
}
