package io.portwatch.bench;

/**
 * Settings of a synthetic capture made by {@link CaptureGenerator}. The same settings always make the
 * same capture, byte for byte.
 *
 * @param packets           frames to write
 * @param seed              seed of every random choice
 * @param concurrency       sessions open at once (each open session has a packet due about every
 *                          {@code concurrency / ratePps} seconds)
 * @param ratePps           packets per second of capture time
 * @param snaplen           bytes kept of each frame, at least 80 (the original length is kept in the record)
 * @param ipv6Share         share of client hosts that speak IPv6 (0 to 1)
 * @param vlanShare         share of client hosts behind an 802.1Q tag (0 to 1)
 * @param sessionsPerClient sessions each client host opens (client address and port follow from the
 *                          session number, so that every 5-tuple is unique)
 * @param servicePorts      distinct (transport, server port) pairs in the Zipf-like mix
 */
public record GeneratorConfig(long packets, long seed, int concurrency, long ratePps, int snaplen,
                              double ipv6Share, double vlanShare, int sessionsPerClient, int servicePorts) {

    /** The longest a session waits between two of its packets, as a multiple of the mean gap. */
    static final double MAX_GAP_FACTOR = 1.5;
    /** Gaps must stay well under portwatch's shortest timeout that could split a flow (5 s after FIN/RST). */
    static final long MAX_GAP_NANOS = 4_000_000_000L;

    public GeneratorConfig {
        if (packets < 1) {
            throw new IllegalArgumentException("packets must be at least 1: " + packets);
        }
        if (concurrency < 1 || concurrency > 10_000_000) {
            throw new IllegalArgumentException("concurrency must be 1 to 10,000,000: " + concurrency);
        }
        if (ratePps < 1 || ratePps > 1_000_000_000L) {
            throw new IllegalArgumentException("rate must be 1 to 1e9 packets per second: " + ratePps);
        }
        if (snaplen < 80 || snaplen > 65535) {
            // 80 keeps every header portwatch reads: Ethernet, 802.1Q, IPv6, TCP without options
            throw new IllegalArgumentException("snaplen must be 80 to 65535: " + snaplen);
        }
        if (!(ipv6Share >= 0 && ipv6Share <= 1) || !(vlanShare >= 0 && vlanShare <= 1)) {
            throw new IllegalArgumentException("shares must be 0 to 1");
        }
        if (sessionsPerClient < 1 || sessionsPerClient > 30_000) {
            throw new IllegalArgumentException("sessions per client must be 1 to 30,000: " + sessionsPerClient);
        }
        if (servicePorts < 1 || servicePorts > 20_000) {
            throw new IllegalArgumentException("service ports must be 1 to 20,000: " + servicePorts);
        }
        if (MAX_GAP_FACTOR * concurrency * 1e9 / ratePps > MAX_GAP_NANOS) {
            throw new IllegalArgumentException(String.format(
                    "concurrency %d at %d packets/s spaces a session's packets up to %.1f s apart; keep it under"
                            + " %d s (raise --rate or lower --concurrency)",
                    concurrency, ratePps, MAX_GAP_FACTOR * concurrency / ratePps, MAX_GAP_NANOS / 1_000_000_000L));
        }
    }

    /** 5M packets, seed 1, 200k concurrent sessions at 1M packets/s, snaplen 128, 15% IPv6, 10% VLAN. */
    public static GeneratorConfig defaults() {
        return new GeneratorConfig(5_000_000, 1, 200_000, 1_000_000, 128, 0.15, 0.10, 32, 1000);
    }

    public GeneratorConfig withPackets(long n) {
        return new GeneratorConfig(n, seed, concurrency, ratePps, snaplen, ipv6Share, vlanShare, sessionsPerClient,
                servicePorts);
    }

    public GeneratorConfig withSeed(long s) {
        return new GeneratorConfig(packets, s, concurrency, ratePps, snaplen, ipv6Share, vlanShare, sessionsPerClient,
                servicePorts);
    }

    public GeneratorConfig withConcurrency(int c) {
        return new GeneratorConfig(packets, seed, c, ratePps, snaplen, ipv6Share, vlanShare, sessionsPerClient,
                servicePorts);
    }

    public GeneratorConfig withRate(long pps) {
        return new GeneratorConfig(packets, seed, concurrency, pps, snaplen, ipv6Share, vlanShare, sessionsPerClient,
                servicePorts);
    }

    /** Mean time between two packets of one session, in nanoseconds. */
    public double meanGapNanos() {
        return concurrency * 1e9 / ratePps;
    }

    /** A short name for files made with these settings, e.g. {@code synth-s1-p5000000-c200000-r1000000-l128}. */
    public String fileStem() {
        String stem = "synth-s" + seed + "-p" + packets + "-c" + concurrency + "-r" + ratePps + "-l" + snaplen;
        GeneratorConfig d = defaults();
        if (ipv6Share != d.ipv6Share || vlanShare != d.vlanShare || sessionsPerClient != d.sessionsPerClient
                || servicePorts != d.servicePorts) {
            stem += "-v" + ipv6Share + "-q" + vlanShare + "-h" + sessionsPerClient + "-n" + servicePorts;
        }
        return stem;
    }
}
