package io.portwatch.bench;

import io.portwatch.capture.decode.LinkType;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Writes a synthetic capture and, beside it, the exact counts portwatch should report for it:
 * {@code FILE.pcap} and {@code FILE.expected.json}.
 *
 * <pre>
 * java -cp bench/target/portwatch-bench.jar io.portwatch.bench.GenerateCapture \
 *     [--packets 5M] [--seed 1] [--concurrency 200k] [--rate 1M] [--snaplen 128] [--ipv6 0.15] [--vlan 0.1]
 *     [--sessions-per-client 32] [--ports 1000] [--out FILE.pcap | --dir DIR]
 * </pre>
 *
 * Without {@code --out}, the file is {@code DIR/synth-s<seed>-p<packets>-...pcap} (DIR defaults to
 * {@code bench/data}). Both files are written under temporary names and renamed when complete, so a
 * file that exists is whole. Exit status 0, or 2 for bad usage, 1 when the files cannot be written.
 */
public final class GenerateCapture {

    private GenerateCapture() {
    }

    public static void main(String[] args) {
        GeneratorConfig cfg = GeneratorConfig.defaults();
        Path out = null;
        Path dir = Path.of("bench", "data");
        try {
            long packets = cfg.packets();
            long seed = cfg.seed();
            int concurrency = cfg.concurrency();
            long rate = cfg.ratePps();
            int snaplen = cfg.snaplen();
            double v6 = cfg.ipv6Share();
            double vlan = cfg.vlanShare();
            int perClient = cfg.sessionsPerClient();
            int ports = cfg.servicePorts();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    System.out.println("usage: GenerateCapture [--packets N] [--seed S] [--concurrency N] [--rate PPS]"
                            + " [--snaplen B] [--ipv6 SHARE] [--vlan SHARE] [--sessions-per-client N] [--ports N]"
                            + " [--out FILE.pcap | --dir DIR]   (N may end in k or M)");
                    return;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--packets" -> packets = count(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--concurrency" -> concurrency = (int) count(v);
                    case "--rate" -> rate = count(v);
                    case "--snaplen" -> snaplen = (int) count(v);
                    case "--ipv6" -> v6 = Double.parseDouble(v);
                    case "--vlan" -> vlan = Double.parseDouble(v);
                    case "--sessions-per-client" -> perClient = (int) count(v);
                    case "--ports" -> ports = (int) count(v);
                    case "--out" -> out = Path.of(v);
                    case "--dir" -> dir = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            cfg = new GeneratorConfig(packets, seed, concurrency, rate, snaplen, v6, vlan, perClient, ports);
        } catch (IllegalArgumentException e) {
            System.err.println("GenerateCapture: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (out == null) {
            out = dir.resolve(cfg.fileStem() + ".pcap");
        }
        try {
            long t0 = System.nanoTime();
            TrafficCounts expected = write(cfg, out);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%s: %,d packets, %,d flows, %,d ports, %,d bytes (IP), %.1f s%n",
                    out, expected.packets, expected.flows, expected.ports().size(), expected.bytes, s);
            System.out.println(expectedPath(out));
        } catch (IOException | UncheckedIOException e) {
            System.err.println("GenerateCapture: " + out + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /** {@code x.pcap} to {@code x.expected.json}. */
    public static Path expectedPath(Path capture) {
        String name = capture.getFileName().toString();
        String stem = name.endsWith(".pcap") ? name.substring(0, name.length() - 5) : name;
        return capture.resolveSibling(stem + ".expected.json");
    }

    /** Writes the capture and its expected counts; returns the counts. */
    public static TrafficCounts write(GeneratorConfig cfg, Path capture) throws IOException {
        Path parent = capture.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path expectedFile = expectedPath(capture);
        Path tmpCapture = capture.resolveSibling(capture.getFileName() + ".tmp");
        Path tmpExpected = expectedFile.resolveSibling(expectedFile.getFileName() + ".tmp");
        TrafficCounts expected;
        try (PcapWriter w = new PcapWriter(tmpCapture, cfg.snaplen(), LinkType.ETHERNET)) {
            expected = new CaptureGenerator(cfg).run(w);
        }
        expected.info.put("capture", capture.getFileName().toString());
        try (OutputStream o = Files.newOutputStream(tmpExpected)) {
            expected.write(o);
        }
        Files.move(tmpCapture, capture, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmpExpected, expectedFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return expected;
    }

    /** 5000000, 5M, 200k. */
    static long count(String v) {
        String t = v.trim();
        long mult = 1;
        char last = t.isEmpty() ? ' ' : Character.toLowerCase(t.charAt(t.length() - 1));
        if (last == 'k') {
            mult = 1_000;
        } else if (last == 'm') {
            mult = 1_000_000;
        } else if (last == 'g') {
            mult = 1_000_000_000;
        }
        if (mult != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(t.replace("_", "").replace(",", "")), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a count: " + v);
        }
    }
}
