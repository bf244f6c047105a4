package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The state of one suspect (a scanner and its target, port or contacts) over one window: the window
 * starts at its first failed attempt and lasts the scan window; attempts after it start a new one.
 * Once over its threshold an episode is pending, and it is reported once: when the analysis closes a
 * reporting window, when its own window ends, when it is evicted, or when the analysis finishes,
 * whichever comes first. Later attempts in the same window are still counted but raise no new alert.
 */
abstract class Episode extends LruTable.Entry {
    static final int COUNTING = 0;
    static final int PENDING = 1;
    static final int REPORTED = 2;

    long windowStart;
    long first;
    long last;
    int kinds;
    int status;

    /** Starts a new window at t. Subclasses clear their own counts too, and call it from their constructor. */
    void reset(long t) {
        windowStart = t;
        first = t;
        last = t;
        kinds = 0;
        status = COUNTING;
    }

    void touch(long t, int kind) {
        if (t < first) {
            first = t;
        }
        if (t > last) {
            last = t;
        }
        kinds |= kind;
    }

    boolean over(long now, long window) {
        return now >= windowStart + window;
    }

    /** The alert this episode makes now. */
    abstract Alert alert(String input, long windowNanos);

    /** ISO-8601 text of a time in ns since the epoch. */
    static String iso(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L))
                .toString();
    }

    static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }

    /** Pending episodes of one analysis, and their reporting. Single writer. */
    static final class Reporter {
        private final List<Episode> pending = new ArrayList<>();
        private final Consumer<Alert> out;
        private final String input;
        private final long window;

        Reporter(Consumer<Alert> out, String input, long window) {
            this.out = out;
            this.input = input;
            this.window = window;
        }

        /** The episode crossed its threshold. */
        void pend(Episode e) {
            if (e.status == COUNTING) {
                e.status = PENDING;
                pending.add(e);
            }
        }

        /** Reports the episode if it is pending (and only once). */
        void report(Episode e) {
            if (e.status == PENDING) {
                e.status = REPORTED;
                out.accept(e.alert(input, window));
            }
        }

        /** Reports the pending episodes whose window has ended by {@code now}, or all of them. */
        void flush(long now, boolean all) {
            if (pending.isEmpty()) {
                return;
            }
            List<Episode> keep = new ArrayList<>();
            for (Episode e : pending) {
                if (e.status != PENDING) {
                    continue;
                }
                if (all || e.over(now, window)) {
                    report(e);
                } else {
                    keep.add(e);
                }
            }
            pending.clear();
            pending.addAll(keep);
        }
    }
}
