package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.Transport;
import io.portwatch.capture.decode.DecodedPacket;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Vertical scans (one source, many ports of one target, one transport) and horizontal scans (one
 * source, one port across many targets), counted as Zeek's scan policy counts them: only failed
 * attempts add up (a probe answered by a RST or an ICMP unreachable, or never answered), so a busy
 * client of a service that answers is never a scanner. Answers (SYN+ACK, UDP replies) seen after a
 * first failure are kept as the open ports or hosts found. A TCP scan and a UDP scan of one host are
 * two findings (nmap runs them as two, and they answer differently), so a vertical scan is kept per
 * source, target and transport, and every port in an alert's evidence is written with its transport
 * ({@code tcp/22}). Ports the target answered before the source's first failure on it, within the window,
 * are taken from the {@link AnswerCache} when the first failure comes, so that every port probed counts.
 * Single writer.
 */
final class ScanDetector {

    private static final int PORT_SAMPLE = 20;
    private static final int OPEN_LIST = 50;
    private static final int HOSTS_PER_SWEEP = 1 << 16;
    private static final int OPEN_HOSTS = 1024;
    /** How far apart the first and the last probes of a decoy and its scan may be. */
    static final long SAME_MOMENT_NANOS = 2 * DetectConfig.SECOND;

    private final DetectConfig cfg;
    private final Episode.Reporter reporter;
    private final LruTable<TargetScan> vertical;
    private final LruTable<PortSweep> horizontal;
    private final AnswerCache answers;

    /** @param answers where the ports answered before a source's first failure on a target wait */
    ScanDetector(DetectConfig cfg, Episode.Reporter reporter, long bytesEach, AnswerCache answers) {
        this.cfg = cfg;
        this.reporter = reporter;
        this.answers = answers;
        this.vertical = new LruTable<>(Integer.MAX_VALUE, bytesEach, reporter::report);
        this.horizontal = new LruTable<>(Integer.MAX_VALUE, bytesEach, reporter::report);
    }

    /**
     * A failed attempt from s to d:port (rejected, unreachable or never answered).
     *
     * @return whether s is flagged, vertically against d or horizontally on the port, in its window
     */
    boolean failure(int proto, long sHi, long sLo, long dHi, long dLo, int port, int kind, long t) {
        final long w = cfg.windowNanos();
        final int value = PortSet.value(proto, port);

        TargetScan v = vertical.get(sHi, sLo, dHi, dLo, proto);
        boolean fresh = v == null;
        if (v != null && v.over(t, w)) {
            reporter.report(v);
            v.reset(t);
            fresh = true;
        }
        if (v == null) {
            v = vertical.add(sHi, sLo, dHi, dLo, proto, new TargetScan(t));
        }
        if (fresh) { // the ports the target answered before: probed too
            final TargetScan scan = v;
            answers.read(proto, sHi, sLo, dHi, dLo, t - w, (p, k, at) -> scan.answered(proto, p, k, at));
        }
        v.touch(t, kind);
        if (v.failed.add(value)) {
            v.port(port);
            if (v.failed.size() >= cfg.scanPorts()) {
                reporter.pend(v);
            }
            vertical.update(v);
        }

        final int pp = Key.protoPort(proto, port);
        PortSweep h = horizontal.get(sHi, sLo, 0, 0, pp);
        if (h != null && h.over(t, w)) {
            reporter.report(h);
            h.reset(t);
        }
        if (h == null) {
            h = horizontal.add(sHi, sLo, 0, 0, pp, new PortSweep(t));
        }
        h.touch(t, kind);
        if (h.failed.add(dHi, dLo)) {
            if (h.failed.count() >= cfg.scanHosts()) {
                reporter.pend(h);
            }
            horizontal.update(h);
        }
        return v.status != Episode.COUNTING || h.status != Episode.COUNTING;
    }

    /** d answered a probe from s on port: the port is open (noted when s is already a suspect). */
    void answered(int proto, long sHi, long sLo, long dHi, long dLo, int port, int kind, long t) {
        final long w = cfg.windowNanos();
        TargetScan v = vertical.isEmpty() ? null : vertical.get(sHi, sLo, dHi, dLo, proto);
        if (v != null && !v.over(t, w)) {
            if (v.answered(proto, port, kind, t)) {
                vertical.update(v);
            }
        } else {
            answers.answered(proto, sHi, sLo, dHi, dLo, port, kind, t);
        }
        if (!horizontal.isEmpty()) {
            PortSweep h = horizontal.get(sHi, sLo, 0, 0, Key.protoPort(proto, port));
            if (h != null && !h.over(t, w)) {
                h.touch(t, kind);
                if (h.open == null) {
                    h.open = new HostSet(OPEN_HOSTS);
                }
                if (!h.failed.contains(dHi, dLo) && h.open.add(dHi, dLo)) {
                    horizontal.update(h);
                }
            }
        }
    }

    /** s completed a handshake with d:port: a connect scan, when s is already a suspect. */
    void established(long sHi, long sLo, long dHi, long dLo, int port, long t) {
        final long w = cfg.windowNanos();
        if (!vertical.isEmpty()) {
            TargetScan v = vertical.get(sHi, sLo, dHi, dLo, DecodedPacket.PROTO_TCP);
            if (v != null && !v.over(t, w)) {
                v.touch(t, Probe.CONNECT);
            }
        }
        if (!horizontal.isEmpty()) {
            PortSweep h = horizontal.get(sHi, sLo, 0, 0, Key.protoPort(DecodedPacket.PROTO_TCP, port));
            if (h != null && !h.over(t, w)) {
                h.touch(t, Probe.CONNECT);
            }
        }
    }

    /** Drops the suspects whose window has ended (the pending ones are reported first). */
    void expire(long now) {
        final long w = cfg.windowNanos();
        vertical.expire(e -> e.over(now, w));
        horizontal.expire(e -> e.over(now, w));
    }

    long bytes() {
        return vertical.bytes() + horizontal.bytes();
    }

    long evictions() {
        return vertical.evictions() + horizontal.evictions();
    }

    int entries() {
        return vertical.size() + horizontal.size();
    }

    // ---------------------------------------------------------------- episodes

    /** One source against one target over one transport: distinct ports. Key: source, target, IP protocol. */
    static final class TargetScan extends Episode {
        PortSet failed;
        PortSet open;
        int minPort;
        int maxPort;

        TargetScan(long t) {
            reset(t);
        }

        @Override
        void reset(long t) {
            super.reset(t);
            failed = new PortSet();
            open = null;
            minPort = 65535;
            maxPort = 0;
        }

        void port(int p) {
            minPort = Math.min(minPort, p);
            maxPort = Math.max(maxPort, p);
        }

        /** The target answered a probe of port at t: an open port; true when new. */
        boolean answered(int proto, int p, int kind, long t) {
            touch(t, kind);
            if (open == null) {
                open = new PortSet();
            }
            if (open.add(PortSet.value(proto, p))) {
                port(p);
                return true;
            }
            return false;
        }

        @Override
        long retainedBytes() {
            return 72 + failed.retainedBytes() + (open != null ? open.retainedBytes() : 0);
        }

        /**
         * A decoy of this scan, or this one of its: another source's vertical scan of the same target and
         * transport that started and ended within {@value #SAME_MOMENT_NANOS} ns of it, over nearly the same
         * ports (nine in ten of the larger set in both). nmap's decoys ({@code -D}) send each probe from
         * every decoy address in turn, microseconds apart, so each source makes an alert of its own.
         */
        @Override
        boolean sameCampaign(Episode other) {
            if (!(other instanceof TargetScan o) || o.n != n || o.bLo != bLo || o.bHi != bHi
                    || Math.abs(o.first - first) > SAME_MOMENT_NANOS || Math.abs(o.last - last) > SAME_MOMENT_NANOS) {
                return false;
            }
            int[] a = ports();
            int[] b = o.ports();
            int common = 0;
            for (int i = 0, j = 0; i < a.length && j < b.length; ) {
                if (a[i] == b[j]) {
                    common++;
                    i++;
                    j++;
                } else if (a[i] < b[j]) {
                    i++;
                } else {
                    j++;
                }
            }
            return common * 10L >= 9L * Math.max(a.length, b.length);
        }

        /** Every port probed, ascending. */
        private int[] ports() {
            int[] f = failed.smallest(Integer.MAX_VALUE);
            if (open == null) {
                return f;
            }
            TreeSet<Integer> all = new TreeSet<>();
            for (int x : f) {
                all.add(x);
            }
            for (int x : open.smallest(Integer.MAX_VALUE)) {
                all.add(x);
            }
            return all.stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        Alert alert(String input, long windowNanos) {
            int[] f = failed.smallest(Integer.MAX_VALUE);
            int[] o = open == null ? new int[0] : open.smallest(Integer.MAX_VALUE);
            TreeSet<Integer> values = new TreeSet<>();
            List<String> openPorts = new ArrayList<>();
            for (int x : f) {
                values.add(x);
            }
            for (int x : o) {
                values.add(x);
                if (openPorts.size() < OPEN_LIST) {
                    openPorts.add(PortSet.text(x));
                }
            }
            List<String> sample = new ArrayList<>(PORT_SAMPLE);
            for (int x : values) {
                if (sample.size() == PORT_SAMPLE) {
                    break;
                }
                sample.add(PortSet.text(x));
            }
            Transport transport = Transport.of(n);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("method", "vertical");
            d.put("scan_type", Probe.scanType(kinds));
            d.put("probes", Probe.names(kinds & ~Probe.CONNECT));
            d.put("ports", values.size());
            d.put("failed_ports", failed.size());
            d.put("port_sample", sample);
            d.put("port_range", List.of(transport.key() + "/" + minPort, transport.key() + "/" + maxPort));
            d.put("open_ports", openPorts);
            d.put("first_seen", iso(first));
            d.put("last_seen", iso(last));
            d.put("window_seconds", windowNanos / DetectConfig.SECOND);
            return new Alert(input, Alert.Kind.PORT_SCAN, last, HostSet.text(aHi, aLo),
                    HostSet.text(bHi, bLo), transport, null,
                    openPorts.isEmpty() ? Alert.Severity.MEDIUM : Alert.Severity.HIGH, d);
        }
    }

    /** One source, one transport and port, many targets. Key: source, transport and port. */
    static final class PortSweep extends Episode {
        HostSet failed;
        HostSet open;

        PortSweep(long t) {
            reset(t);
        }

        @Override
        void reset(long t) {
            super.reset(t);
            failed = new HostSet(HOSTS_PER_SWEEP);
            open = null;
        }

        @Override
        long retainedBytes() {
            return 56 + failed.retainedBytes() + (open != null ? open.retainedBytes() : 0);
        }

        @Override
        Alert alert(String input, long windowNanos) {
            int proto = n >>> 16;
            int port = n & 0xFFFF;
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("method", "horizontal");
            d.put("scan_type", Probe.scanType(kinds));
            d.put("probes", Probe.names(kinds & ~Probe.CONNECT));
            d.put("hosts", failed.count() + (open == null ? 0 : open.count()));
            d.put("hosts_exact", failed.exact());
            d.put("failed_hosts", failed.count());
            d.put("host_sample", failed.sample());
            d.put("host_range", failed.range());
            d.put("open_hosts", open == null ? List.of() : open.sample());
            d.put("first_seen", iso(first));
            d.put("last_seen", iso(last));
            d.put("window_seconds", windowNanos / DetectConfig.SECOND);
            return new Alert(input, Alert.Kind.PORT_SCAN, last, HostSet.text(aHi, aLo), null,
                    Transport.of(proto), port,
                    open == null || open.count() == 0 ? Alert.Severity.MEDIUM : Alert.Severity.HIGH, d);
        }
    }
}
