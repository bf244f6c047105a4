package io.portwatch.app.sink;

import io.portwatch.analysis.output.Alert;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a live table keeps on screen from one window to the next. A live table on a terminal is redrawn
 * every interval, and a window's alerts went with it: an operator who looked away missed a flood. So
 * every window also shows the {@value #RECENT} kinds and sources that raised alerts last, whatever window
 * raised them, newest first (the rows of {@link AlertGroups}: alerts, target, port, first and last time
 * since the row came in), and the alerts since the start by kind. Bounded: ten rows, each holding at
 * most {@value #MAX_DISTINCT} distinct targets and ports. Not thread-safe.
 */
final class RecentAlerts {

    /** Kinds and sources shown. */
    static final int RECENT = 10;
    /** Distinct targets and ports a row holds at most. */
    static final int MAX_DISTINCT = 4096;

    private final Map<AlertGroups.Key, AlertGroups.Group> recent = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<AlertGroups.Key, AlertGroups.Group> eldest) {
            return size() > RECENT;
        }
    };
    private final long[] byKind = new long[Alert.Kind.values().length];
    private long total;

    /** Counts {@code a}: its row becomes the most recent. */
    void add(Alert a) {
        total++;
        byKind[a.kind().ordinal()]++;
        AlertGroups.Key k = AlertGroups.Key.of(a);
        AlertGroups.Group g = recent.get(k);
        if (g == null) {
            g = new AlertGroups.Group(k);
            recent.put(k, g);
        }
        g.add(a, MAX_DISTINCT - g.distinct());
    }

    /** Prints the recent rows, newest first, and the totals by kind; nothing before the first alert. */
    void print(PrintStream out, String indent) {
        if (total == 0) {
            return;
        }
        List<AlertGroups.Group> rows = new ArrayList<>(recent.values());
        rows.sort(Comparator.comparingLong((AlertGroups.Group g) -> g.last).reversed());
        out.println(indent + "recent alerts, all windows, newest first:");
        AlertGroups.table(rows).print(out, indent + indent);
        StringBuilder kinds = new StringBuilder();
        for (Alert.Kind k : Alert.Kind.values()) {
            if (byKind[k.ordinal()] > 0) {
                kinds.append(kinds.length() == 0 ? "" : ", ").append(k.key()).append(' ').append(byKind[k.ordinal()]);
            }
        }
        out.println(indent + "alerts since the start: " + total + " (" + kinds + ")");
    }
}
