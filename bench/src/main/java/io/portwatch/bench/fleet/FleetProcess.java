package io.portwatch.bench.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code portwatch fleet} in a process of its own, as users run it (the build's launcher, app/target/portwatch),
 * its standard output and error to a log file. Its own process, so that what the fleet job costs (CPU time,
 * resident memory) is read apart from the broker and the load, from /proc.
 */
final class FleetProcess implements AutoCloseable {

    private final Process process;
    private final List<String> command;
    private final Path log;

    FleetProcess(Path launcher, String bootstrap, String applicationId, Duration window, Duration grace, Path stateDir,
                 List<String> kafkaProperties, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "fleet", "--kafka", bootstrap,
                "--window", window.toMillis() + "ms", "--grace", grace.toMillis() + "ms",
                "--application-id", applicationId, "--state-dir", stateDir.toString()));
        for (String p : kafkaProperties) {
            cmd.add("--kafka-property");
            cmd.add(p);
        }
        this.command = List.copyOf(cmd);
        this.log = log;
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
    }

    List<String> command() {
        return command;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** CPU time (user and system, every thread) so far, seconds. */
    double cpuSeconds() {
        return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** Peak resident set size so far (VmHWM), MiB; NaN when it cannot be read. */
    double peakRssMib() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone, or not Linux
        }
        return Double.NaN;
    }

    /** The last lines of its log, for an error message. */
    String logTail() {
        try {
            List<String> l = Files.readAllLines(log);
            return String.join("\n", l.subList(Math.max(0, l.size() - 20), l.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, as a service manager stops it; its exit status (-1 when it had to be killed). */
    int stop() throws InterruptedException {
        process.destroy();
        if (process.waitFor(60, TimeUnit.SECONDS)) {
            return process.exitValue();
        }
        process.destroyForcibly().waitFor();
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
