package io.portwatch.bench.fleet;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the machine was over an interval: the cores' busy time from /proc/stat (everything that ran,
 * the other builds on a shared machine too), this JVM's CPU time (the broker, the load and the consumers),
 * and the load averages at both ends.
 */
final class MachineLoad {

    private final long busyTicks;
    private final long totalTicks;
    private final double selfCpu;
    private final String loadavg;
    private final long nanos;

    private MachineLoad(long busyTicks, long totalTicks, double selfCpu, String loadavg, long nanos) {
        this.busyTicks = busyTicks;
        this.totalTicks = totalTicks;
        this.selfCpu = selfCpu;
        this.loadavg = loadavg;
        this.nanos = nanos;
    }

    static MachineLoad now() {
        long busy = 0;
        long total = 0;
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0); // cpu user nice system idle iowait ...
            String[] f = cpu.trim().split("\\s+");
            for (int i = 1; i < f.length && i <= 8; i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i != 4 && i != 5) {
                    busy += v;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figures
        }
        return new MachineLoad(busy, total, selfCpuSeconds(), loadavg(), System.nanoTime());
    }

    static double selfCpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    String loadavgText() {
        return loadavg;
    }

    /** Busy cores on average since {@code start} (0 to the number of processors). */
    double busyCoresSince(MachineLoad start) {
        long total = totalTicks - start.totalTicks;
        int cores = Runtime.getRuntime().availableProcessors();
        return total <= 0 ? Double.NaN : cores * (double) (busyTicks - start.busyTicks) / total;
    }

    /** This JVM's CPU seconds since {@code start}. */
    double selfCpuSince(MachineLoad start) {
        return selfCpu - start.selfCpu;
    }

    double secondsSince(MachineLoad start) {
        return (nanos - start.nanos) / 1e9;
    }
}
