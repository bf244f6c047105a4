package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * Whether this episode and another are one campaign: their sources did the same thing to the same
     * target at the same moments (nmap's decoys). None by default.
     */
    boolean sameCampaign(Episode other) {
        return false;
    }

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
        /** Pending episodes a report looks through for its campaign, at most. */
        static final int CAMPAIGN_SEARCH = 4096;

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

        /**
         * Reports the episode if it is pending (and only once), together with the pending episodes of its
         * campaign ({@link Episode#sameCampaign}), if any: their alerts share a {@code campaign} id. Looked for
         * among at most {@value #CAMPAIGN_SEARCH} pending episodes, so that a flood of them costs no more than
         * a linear pass each.
         */
        void report(Episode e) {
            if (e.status != PENDING) {
                return;
            }
            e.status = REPORTED;
            List<Episode> campaign = null;
            if (pending.size() <= CAMPAIGN_SEARCH) {
                for (Episode o : pending) {
                    if (o != e && o.status == PENDING && e.sameCampaign(o)) {
                        if (campaign == null) {
                            campaign = new ArrayList<>();
                            campaign.add(e);
                        }
                        o.status = REPORTED;
                        campaign.add(o);
                    }
                }
            }
            if (campaign == null) {
                out.accept(e.alert(input, window));
                return;
            }
            long first = Long.MAX_VALUE;
            for (Episode c : campaign) {
                first = Math.min(first, c.first);
            }
            String id = campaignId(e.bHi, e.bLo, e.n, first);
            for (Episode c : campaign) {
                Alert a = c.alert(input, window);
                Map<String, Object> d = new LinkedHashMap<>(a.details());
                d.put("campaign", id);
                out.accept(new Alert(a.input(), a.kind(), a.timeNanos(), a.source(), a.target(), a.transport(),
                        a.port(), a.severity(), d));
            }
        }

        /** A campaign's id, from its target, transport and first moment: the same for each of its alerts. */
        static String campaignId(long hi, long lo, int n, long first) {
            long h = hi * 0x9E3779B97F4A7C15L ^ lo;
            h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L ^ n;
            h = (h ^ (h >>> 29)) * 0x94D049BB133111EBL ^ first;
            h ^= h >>> 32;
            return String.format("c-%016x", h);
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
