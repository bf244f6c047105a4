package io.portwatch.app;

import io.portwatch.testkit.FrameBuilder;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a pcap (little-endian, microseconds, Ethernet) of made-up but well-formed traffic with known
 * timestamps: TCP sessions (SYN, SYN-ACK, data, FIN) to a few server ports and UDP exchanges, from a few
 * dozen clients, each packet {@code spacing} after the one before (plus a little jitter, never equal).
 */
final class TrafficCapture {

    private static final int[] TCP_PORTS = {80, 443, 8080, 22};
    private static final int[] UDP_PORTS = {53, 123, 514};
    private static final byte[] MAC_DST = {2, 0, 0, 0, 0, 1};
    private static final byte[] MAC_SRC = {2, 0, 0, 0, 0, 2};

    private final Random random;
    private final int sessions;
    private final int[] clientPort;
    private final int[] step;
    private final int[] length;

    TrafficCapture(long seed, int sessions) {
        this.random = new Random(seed);
        this.sessions = sessions;
        this.clientPort = new int[sessions];
        this.step = new int[sessions];
        this.length = new int[sessions];
        for (int s = 0; s < sessions; s++) {
            newSession(s);
        }
    }

    private void newSession(int s) {
        clientPort[s] = 20_000 + random.nextInt(40_000);
        step[s] = 0;
        length[s] = 4 + random.nextInt(40);
    }

    static byte[] header() {
        return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(0xa1b2c3d4).putShort((short) 2)
                .putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1).array();
    }

    /**
     * Writes {@code packets} packets from {@code startMicros}, about {@code spacingMicros} apart.
     *
     * @return the last packet's time, in microseconds
     */
    long write(Path file, long startMicros, int packets, long spacingMicros) throws IOException {
        try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
            o.write(header());
            return records(o, startMicros, packets, spacingMicros);
        }
    }

    /** Writes the records only (no file header); returns the last packet's time, in microseconds. */
    long records(OutputStream o, long startMicros, int packets, long spacingMicros) throws IOException {
        long t = startMicros;
        for (int i = 0; i < packets; i++) {
            if (i > 0) {
                t += Math.max(1, spacingMicros / 2 + random.nextLong(spacingMicros));
            }
            o.write(record(t, random.nextInt(sessions)));
        }
        return t;
    }

    /** One record: the next packet of session {@code s}. */
    private byte[] record(long micros, int s) {
        boolean udp = s % 5 == 4;
        int server = udp ? UDP_PORTS[s % UDP_PORTS.length] : TCP_PORTS[s % TCP_PORTS.length];
        int k = step[s];
        boolean fromClient = udp ? k % 2 == 0 : k != 1 && k % 3 != 2;
        int flags;
        int payload;
        if (udp) {
            flags = 0;
            payload = 40 + random.nextInt(400);
        } else if (k == 0) {
            flags = 0x02; // SYN
            payload = 0;
        } else if (k == 1) {
            flags = 0x12; // SYN-ACK
            payload = 0;
        } else if (k == length[s]) {
            flags = 0x11; // FIN-ACK
            payload = 0;
        } else {
            flags = 0x18; // PSH-ACK
            payload = 200 + random.nextInt(1200);
        }
        if (++step[s] > length[s]) {
            newSession(s);
        }
        int client = 0x0A00_0000 | (s + 10);
        int srv = 0x0A01_0000 | (s % 3 + 1);
        int sport = fromClient ? clientPort[s] : server;
        int dport = fromClient ? server : clientPort[s];
        byte[] data = new byte[payload];
        for (int i = 0; i < payload; i++) {
            data[i] = (byte) ('a' + (i + s) % 26);
        }
        byte[] l4 = udp ? FrameBuilder.udp(sport, dport, data)
                : new FrameBuilder.Tcp(sport, dport, flags).seq(1000 + k).ack(k > 0 ? 2000 + k : 0).payload(data).build();
        byte[] frame = FrameBuilder.ethernet(MAC_DST, MAC_SRC, FrameBuilder.ETHERTYPE_IPV4, new FrameBuilder.Ip4()
                .src(fromClient ? client : srv).dst(fromClient ? srv : client).protocol(udp ? 17 : 6).id(0).dontFragment()
                .build(l4));
        return ByteBuffer.allocate(16 + frame.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) (micros / 1_000_000)).putInt((int) (micros % 1_000_000))
                .putInt(frame.length).putInt(frame.length).put(frame).array();
    }
}
