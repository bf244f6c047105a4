package io.portwatch.bench;

import io.portwatch.analysis.ports.IanaServices;
import io.portwatch.capture.decode.DecodedPacket;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The services of a synthetic capture: (transport, server port) pairs ranked by popularity, the
 * common ones first (https, http, dns, quic, ssh, ...), then a seeded tail, drawn with Zipf weights
 * (rank r has weight 1/r). Also the client ports: every port from 1024 up that IANA names no service
 * for, so that portwatch's "which side is the server" rule can only pick the real server.
 */
final class ServiceMix {

    private static final int TCP = DecodedPacket.PROTO_TCP;
    private static final int UDP = DecodedPacket.PROTO_UDP;

    /** The head of the ranking: {protocol, port}. */
    private static final int[][] HEAD = {
            {TCP, 443}, {TCP, 80}, {UDP, 53}, {UDP, 443}, {TCP, 22}, {TCP, 25}, {TCP, 993}, {UDP, 123},
            {TCP, 3306}, {TCP, 5432}, {TCP, 8080}, {TCP, 6379}, {TCP, 445}, {TCP, 389}, {UDP, 161},
            {UDP, 514}, {TCP, 587}, {TCP, 995}, {TCP, 8443}, {TCP, 9092}, {TCP, 27017}, {UDP, 5353},
            {UDP, 1900}, {TCP, 3389}, {TCP, 5672}, {TCP, 11211}, {TCP, 21}, {TCP, 110}, {TCP, 143},
            {UDP, 500}, {TCP, 2049}, {TCP, 9200}, {TCP, 5222}, {UDP, 3478}, {TCP, 1433}, {TCP, 1521},
            {UDP, 1812}, {UDP, 69}, {TCP, 179}, {TCP, 636},
    };

    /** Protocol of each rank. */
    final int[] protocol;
    /** Server port of each rank. */
    final int[] port;
    /** Server addresses of each rank (per address family), 1 to 4. */
    final int[] servers;
    /** Ports clients use, none of them an IANA service port of TCP or UDP. */
    final int[] clientPorts;
    private final double[] cumulative;

    ServiceMix(int size, long seed) {
        protocol = new int[size];
        port = new int[size];
        servers = new int[size];
        boolean[] taken = new boolean[2 << 16];
        int n = 0;
        for (int[] h : HEAD) {
            if (n == size) {
                break;
            }
            if (udpServerIsClear(h[0], h[1])) {
                n = add(n, h[0], h[1], taken);
            }
        }
        int[] tcpNamed = namedPorts(TCP);
        int[] udpNamed = namedPorts(UDP);
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5EA1C0DEL);
        while (n < size) {
            int proto;
            int p;
            double u = rnd.nextDouble();
            if (u < 0.2) {
                proto = UDP;
                p = udpNamed[rnd.nextInt(udpNamed.length)];
            } else if (u < 0.75) {
                proto = TCP;
                p = tcpNamed[rnd.nextInt(tcpNamed.length)];
            } else {
                proto = TCP; // an in-house service on any port: TCP's handshake tells client and server apart
                p = 1024 + rnd.nextInt(65536 - 1024);
            }
            if (!taken[key(proto, p)]) {
                n = add(n, proto, p, taken);
            }
        }
        for (int r = 0; r < size; r++) {
            servers[r] = r < 8 ? 4 : 1 + r % 3;
        }
        cumulative = new double[size];
        double sum = 0;
        for (int r = 0; r < size; r++) {
            sum += 1.0 / (r + 1);
            cumulative[r] = sum;
        }
        for (int r = 0; r < size; r++) {
            cumulative[r] /= sum;
        }
        clientPorts = clientPorts();
    }

    private int add(int n, int proto, int p, boolean[] taken) {
        protocol[n] = proto;
        port[n] = p;
        taken[key(proto, p)] = true;
        return n + 1;
    }

    int size() {
        return port.length;
    }

    /** The rank drawn for a uniform u in [0, 1). */
    int sample(double u) {
        int i = Arrays.binarySearch(cumulative, u);
        int r = i >= 0 ? i + 1 : -i - 1;
        return Math.min(r, cumulative.length - 1);
    }

    static int key(int proto, int port) {
        return (proto == TCP ? 0 : 1 << 16) | port;
    }

    /** A UDP server port must be one portwatch recognises as the server's: below 1024 or named by IANA. */
    private static boolean udpServerIsClear(int proto, int p) {
        return proto != UDP || p < 1024 || IanaServices.isServicePort(UDP, p);
    }

    private static int[] namedPorts(int proto) {
        int[] out = new int[65536];
        int n = 0;
        for (int p = 1024; p < 65536; p++) {
            if (IanaServices.isServicePort(proto, p)) {
                out[n++] = p;
            }
        }
        for (int p = 1; p < 1024 && proto == UDP; p++) {
            out[n++] = p; // below 1024 is a server port whatever its name
        }
        return Arrays.copyOf(out, n);
    }

    private static int[] clientPorts() {
        int[] out = new int[65536];
        int n = 0;
        for (int p = 1024; p < 65536; p++) {
            if (!IanaServices.isServicePort(TCP, p) && !IanaServices.isServicePort(UDP, p)) {
                out[n++] = p;
            }
        }
        return Arrays.copyOf(out, n);
    }
}
