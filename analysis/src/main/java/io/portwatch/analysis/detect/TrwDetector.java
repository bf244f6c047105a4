package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.Transport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan, "Fast Portscan Detection Using Sequential
 * Hypothesis Testing", IEEE S&amp;P 2004) over the outcomes of each source's first contacts with
 * distinct hosts over TCP. A first contact succeeds when the host answers other than by a RST (SYN+ACK,
 * data), and fails when it answers by a RST or an ICMP unreachable, or not at all. With the paper's
 * parameters, a benign source's first contacts succeed with probability θ0 = 0.8 and a scanner's with
 * θ1 = 0.2; each success multiplies the likelihood ratio by θ1/θ0 = 1/4 and each failure by
 * (1-θ1)/(1-θ0) = 4. The source is a scanner once the ratio reaches η1 = PD/PF = 99 (PD = 0.99, PF =
 * 0.01), that is four failures more than successes; once it falls to η0 = (1-PD)/(1-PF) the source
 * is benign for now and its walk starts again.
 *
 * <p>A walk starts at a source's first failed first contact and lasts the scan window (so memory goes
 * only to sources that fail; a source whose contacts all succeed would reach the benign bound and
 * start again anyway). Hosts it contacted before that are not known, so a failure to one of them
 * counts as a first contact. One alert per source and window. Single writer.
 */
final class TrwDetector {

    static final double THETA0 = 0.8;
    static final double THETA1 = 0.2;
    static final double PD = 0.99;
    static final double PF = 0.01;
    static final double STEP_SUCCESS = Math.log(THETA1 / THETA0);
    static final double STEP_FAILURE = Math.log((1 - THETA1) / (1 - THETA0));
    static final double UPPER = Math.log(PD / PF);
    static final double LOWER = Math.log((1 - PD) / (1 - PF));

    private static final int CONTACTS = 4096;

    private final DetectConfig cfg;
    private final Episode.Reporter reporter;
    private final LruTable<Walk> walks;

    TrwDetector(DetectConfig cfg, Episode.Reporter reporter, long bytes) {
        this.cfg = cfg;
        this.reporter = reporter;
        this.walks = new LruTable<>(Integer.MAX_VALUE, bytes, reporter::report);
    }

    /** The outcome of a TCP contact from s to d:port; returns whether the source is flagged in its window. */
    boolean contact(long sHi, long sLo, long dHi, long dLo, int port, boolean success, int kind, long t) {
        Walk w = walks.isEmpty() && success ? null : walks.get(sHi, sLo, 0, 0, 0);
        if (w != null && w.over(t, cfg.windowNanos())) {
            reporter.report(w);
            w.reset(t);
        }
        if (w == null) {
            if (success) {
                return false;
            }
            w = walks.add(sHi, sLo, 0, 0, 0, new Walk(t));
        }
        if (!w.contacted.add(dHi, dLo)) {
            return w.status != Episode.COUNTING; // not a first contact
        }
        w.touch(t, kind);
        if (success) {
            w.answered++;
        } else {
            w.failed.add(dHi, dLo);
            w.ports.add(PortSet.value(io.portwatch.capture.decode.DecodedPacket.PROTO_TCP, port));
        }
        if (w.status == Episode.COUNTING) {
            w.llr += success ? STEP_SUCCESS : STEP_FAILURE;
            if (w.llr >= UPPER - 1e-9) {
                reporter.pend(w);
            } else if (w.llr <= LOWER + 1e-9) {
                w.llr = 0; // benign for now: the walk starts again
            }
        }
        walks.update(w);
        return w.status != Episode.COUNTING;
    }

    void expire(long now) {
        walks.expire(e -> e.over(now, cfg.windowNanos()));
    }

    long bytes() {
        return walks.bytes();
    }

    long evictions() {
        return walks.evictions();
    }

    int entries() {
        return walks.size();
    }

    /** One source's walk. Key: the source. */
    static final class Walk extends Episode {
        HostSet contacted;
        HostSet failed;
        PortSet ports;
        long answered;
        double llr;

        Walk(long t) {
            reset(t);
        }

        @Override
        void reset(long t) {
            super.reset(t);
            contacted = new HostSet(CONTACTS);
            failed = new HostSet(CONTACTS);
            ports = new PortSet();
            answered = 0;
            llr = 0;
        }

        @Override
        long retainedBytes() {
            return 64 + contacted.retainedBytes() + failed.retainedBytes() + ports.retainedBytes();
        }

        @Override
        Alert alert(String input, long windowNanos) {
            int[] p = ports.smallest(20);
            List<String> sample = new ArrayList<>(p.length);
            for (int x : p) {
                sample.add(PortSet.text(x));
            }
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("method", "trw");
            d.put("scan_type", Probe.scanType(kinds));
            d.put("probes", Probe.names(kinds & ~Probe.CONNECT));
            d.put("hosts", contacted.count());
            d.put("failed_hosts", failed.count());
            d.put("answered_hosts", answered);
            d.put("log_likelihood_ratio", round(llr, 3));
            d.put("host_sample", failed.sample());
            d.put("host_range", failed.range());
            d.put("ports", ports.size());
            d.put("port_sample", sample);
            d.put("first_seen", iso(first));
            d.put("last_seen", iso(last));
            d.put("window_seconds", windowNanos / DetectConfig.SECOND);
            return new Alert(input, Alert.Kind.PORT_SCAN, last, HostSet.text(aHi, aLo), null, Transport.TCP,
                    ports.size() == 1 ? p[0] & 0xFFFF : null, Alert.Severity.MEDIUM, d);
        }
    }
}
