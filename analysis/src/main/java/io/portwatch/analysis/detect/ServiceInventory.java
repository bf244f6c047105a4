package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.ports.CounterSettings;
import io.portwatch.analysis.ports.DistinctCounter;
import io.portwatch.analysis.ports.IanaServices;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Exposed services: the server endpoints (transport, address, port) that completed a TCP handshake or
 * answered a UDP datagram, with when they were first and last seen, their distinct clients and their
 * flows. A service not seen before raises new_service when the run has a baseline (and the service is
 * not in it) or a learning period (and it has passed). Bounded: past its share of memory the least
 * recently seen services are forgotten (and counted). Single writer.
 */
final class ServiceInventory {

    /** Services a window reports at most (the first seen in it); the rest are counted as omitted. */
    static final int MAX_WINDOW_SERVICES = 65_536;
    /** The limits of each service's distinct clients, shared by the services: exact up to 64, then 1,024 registers. */
    private static final CounterSettings CLIENTS = new CounterSettings(64, 10);

    private final DetectConfig cfg;
    private final String input;
    private final Consumer<Alert> out;
    private final LruTable<Service> services;
    /** Services seen in the open window, at most {@link #MAX_WINDOW_SERVICES}. */
    private final List<Service> window = new ArrayList<>();
    private long omitted;
    private long learnUntil = Long.MIN_VALUE;

    ServiceInventory(DetectConfig cfg, String input, Consumer<Alert> out, long bytes) {
        this.cfg = cfg;
        this.input = input;
        this.out = out;
        this.services = new LruTable<>(Integer.MAX_VALUE, bytes, s -> { });
    }

    /** The analysis started at t (packet time, or the clock for live capture): learning starts. */
    void start(long t) {
        if (learnUntil == Long.MIN_VALUE) {
            learnUntil = t + cfg.learnNanos();
        }
    }

    /** Server s:port answered client c (a completed handshake, or a first UDP reply). */
    void seen(int proto, long sHi, long sLo, int port, long cHi, long cLo, long t) {
        final int pp = Key.protoPort(proto, port);
        Service s = services.get(sHi, sLo, 0, 0, pp);
        if (s == null) {
            s = services.add(sHi, sLo, 0, 0, pp, new Service(t));
            if (cfg.alertsNewServices() && t >= learnUntil
                    && (cfg.baseline() == null || !cfg.baseline().contains(proto, sHi, sLo, port))) {
                s.alerted = true;
                out.accept(alert(proto, sHi, sLo, port, cHi, cLo, t));
            }
        }
        if (!s.listed) {
            if (window.size() < MAX_WINDOW_SERVICES) {
                s.listed = true;
                window.add(s);
            } else {
                omitted++;
            }
        }
        s.windowFlows++;
        if (t > s.last) {
            s.last = t;
        }
        if (t < s.first) {
            s.first = t;
        }
        s.flows++;
        s.clients.add(cHi, cLo);
        if (s.clients.retainedBytes() != s.clientBytes) {
            s.clientBytes = s.clients.retainedBytes();
            services.update(s);
        }
    }

    private Alert alert(int proto, long sHi, long sLo, int port, long cHi, long cLo, long t) {
        Map<String, Object> d = new LinkedHashMap<>();
        String name = IanaServices.serviceName(proto, port);
        if (name != null) {
            d.put("service", name);
        }
        d.put("client", HostSet.text(cHi, cLo));
        d.put("first_seen", Episode.iso(t));
        d.put("reason", cfg.baseline() != null ? "not in the baseline" : "first seen after the learning period");
        return new Alert(input, Alert.Kind.NEW_SERVICE, t, HostSet.text(cHi, cLo), HostSet.text(sHi, sLo),
                Transport.of(proto), port, Alert.Severity.MEDIUM, d);
    }

    /** The services seen, in no particular order. */
    List<ExposedService> services() {
        List<ExposedService> list = new ArrayList<>(services.size());
        for (Service s : services.values()) {
            int proto = s.n >>> 16;
            list.add(new ExposedService(Transport.of(proto),
                    HostSet.text(s.aHi, s.aLo), s.n & 0xFFFF, s.first, s.last,
                    Math.min(s.clients.estimate(), s.flows), s.flows)); // one client a flow: never more
        }
        return list;
    }

    /**
     * The services seen in the window that closes, in the order they were first seen in it; the next window
     * starts with none.
     */
    List<ServiceStats> takeWindow() {
        List<ServiceStats> list = new ArrayList<>(window.size());
        for (Service s : window) {
            int proto = s.n >>> 16;
            int port = s.n & 0xFFFF;
            list.add(new ServiceStats(Transport.of(proto), HostSet.text(s.aHi, s.aLo),
                    port, IanaServices.serviceName(proto, port), s.first, s.last, s.windowFlows,
                    Math.min(s.clients.estimate(), s.flows), s.alerted));
            s.windowFlows = 0;
            s.listed = false;
        }
        window.clear();
        return list;
    }

    /** Services left out of windows' lists because a window had {@value #MAX_WINDOW_SERVICES} already. */
    long omitted() {
        return omitted;
    }

    long bytes() {
        return services.bytes();
    }

    long evictions() {
        return services.evictions();
    }

    int entries() {
        return services.size();
    }

    static final class Service extends LruTable.Entry {
        long first;
        long last;
        long flows;
        final DistinctCounter clients = new DistinctCounter(CLIENTS);
        long clientBytes;
        /** Flows answered in the open window. */
        long windowFlows;
        /** In the open window's list. */
        boolean listed;
        /** Raised new_service. */
        boolean alerted;

        Service(long t) {
            first = t;
            last = t;
        }

        @Override
        long retainedBytes() {
            return 64 + 64 + clients.retainedBytes();
        }
    }
}
