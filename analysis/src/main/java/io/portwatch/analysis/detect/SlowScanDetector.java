package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.Transport;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.flow.HashKey;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Scans slower than the scan window: a random walk over each source's first TCP contacts with distinct
 * (target, port) pairs, kept over {@link DetectConfig#slowWindowNanos()} (1 h) instead of the scan window.
 * A vertical scan with probes a minute apart never holds more than five failed ports in one 5 min window,
 * and the walk of {@link TrwDetector}, over hosts, sees one host; over pairs, each probe is a first
 * contact. The steps are TRW's (+ln 4 a failure, -ln 4 an answer; back to 0 at its lower bound), the
 * upper bound stricter: PF = 10<sup>-5</sup> instead of 0.01, nine failed pairs more than answered
 * ones, since the walk runs twelve times longer; and the evidence must span more than the scan window, so
 * that a burst the scan window's thresholds leave alone stays alone. A source the fast detectors flagged
 * (a vertical or horizontal scan, TRW) is not reported again by this walk until its window ends.
 *
 * <p>Memory: the strongest {@link DetectConfig#slowSources()} sources. When a new source would pass the
 * bound, the weakest of {@value #SAMPLE} entries drawn at random gives way only if a {@link FailureSketch} of
 * every source's recent failures, its noise taken off, counts more for the new source than the weakest has
 * (TinyLFU's admission); else the new source is not followed; both are counted as evictions. A flood of
 * random sources with one failure each so displaces its own kind, not a slow scanner, which gets in once
 * its recent failures stand out of the sketch's noise (its first probes are then not in its evidence; at
 * 625 to 1,250 new failing sources a second, a scan a probe a minute was still found; at 2,500, not:
 * bench/results/memory-2026-12-07-2.md). Each source keeps at most {@value #PAIRS} pairs told apart (past
 * it, every pair counts as new) and the table is bounded by bytes too (least recently used evicted). Only
 * TCP: a P2P-like UDP client fails on many peers over an hour without scanning. Single writer.
 */
final class SlowScanDetector {

    static final double UPPER = Math.log(TrwDetector.PD / 1e-5);
    static final int PAIRS = 256;
    static final int SAMPLE = 8;
    private static final int PORT_SAMPLE = 20;
    private static final int OPEN_LIST = 50;
    private static final HashKey PAIR_KEY = HashKey.RUN.derive(0x736C_6F77L);

    private final DetectConfig cfg;
    private final Episode.Reporter reporter;
    private final LruTable<Trail> trails;
    private final long horizon;
    private final SplittableRandom random = new SplittableRandom();
    private final FailureSketch failures;
    /** New sources not admitted: the sketch counted no more failures for them than for the weakest kept. */
    private long rejected;

    private final AnswerCache answers;

    /** @param answers the ports answered before a source's first failure (read, not written) */
    SlowScanDetector(DetectConfig cfg, Episode.Reporter reporter, long bytes, AnswerCache answers) {
        this.answers = answers;
        this.cfg = cfg;
        this.reporter = reporter;
        this.horizon = cfg.slowWindowNanos();
        this.failures = new FailureSketch(bytes / 4);
        this.trails = new LruTable<>(Integer.MAX_VALUE, bytes - failures.bytes(), reporter::report);
    }

    /**
     * The outcome of a TCP contact from s to d:port.
     *
     * @param flagged whether a fast detector has the source flagged in its window (then this walk is quiet)
     */
    void contact(long sHi, long sLo, long dHi, long dLo, int port, boolean success, int kind, boolean flagged,
                 long t) {
        Trail e = trails.isEmpty() && success ? null : trails.get(sHi, sLo, 0, 0, 0);
        final int count = success ? 0 : failures.add(sHi, sLo);
        boolean fresh = false;
        if (e != null && e.over(t, horizon)) {
            reporter.report(e);
            e.reset(t);
            fresh = !success;
        }
        if (e == null) {
            if (success) {
                return;
            }
            final int prior = Math.max(1, count - failures.noise());
            if (trails.size() >= cfg.slowSources() && !admit(prior)) {
                rejected++;
                return;
            }
            e = trails.add(sHi, sLo, 0, 0, 0, new Trail(t, horizon));
            e.prior = prior;
            e.priorEpoch = failures.epoch();
            fresh = true;
        }
        if (fresh) { // the ports this target answered before: first contacts of the walk too
            final Trail trail = e;
            answers.read(DecodedPacket.PROTO_TCP, sHi, sLo, dHi, dLo, t - horizon,
                    (p, k, at) -> step(trail, dHi, dLo, p, true, k, at));
        }
        if (flagged) {
            e.status = Episode.REPORTED; // the fast detectors reported it, or will
        }
        if (step(e, dHi, dLo, port, success, kind, t)
                && e.status == Episode.COUNTING && e.llr >= UPPER - 1e-9 && e.last - e.first > cfg.windowNanos()) {
            reporter.pend(e);
        }
        trails.update(e);
    }

    /** A contact's step of the walk; false when it is not a first contact with its pair. */
    private static boolean step(Trail e, long dHi, long dLo, int port, boolean success, int kind, long t) {
        if (!e.pairs.add(PAIR_KEY.hash(dHi, dLo, port), port)) {
            return false;
        }
        e.touch(t, kind);
        int v = PortSet.value(DecodedPacket.PROTO_TCP, port);
        if (success) {
            e.answered++;
            e.open.add(v);
        } else {
            e.failed++;
            e.failedPorts.add(v);
            e.target(dHi, dLo);
        }
        e.llr += success ? TrwDetector.STEP_SUCCESS : TrwDetector.STEP_FAILURE;
        if (e.llr <= TrwDetector.LOWER + 1e-9) {
            e.llr = 0; // benign for now: the walk starts again
        }
        return true;
    }

    /** Whether the source has a slow walk (tests). */
    boolean follows(long sHi, long sLo) {
        return trails.get(sHi, sLo, 0, 0, 0) != null;
    }

    /**
     * Makes room for a new source whose recent failures the sketch counts {@code prior}, its noise taken off
     * (TinyLFU's admission): of a few entries drawn at random, the weakest (the fewest failures, counting those
     * the sketch knew of when it was admitted, halved each time the sketch ages; then the lowest ratio, then
     * the least recently active) is evicted if the new source has more; else the new source is not followed.
     * The victims' strength is their own, not the sketch's estimate now: drawn and compared by the sketch, the
     * table keeps the sources whose counters the flood happened to fill most, against which a slow scanner
     * cannot win (measured: bench/results/memory-2026-12-07-2.md).
     */
    private boolean admit(int prior) {
        final int epoch = failures.epoch();
        Trail victim = null;
        long weakest = 0;
        int limit = trails.idLimit();
        for (int tries = 0, found = 0; tries < 4 * SAMPLE && found < SAMPLE; tries++) {
            Trail e = trails.atId(random.nextInt(limit));
            if (e == null) {
                continue;
            }
            found++;
            long s = e.strength(epoch);
            if (victim == null || s < weakest || (s == weakest
                    && (e.llr < victim.llr || (e.llr == victim.llr && e.last < victim.last)))) {
                victim = e;
                weakest = s;
            }
        }
        if (victim == null || weakest >= prior) {
            return false;
        }
        trails.evictEntry(victim);
        return true;
    }

    void expire(long now) {
        trails.expire(e -> e.over(now, horizon));
    }

    long bytes() {
        return trails.bytes() + failures.bytes();
    }

    /** Sources evicted, and new sources not admitted. */
    long evictions() {
        return trails.evictions() + rejected;
    }

    int entries() {
        return trails.size();
    }

    /** One source's slow walk. Key: the source. */
    static final class Trail extends Episode {
        private final long horizon;
        HostSet pairs;
        /** Distinct targets of failed pairs: the first in full, a set once there is a second. */
        long tHi;
        long tLo;
        HostSet targets;
        PortSet failedPorts;
        PortSet open;
        long failed;
        long answered;
        double llr;
        /** Failures the sketch knew of (its noise taken off) when the source was admitted, this one included. */
        int prior = 1;
        /** The sketch's {@link FailureSketch#epoch()} then: the prior halves as the sketch's counters do. */
        int priorEpoch;

        Trail(long t, long horizon) {
            this.horizon = horizon;
            reset(t);
        }

        @Override
        void reset(long t) {
            super.reset(t);
            pairs = new HostSet(PAIRS);
            targets = null;
            tHi = 0;
            tLo = 0;
            failedPorts = new PortSet();
            open = new PortSet();
            failed = 0;
            answered = 0;
            llr = 0;
            prior = 1;
        }

        /** Failures to rank it by: those the walk counted, and those the sketch knew of before, aged as the sketch. */
        long strength(int epoch) {
            return Math.max(1, prior >> Math.min(31, epoch - priorEpoch)) - 1 + failed;
        }

        void target(long hi, long lo) {
            if (failed == 1) {
                tHi = hi;
                tLo = lo;
            } else if (targets == null && (hi != tHi || lo != tLo)) {
                targets = new HostSet(PAIRS);
                targets.add(tHi, tLo);
            }
            if (targets != null) {
                targets.add(hi, lo);
            }
        }

        /** Its window is the slow scan window, whatever the reporter's. */
        @Override
        boolean over(long now, long window) {
            return now >= windowStart + horizon;
        }

        @Override
        long retainedBytes() {
            return 112 + pairs.retainedBytes() + (targets != null ? targets.retainedBytes() : 0)
                    + failedPorts.retainedBytes() + open.retainedBytes();
        }

        @Override
        Alert alert(String input, long windowNanos) {
            PortSet all = new PortSet();
            for (int x : failedPorts.smallest(Integer.MAX_VALUE)) {
                all.add(x);
            }
            List<String> openPorts = new ArrayList<>();
            for (int x : open.smallest(Integer.MAX_VALUE)) {
                all.add(x);
                if (openPorts.size() < OPEN_LIST) {
                    openPorts.add(PortSet.text(x));
                }
            }
            int[] values = all.smallest(Integer.MAX_VALUE);
            List<String> sample = new ArrayList<>(PORT_SAMPLE);
            for (int i = 0; i < Math.min(PORT_SAMPLE, values.length); i++) {
                sample.add(PortSet.text(values[i]));
            }
            boolean one = targets == null;
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("method", "slow_trw");
            d.put("scan_type", Probe.scanType(kinds));
            d.put("probes", Probe.names(kinds & ~Probe.CONNECT));
            d.put("hosts", one ? 1L : targets.count());
            if (!one) {
                d.put("host_sample", targets.sample());
                d.put("host_range", targets.range());
            }
            d.put("ports", values.length);
            d.put("pairs", pairs.count());
            d.put("failed_pairs", failed);
            d.put("answered_pairs", answered);
            d.put("log_likelihood_ratio", round(llr, 3));
            d.put("port_sample", sample);
            if (values.length > 0) {
                d.put("port_range", List.of(PortSet.text(values[0]), PortSet.text(values[values.length - 1])));
            }
            d.put("open_ports", openPorts);
            d.put("first_seen", iso(first));
            d.put("last_seen", iso(last));
            d.put("evidence_seconds", (last - first) / DetectConfig.SECOND);
            d.put("window_seconds", horizon / DetectConfig.SECOND);
            Integer port = all.size() == 1 ? values[0] & 0xFFFF : null;
            return new Alert(input, Alert.Kind.PORT_SCAN, last, HostSet.text(aHi, aLo),
                    one ? HostSet.text(tHi, tLo) : null, Transport.TCP, port,
                    openPorts.isEmpty() ? Alert.Severity.MEDIUM : Alert.Severity.HIGH, d);
        }
    }
}
