package io.portwatch.bench;

import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.flow.Hash64;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Two captures of spoofed TCP SYNs to port 80 of hosts in 10.1.0.0/16, one flow each, for the
 * {@code hashflood} phase of {@code bench/run} (issue 14, item 3):
 * <ul>
 *   <li>{@code hashflood-crafted-…pcap}: SYNs an attacker chose against the flow table's hash before
 *   it had a secret key (commit 9f9fb7f and earlier: MurmurHash3's finalizer of the 5-tuple, {@link
 *   #oldHash}), so that every flow has the same home slot, whatever the table's size up to 2^24 slots;
 *   <li>{@code hashflood-random-…pcap}: the same number of SYNs from random sources and ports to random
 *   hosts of the same /16, with the same timing and frame sizes.
 * </ul>
 * Crafting inverts the hash as the attacker did: fix the hash's top 24 bits (they choose the home slot),
 * draw its low 40 bits and a source port, undo the finalizer ({@link Hash64#unmix64}) and the port term,
 * and keep the address pair only when one of the two lies in 10.1.0.0/16 (an attacker outside reaches
 * that network and spoofs the other address). About one pair in 65,536 qualifies, so the search tries
 * billions of hashes: it runs on every processor, in chunks whose random streams are split from the
 * seed up front, so the file is the same whatever the number of threads.
 *
 * <pre>
 * java -cp bench/target/portwatch-bench.jar io.portwatch.bench.HashFloodCapture [--syns 100k] [--seed 1]
 *     [--threads N] [--dir bench/data]
 * </pre>
 *
 * Files are written under temporary names and renamed when complete, so a file that exists is whole.
 * Prints one line per file. Exit status 0, 2 for bad usage, 1 when a file cannot be written.
 */
public final class HashFloodCapture {

    /** The multiplier of the port and protocol word in the old hash. */
    static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;
    /** The targets: 10.1.0.0/16, as its top 16 bits. */
    static final int NET16 = 0x0A01;
    static final int DST_PORT = 80;
    static final long GAP_NANOS = 10_000;
    static final int SNAPLEN = 128;
    /** The top 24 bits every crafted hash shares: below 2^24 slots, one home slot for all. */
    static final long TOP = 0x5A_C3_17L << 40;
    static final long TOP_MASK = 0xFFFF_FFL << 40;

    private static final long LOW32 = 0xFFFF_FFFFL;
    /** Independent random streams of the search: the same output whatever the number of threads. */
    private static final int CHUNKS = 64;
    private static final long CLIENT_MAC = 0x0200_1E00_0002L;
    private static final long ROUTER_MAC = 0x0200_5E00_0001L;

    private HashFloodCapture() {
    }

    /**
     * The flow table's hash of an IPv4 5-tuple before it was keyed (FlowTable.exactHash at 9f9fb7f):
     * the same both ways, public, and invertible.
     *
     * @param a     one address, unsigned 32 bits
     * @param b     the other address
     */
    static long oldHash(long a, long b, int aPort, int bPort, int proto) {
        long addresses = Math.min(a, b) << 32 | Math.max(a, b);
        long rest = ((long) Math.min(aPort, bPort) << 16) | Math.max(aPort, bPort) | ((long) (proto & 0xFF) << 32);
        return Hash64.fmix64(addresses ^ rest * GOLDEN);
    }

    /** The old table's home slot of a hash in a table of {@code capacity} slots. */
    static int oldHome(long hash, int capacity) {
        return (int) (((hash >>> 32) * capacity) >>> 32);
    }

    /** One SYN packed in a long: source address (32 bits), the target's low 16 bits, the source port. */
    static long pack(long src, int dstLow, int srcPort) {
        return (src & LOW32) << 32 | (long) (dstLow & 0xFFFF) << 16 | (srcPort & 0xFFFF);
    }

    static int src(long syn) {
        return (int) (syn >>> 32);
    }

    static int dst(long syn) {
        return NET16 << 16 | (int) (syn >>> 16) & 0xFFFF;
    }

    static int srcPort(long syn) {
        return (int) syn & 0xFFFF;
    }

    private static int randomPort(SplittableRandom rnd) {
        return 1024 + rnd.nextInt(65_536 - 1024);
    }

    /**
     * Searches {@code n} SYNs whose old hashes share their top 24 bits; adds the hashes tried to
     * {@code tries[0]}.
     */
    static long[] search(SplittableRandom rnd, int n, long[] tries) {
        long[] out = new long[n];
        int k = 0;
        long t = 0;
        while (k < n) {
            int sport = randomPort(rnd);
            // the port term: the lower port (80) in bits 16-31, the higher below, TCP in bits 32-39
            long rest = ((long) DST_PORT << 16 | sport | (long) DecodedPacket.PROTO_TCP << 32) * GOLDEN;
            for (int i = 0; i < 4096 && k < n; i++) {
                t++;
                long addresses = Hash64.unmix64(TOP | rnd.nextLong() >>> 24) ^ rest;
                long a = addresses >>> 32;
                long b = addresses & LOW32;
                if (a >= b) {
                    continue; // the old hash's word puts the lower of two different addresses first
                }
                if (a >>> 16 == NET16) {
                    out[k++] = pack(b, (int) a, sport);
                } else if (b >>> 16 == NET16) {
                    out[k++] = pack(a, (int) b, sport);
                }
            }
        }
        tries[0] += t;
        return out;
    }

    /** {@code n} distinct crafted SYNs, searched on {@code threads} threads; {@code tries[0]}: hashes tried. */
    static long[] crafted(int n, long seed, int threads, long[] tries) {
        SplittableRandom root = new SplittableRandom(seed ^ 0xC4AF_7EDL);
        List<SplittableRandom> streams = new ArrayList<>();
        for (int c = 0; c < CHUNKS; c++) {
            streams.add(root.split());
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        List<Future<long[]>> parts = new ArrayList<>();
        long[][] partTries = new long[CHUNKS][1];
        try {
            for (int c = 0; c < CHUNKS; c++) {
                final int chunk = c;
                final int size = n / CHUNKS + (c < n % CHUNKS ? 1 : 0);
                parts.add(pool.submit(() -> search(streams.get(chunk), size, partTries[chunk])));
            }
            Set<Long> seen = new HashSet<>(2 * n);
            long[] out = new long[n];
            int k = 0;
            for (Future<long[]> f : parts) {
                for (long syn : f.get()) {
                    if (seen.add(syn)) {
                        out[k++] = syn;
                    }
                }
            }
            while (k < n) { // a 5-tuple drawn twice: almost never
                for (long syn : search(root, 1, tries)) {
                    if (seen.add(syn)) {
                        out[k++] = syn;
                    }
                }
            }
            for (long[] t : partTries) {
                tries[0] += t[0];
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code n} distinct SYNs from random sources and ports to random hosts of the same /16. */
    static long[] random(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x4A4D_0F1L);
        Set<Long> seen = new HashSet<>(2 * n);
        long[] out = new long[n];
        int k = 0;
        while (k < n) {
            long syn = pack(rnd.nextInt(), rnd.nextInt(1 << 16), randomPort(rnd));
            if (seen.add(syn)) {
                out[k++] = syn;
            }
        }
        return out;
    }

    /** Writes the SYNs as Ethernet/IPv4/TCP frames, {@link #GAP_NANOS} apart. */
    static void write(long[] syns, long seed, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5E0L);
        FrameWriter f = new FrameWriter();
        f.srcMac = ROUTER_MAC;
        f.dstMac = CLIENT_MAC;
        f.protocol = DecodedPacket.PROTO_TCP;
        f.tcpFlags = DecodedPacket.TCP_SYN;
        f.dstPort = DST_PORT;
        try (PcapWriter w = new PcapWriter(tmp, SNAPLEN, LinkType.ETHERNET)) {
            long ts = CaptureGenerator.BASE_NANOS;
            for (int i = 0; i < syns.length; i++) {
                f.src4 = src(syns[i]);
                f.dst4 = dst(syns[i]);
                f.srcPort = srcPort(syns[i]);
                f.ipId = i;
                f.seq = rnd.nextInt();
                int wire = f.build(SNAPLEN);
                w.onPacket(LinkType.ETHERNET, ts, f.buffer(), 0, Math.min(SNAPLEN, wire), wire);
                ts += GAP_NANOS;
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code DIR/hashflood-crafted-n100000-s1.pcap}; kind is crafted or random. */
    static Path file(Path dir, String kind, int n, long seed) {
        return dir.resolve(String.format(Locale.ROOT, "hashflood-%s-n%d-s%d.pcap", kind, n, seed));
    }

    public static void main(String[] args) {
        int n = 100_000;
        long seed = 1;
        int threads = Runtime.getRuntime().availableProcessors();
        Path dir = Path.of("bench", "data");
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    System.out.println("usage: HashFloodCapture [--syns N] [--seed S] [--threads N] [--dir DIR]"
                            + "   (N may end in k or M)");
                    return;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--syns" -> n = (int) Math.min(Integer.MAX_VALUE, GenerateCapture.count(v));
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--threads" -> threads = (int) GenerateCapture.count(v);
                    case "--dir" -> dir = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (n < 1 || n > 10_000_000 || threads < 1) {
                throw new IllegalArgumentException("--syns must be 1 to 10M, --threads positive");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("HashFloodCapture: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path crafted = file(dir, "crafted", n, seed);
        Path random = file(dir, "random", n, seed);
        try {
            Files.createDirectories(dir);
            long t0 = System.nanoTime();
            long[] tries = new long[1];
            write(crafted(n, seed, threads, tries), seed, crafted);
            System.out.printf(Locale.ROOT, "%s: %,d SYNs whose old hashes share their top 24 bits (0x%06x), %,d"
                            + " hashes tried on %d threads, %.1f s%n", crafted, n, TOP >>> 40, tries[0], threads,
                    (System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            write(random(n, seed), seed, random);
            System.out.printf(Locale.ROOT, "%s: %,d random SYNs, %.1f s%n", random, n, (System.nanoTime() - t0) / 1e9);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("HashFloodCapture: " + dir + ": " + e.getMessage());
            System.exit(1);
        }
    }
}
