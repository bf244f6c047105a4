package io.portwatch.app.sink;

import io.portwatch.analysis.output.Alert;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Alerts summarised for a person: one row per kind and source, saying how many alerts, the highest
 * severity, the target and the port when they are all the same (else how many distinct ones), and the
 * first and last time. A default-deny policy under a port scan raises one alert per port probed, a
 * thousand in a window: the table gives them one row, while JSON and Kafka keep every record.
 *
 * <p>Bounded whatever comes: at most {@link #MAX_GROUPS} rows are held (the alerts of further kinds and
 * sources are counted only) and at most {@link #MAX_DISTINCT} distinct targets and ports in all (beyond
 * that a row says {@code 1000+ ports}). Not thread-safe.
 */
final class AlertGroups {

    /** Rows held at most. */
    static final int MAX_GROUPS = 4096;
    /** Distinct targets and ports held at most, over all rows. */
    static final int MAX_DISTINCT = 65_536;

    /** Highest severity first, then most alerts, then earliest; kind and source settle ties. */
    static final Comparator<Group> FIRST_SHOWN = Comparator.comparing((Group g) -> g.severity).reversed()
            .thenComparing(Comparator.comparingLong((Group g) -> g.count).reversed())
            .thenComparingLong(g -> g.first)
            .thenComparing(g -> g.key.kind())
            .thenComparing(g -> g.key.source() == null ? "" : g.key.source());

    /** What a row stands for: a kind of alert from one source (null: no single source). */
    record Key(Alert.Kind kind, String source) {
        static Key of(Alert a) {
            return new Key(a.kind(), a.source());
        }
    }

    /** The alerts of one kind from one source. */
    static final class Group {
        final Key key;
        long count;
        Alert.Severity severity;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        private final Set<String> targets = new HashSet<>();
        private final Set<String> ports = new HashSet<>();
        private boolean targetsCut;
        private boolean portsCut;

        Group(Key key) {
            this.key = key;
        }

        /** Counts {@code a}; {@code room} is how many new distinct targets and ports may still be held. */
        int add(Alert a, int room) {
            count++;
            if (severity == null || a.severity().compareTo(severity) > 0) {
                severity = a.severity();
            }
            first = Math.min(first, a.timeNanos());
            last = Math.max(last, a.timeNanos());
            int used = 0;
            String target = a.target() == null ? "*" : a.target();
            if (!targets.contains(target)) {
                if (used < room) {
                    targets.add(target);
                    used++;
                } else {
                    targetsCut = true;
                }
            }
            String port = Formats.alertService(a);
            if (!ports.contains(port)) {
                if (used < room) {
                    ports.add(port);
                    used++;
                } else {
                    portsCut = true;
                }
            }
            return used;
        }

        /** Distinct targets and ports held. */
        int distinct() {
            return targets.size() + ports.size();
        }

        /** The one target, or how many: {@code 127.0.0.10}, {@code 31 targets}. */
        String target() {
            return targets.size() == 1 && !targetsCut ? targets.iterator().next()
                    : targets.size() + (targetsCut ? "+" : "") + " targets";
        }

        /** The one transport and port, or how many: {@code tcp/23}, {@code 1000 ports}. */
        String port() {
            return ports.size() == 1 && !portsCut ? ports.iterator().next()
                    : ports.size() + (portsCut ? "+" : "") + " ports";
        }
    }

    private final Map<Key, Group> groups = new HashMap<>();
    private long alerts;
    private long ungrouped;
    private int distinct;

    /** Counts {@code a} in its row. */
    void add(Alert a) {
        alerts++;
        Key k = Key.of(a);
        Group g = groups.get(k);
        if (g == null) {
            if (groups.size() >= MAX_GROUPS) {
                ungrouped++;
                return;
            }
            g = new Group(k);
            groups.put(k, g);
        }
        distinct += g.add(a, MAX_DISTINCT - distinct);
    }

    boolean isEmpty() {
        return alerts == 0;
    }

    /** Alerts counted. */
    long alerts() {
        return alerts;
    }

    /**
     * Prints the alerts counted: a line with their number, then the rows, highest severity first, at most
     * {@code top} of them (0: all) and a line saying how many more; then forgets them.
     */
    void print(PrintStream out, String indent, int top) {
        if (alerts == 0) {
            return;
        }
        List<Group> rows = new ArrayList<>(groups.values());
        rows.sort(FIRST_SHOWN);
        int shown = Formats.shown(rows.size(), top);
        out.println(indent + "alerts: " + alerts + ", by kind and source:");
        table(rows.subList(0, shown)).print(out, indent + indent);
        long moreRows = rows.size() - shown + (ungrouped > 0 ? 1 : 0);
        long moreAlerts = ungrouped;
        for (Group g : rows.subList(shown, rows.size())) {
            moreAlerts += g.count;
        }
        if (moreAlerts > 0) {
            out.println(indent + "(" + moreRows + (ungrouped > 0 ? "+" : "") + " more kinds and sources: "
                    + moreAlerts + (moreAlerts == 1 ? " alert)" : " alerts)"));
        }
        groups.clear();
        alerts = 0;
        ungrouped = 0;
        distinct = 0;
    }

    /** Rows with their column titles: kind, severity, source, alerts, target, port, first and last time. */
    static TextTable table(Collection<Group> rows) {
        TextTable t = new TextTable(false, false, false, true, false, false, false, false);
        t.row("KIND", "SEVERITY", "SOURCE", "ALERTS", "TARGET", "PORT", "FIRST", "LAST");
        for (Group g : rows) {
            t.row(g.key.kind().key(), g.severity.key(), g.key.source() == null ? "*" : g.key.source(),
                    Long.toString(g.count), g.target(), g.port(), Formats.instant(g.first), Formats.instant(g.last));
        }
        return t;
    }
}
