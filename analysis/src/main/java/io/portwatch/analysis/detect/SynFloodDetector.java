package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.ports.CounterSettings;
import io.portwatch.analysis.ports.DistinctCounter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * SYN floods: per server address and TCP port, SYNs (without ACK) from clients and handshakes
 * completed, in tumbling windows aligned on packet time. A window with at least the flood rate times
 * its length in SYNs, of which at most the flood ratio completed, is a flood. One alert per flood:
 * a target stays flooded while window after window is a flood, and only a window below the
 * thresholds ends it. A scan sends one or two SYNs to each port, and a busy server completes its
 * handshakes, so neither is a flood. Single writer.
 */
final class SynFloodDetector {

    /** The limits of each target's distinct sources, shared by the targets: exact up to 64, then 1,024 registers. */
    private static final CounterSettings SOURCES = new CounterSettings(64, 10);

    private final DetectConfig cfg;
    private final String input;
    private final Consumer<Alert> out;
    private final LruTable<Target> targets;
    private final long window;
    private final long minSyns;
    private long bucketStart = Long.MIN_VALUE;
    private long bucketEnd = Long.MIN_VALUE;

    SynFloodDetector(DetectConfig cfg, String input, Consumer<Alert> out, long bytes) {
        this.cfg = cfg;
        this.input = input;
        this.out = out;
        this.window = cfg.floodWindowNanos();
        this.minSyns = cfg.floodMinSyns();
        this.targets = new LruTable<>(Integer.MAX_VALUE, bytes, t -> { });
    }

    /** A client SYN (without ACK) to server s:port. */
    void syn(long cHi, long cLo, long sHi, long sLo, int port, long t) {
        roll(t);
        Target x = targets.get(sHi, sLo, 0, 0, port);
        if (x == null) {
            x = targets.add(sHi, sLo, 0, 0, port, new Target());
        }
        if (x.syns == 0) {
            x.firstSyn = t;
        }
        x.syns++;
        if (t > x.lastSyn) {
            x.lastSyn = t;
        }
        x.srcHi = cHi;
        x.srcLo = cLo;
        if (x.sources == null) {
            x.sources = new DistinctCounter(SOURCES);
        }
        x.sources.add(cHi, cLo);
        if (x.sources.retainedBytes() != x.sourceBytes) {
            x.sourceBytes = x.sources.retainedBytes();
            targets.update(x);
        }
    }

    /** A handshake to server s:port completed. */
    void established(long sHi, long sLo, int port, long t) {
        roll(t);
        if (targets.isEmpty()) {
            return;
        }
        Target x = targets.get(sHi, sLo, 0, 0, port);
        if (x != null) {
            x.completed++;
        }
    }

    /** Closes the window if {@code now} is past it. */
    void roll(long now) {
        if (now < bucketEnd) {
            return;
        }
        if (bucketEnd != Long.MIN_VALUE) {
            evaluate();
        }
        bucketStart = Math.floorDiv(now, window) * window;
        bucketEnd = bucketStart + window;
    }

    /** The input ended: the open window is judged as it is. */
    void finish() {
        if (bucketEnd != Long.MIN_VALUE) {
            evaluate();
        }
        bucketEnd = Long.MIN_VALUE;
    }

    private void evaluate() {
        for (Target x : targets.values()) {
            boolean flood = x.syns >= minSyns && x.completed <= cfg.floodRatio() * x.syns;
            if (flood && !x.flooding) {
                out.accept(x.alert(input, cfg, window));
            }
            x.flooding = flood;
            x.syns = 0;
            x.completed = 0;
            if (x.sources != null) {
                x.sources.clear();
            }
        }
        targets.expire(x -> !x.flooding);
    }

    long bytes() {
        return targets.bytes();
    }

    long evictions() {
        return targets.evictions();
    }

    int entries() {
        return targets.size();
    }

    /** One server port's window. Key: server address, port. */
    static final class Target extends LruTable.Entry {
        long syns;
        long completed;
        long firstSyn;
        long lastSyn;
        long srcHi;
        long srcLo;
        DistinctCounter sources;
        long sourceBytes;
        boolean flooding;

        @Override
        long retainedBytes() {
            return 88 + (sources != null ? 64 + sources.retainedBytes() : 0);
        }

        Alert alert(String input, DetectConfig cfg, long window) {
            // an estimate past the exact limit may land above the truth, never above the SYNs it counts
            long nSources = sources == null ? 0 : Math.min(sources.estimate(), syns);
            double span = Math.max(1.0, (lastSyn - firstSyn) / (double) DetectConfig.SECOND);
            double rate = syns / span;
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("syns", syns);
            d.put("completed", completed);
            d.put("completion_ratio", Episode.round(syns == 0 ? 0 : completed / (double) syns, 3));
            d.put("syn_rate", Episode.round(rate, 1));
            d.put("sources", nSources);
            d.put("sources_exact", sources == null || sources.isExact());
            d.put("first_seen", Episode.iso(firstSyn));
            d.put("last_seen", Episode.iso(lastSyn));
            d.put("window_seconds", window / DetectConfig.SECOND);
            boolean one = nSources == 1 && sources.isExact();
            return new Alert(input, Alert.Kind.SYN_FLOOD, lastSyn, one ? HostSet.text(srcHi, srcLo) : null,
                    HostSet.text(aHi, aLo), Transport.TCP, n,
                    rate >= 10.0 * cfg.floodRate() ? Alert.Severity.CRITICAL : Alert.Severity.HIGH, d);
        }
    }
}
