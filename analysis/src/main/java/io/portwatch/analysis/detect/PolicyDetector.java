package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.ports.IanaServices;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Checks each new flow's server endpoint against the port policy. Traffic outside it raises one alert
 * per flow key (transport, client, server, server port) and window; at most a set number of policy
 * alerts go out per window (aligned on packet time), the rest are counted. Single writer.
 */
final class PolicyDetector {

    private final DetectConfig cfg;
    private final PortPolicy policy;
    private final String input;
    private final Consumer<Alert> out;
    private final LruTable<Seen> seen;
    private long capWindowEnd = Long.MIN_VALUE;
    private int sentInWindow;
    private long suppressed;

    PolicyDetector(DetectConfig cfg, String input, Consumer<Alert> out, long bytes) {
        this.cfg = cfg;
        this.policy = cfg.policy();
        this.input = input;
        this.out = out;
        this.seen = new LruTable<>(Integer.MAX_VALUE, bytes, s -> { });
    }

    /** A new flow from client c to server s:port. */
    void check(int proto, long cHi, long cLo, long sHi, long sLo, int port, long t) {
        PortPolicy.Decision d = policy.decide(proto, sHi, sLo, port);
        if (d.allowed()) {
            return;
        }
        final long w = cfg.windowNanos();
        final int pp = Key.protoPort(proto, port);
        Seen s = seen.get(cHi, cLo, sHi, sLo, pp);
        if (s != null && t < s.since + w && t >= s.since) {
            return;
        }
        if (s == null) {
            s = seen.add(cHi, cLo, sHi, sLo, pp, new Seen());
        }
        s.since = t;
        if (t >= capWindowEnd) {
            capWindowEnd = Math.floorDiv(t, w) * w + w;
            sentInWindow = 0;
        }
        if (sentInWindow >= cfg.maxPolicyAlerts()) {
            suppressed++;
            return;
        }
        sentInWindow++;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", d.rule());
        m.put("line", d.line());
        m.put("network", d.network());
        m.put("policy", policy.name());
        String name = IanaServices.serviceName(proto, port);
        if (name != null) {
            m.put("service", name);
        }
        m.put("first_seen", Episode.iso(t));
        out.accept(new Alert(input, Alert.Kind.POLICY_VIOLATION, t, HostSet.text(cHi, cLo), HostSet.text(sHi, sLo),
                Transport.of(proto), port,
                d.explicit() ? Alert.Severity.HIGH : Alert.Severity.MEDIUM, m));
    }

    void expire(long now) {
        final long w = cfg.windowNanos();
        seen.expire(s -> now >= s.since + w);
    }

    /** Policy alerts not sent because the window's limit was reached. */
    long suppressed() {
        return suppressed;
    }

    long bytes() {
        return seen.bytes();
    }

    long evictions() {
        return seen.evictions();
    }

    int entries() {
        return seen.size();
    }

    static final class Seen extends LruTable.Entry {
        long since;

        @Override
        long retainedBytes() {
            return 24;
        }
    }
}
