package io.portwatch.bench.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * bench/run fleet's harness: sensor records per second through the fleet job, and the latency from a window's
 * close to its fleet records. A real broker runs in this JVM ({@link BenchBroker}); {@code portwatch fleet}
 * runs in a process of its own ({@link FleetProcess}); this JVM plays the sensors ({@link SensorLoad}) and the
 * downstream reader ({@link FleetOutputs}). Two runs, each on a fresh broker: {@link ThroughputRun} and
 * {@link LatencyRun}. The figures go to {@code --out} as JSON; bench/run writes the results file from it.
 *
 * <pre>
 * java -cp bench/target/classes:$(cat bench/target/fleet-bench.classpath) io.portwatch.bench.fleet.FleetBench \
 *     --template T.jsonl --launcher app/target/portwatch --out R.json [--mode both|throughput|latency]
 *     [--sensors 5] [--windows 4] [--ports 0] [--partitions 3] [--window 1m] [--grace 30s]
 *     [--latency-sensors 2] [--latency-windows 5] [--warmup-windows 1] [--latency-window 20s]
 *     [--latency-grace 10s] [--plain-repeat 3] [--timeout 10m] [--log-dir DIR] [--kafka-property K=V ...]
 * </pre>
 */
public final class FleetBench {

    /** The run's settings (see the usage above). */
    record Settings(Path template, Path launcher, Path out, Path logDir, String mode, int sensors, int windows,
                    int ports, int partitions, Duration window, Duration grace, int latencySensors,
                    int latencyWindows, int warmupWindows, Duration latencyWindow, Duration latencyGrace,
                    int plainRepeat, Duration timeout, List<String> kafkaProperties) {
    }

    private FleetBench() {
    }

    public static void main(String[] args) throws Exception {
        Settings s;
        try {
            s = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("FleetBench: " + e.getMessage());
            System.exit(2);
            return;
        }
        Files.createDirectories(s.logDir());
        SensorLoad load = new SensorLoad(s.template(), s.ports(), "portwatch.ports", "portwatch.alerts");
        say("template: %s: %,d records, %,d bytes per sensor and window %s", s.template(), load.recordsPerWindow(),
                load.bytesPerWindow(), load.typeCounts());
        Map<String, Object> result = new LinkedHashMap<>();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("sensors", s.sensors());
        settings.put("windows", s.windows());
        settings.put("ports", load.portPackets().size());
        settings.put("partitions", s.partitions());
        settings.put("window_ms", s.window().toMillis());
        settings.put("grace_ms", s.grace().toMillis());
        settings.put("latency_sensors", s.latencySensors());
        settings.put("latency_windows", s.latencyWindows());
        settings.put("warmup_windows", s.warmupWindows());
        settings.put("latency_window_ms", s.latencyWindow().toMillis());
        settings.put("latency_grace_ms", s.latencyGrace().toMillis());
        settings.put("kafka_properties", s.kafkaProperties());
        settings.put("plain_repeat", s.plainRepeat());
        result.put("settings", settings);
        Map<String, Object> template = new LinkedHashMap<>();
        template.put("file", s.template().toString());
        template.put("records_per_window", load.recordsPerWindow());
        template.put("bytes_per_window", load.bytesPerWindow());
        template.put("records_by_type", load.typeCounts());
        result.put("template", template);
        int status = 0;
        if (!s.mode().equals("latency")) {
            Map<String, Object> t = new ThroughputRun(s, load).run();
            result.put("throughput", t);
            status |= verdict("throughput", t);
            say("throughput: %,.0f records/s (%.1f MB/s)", t.get("records_per_s"), t.get("mb_per_s"));
        }
        if (!s.mode().equals("throughput")) {
            Map<String, Object> l = new LatencyRun(s, load).run();
            result.put("latency", l);
            status |= verdict("latency", l);
            say("latency: %s ms", l.get("latency_ms"));
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(s.out().toFile(), result);
        System.exit(status);
    }

    /** Says whether the run's outputs were all as expected; 1 when not. */
    private static int verdict(String run, Map<String, Object> r) {
        List<?> problems = (List<?>) r.get("problems");
        say("%s: %s", run, problems.isEmpty() ? "every output as expected" : "PROBLEMS " + problems);
        return problems.isEmpty() ? 0 : 1;
    }

    static String sensor(int i) {
        return String.format(Locale.ROOT, "sensor-%02d", i + 1);
    }

    static void say(String fmt, Object... args) {
        System.out.println(String.format(Locale.ROOT, fmt, args));
        System.out.flush();
    }

    private static Settings parse(String[] args) {
        Map<String, String> v = new LinkedHashMap<>();
        List<String> props = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --OPTION VALUE, got " + a);
            }
            if (a.equals("--kafka-property")) {
                props.add(args[++i]);
            } else {
                v.put(a.substring(2), args[++i]);
            }
        }
        for (String required : List.of("template", "launcher", "out")) {
            if (!v.containsKey(required)) {
                throw new IllegalArgumentException("--" + required + " is required");
            }
        }
        String mode = v.getOrDefault("mode", "both");
        if (!List.of("both", "throughput", "latency").contains(mode)) {
            throw new IllegalArgumentException("--mode must be both, throughput or latency");
        }
        int sensors = positive(v, "sensors", "5");
        Settings s = new Settings(Path.of(v.remove("template")), Path.of(v.remove("launcher")),
                Path.of(v.remove("out")), Path.of(v.getOrDefault("log-dir", ".")), mode, sensors,
                positive(v, "windows", "4"), Integer.parseInt(v.getOrDefault("ports", "0")),
                positive(v, "partitions", "3"), duration(v.getOrDefault("window", "1m")),
                duration(v.getOrDefault("grace", "30s")),
                positive(v, "latency-sensors", "2"), positive(v, "latency-windows", "5"),
                Integer.parseInt(v.getOrDefault("warmup-windows", "1")),
                duration(v.getOrDefault("latency-window", "20s")), duration(v.getOrDefault("latency-grace", "10s")),
                positive(v, "plain-repeat", "3"), duration(v.getOrDefault("timeout", "10m")), List.copyOf(props));
        for (String k : v.keySet()) {
            if (!List.of("log-dir", "mode", "sensors", "windows", "ports", "partitions", "window", "grace",
                    "latency-sensors", "latency-windows", "warmup-windows", "latency-window", "latency-grace",
                    "plain-repeat", "timeout").contains(k)) {
                throw new IllegalArgumentException("unknown option --" + k);
            }
        }
        if (s.ports() < 0 || s.warmupWindows() < 0 || s.grace().compareTo(s.window()) > 0) {
            throw new IllegalArgumentException("--ports and --warmup-windows must not be negative, --grace at most"
                    + " --window (windows close as the next one's records come)");
        }
        return s;
    }

    private static int positive(Map<String, String> v, String name, String dflt) {
        int n;
        try {
            n = Integer.parseInt(v.getOrDefault(name, dflt));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, not " + v.get(name));
        }
        if (n < 1) {
            throw new IllegalArgumentException("--" + name + " must be positive");
        }
        return n;
    }

    /** 500ms, 10s, 1m. */
    static Duration duration(String text) {
        String t = text.trim();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            switch (t.charAt(t.length() - 1)) {
                case 's': return Duration.ofSeconds(n);
                case 'm': return Duration.ofMinutes(n);
                case 'h': return Duration.ofHours(n);
                default: break;
            }
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            // below
        }
        throw new IllegalArgumentException("not a duration (500ms, 10s, 1m): " + text);
    }
}
