package io.portwatch.app.web;

import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The window length of a report read without {@code --interval}: a round step (1, 2, 3, 4, 5, 6 or 8
 * units, and the usual steps of seconds, minutes and hours) that gives the time series of the capture one
 * to two hundred points, about 150. The capture's first and last times come from a quick first pass over
 * the files (their frames are not decoded).
 */
public final class ReportInterval {

    private static final long US = 1_000L;
    private static final long S = 1_000_000_000L;
    private static final long M = 60 * S;
    private static final long H = 60 * M;
    private static final long D = 24 * H;
    /** Windows aimed at. */
    static final int TARGET = 150;
    /** The steps, shortest first; each at most twice the one before. */
    static final long[] STEPS = steps();

    private ReportInterval() {
    }

    private static long[] steps() {
        List<Long> s = new ArrayList<>();
        long[] mantissas = {1, 2, 3, 4, 5, 6, 8};
        for (long decade = US; decade < S; decade *= 10) {
            for (long m : mantissas) {
                s.add(m * decade);
            }
        }
        for (long sec : new long[]{1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 40}) {
            s.add(sec * S);
        }
        for (long min : new long[]{1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 40}) {
            s.add(min * M);
        }
        for (long h : new long[]{1, 2, 3, 4, 6, 8, 12, 16}) {
            s.add(h * H);
        }
        for (long d = 1; d <= 4096; d *= 2) {
            s.add(d * D);
            if (d >= 2) {
                s.add(d * 3 / 2 * D);
            }
        }
        return s.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /**
     * The step whose windows (aligned on multiples of it, as the analysis aligns them) over
     * {@code [first, last]} are nearest to {@link #TARGET} in ratio; one second for a capture of one instant.
     */
    public static long choose(long firstNanos, long lastNanos) {
        if (lastNanos <= firstNanos) {
            return S;
        }
        long best = STEPS[0];
        double bestDistance = Double.MAX_VALUE;
        for (long step : STEPS) {
            long windows = Math.floorDiv(lastNanos, step) - Math.floorDiv(firstNanos, step) + 1;
            double distance = Math.abs(Math.log((double) windows / TARGET));
            if (distance < bestDistance) {
                best = step;
                bestDistance = distance;
            }
        }
        return best;
    }

    /**
     * The first and last frame times of the files, read quickly (frames not decoded); files that cannot be
     * read are left out (the analysis says why).
     *
     * @return {first, last}, or null when no file had a frame
     */
    public static long[] span(List<String> files) {
        long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
        for (String f : files) {
            try (CaptureFileSource source = CaptureFileSource.open(f)) {
                source.run((linkType, ts, buffer, offset, captured, original) -> {
                    if (ts < span[0]) {
                        span[0] = ts;
                    }
                    if (ts > span[1]) {
                        span[1] = ts;
                    }
                });
            } catch (CaptureException e) {
                // the analysis reads it again and says what is wrong with it
            }
        }
        return span[0] == Long.MAX_VALUE ? null : span;
    }

    /** The step as a person and {@code --interval} read it: {@code 150us}, {@code 2ms}, {@code 30s}, {@code 5m}. */
    public static String text(long nanos) {
        long[] units = {D, H, M, S, 1_000_000L, US, 1};
        String[] names = {"d", "h", "m", "s", "ms", "us", "ns"};
        for (int i = 0; i < units.length; i++) {
            if (nanos >= units[i] && nanos % units[i] == 0) {
                return nanos / units[i] + names[i];
            }
        }
        return String.format(Locale.ROOT, "%dns", nanos);
    }
}
