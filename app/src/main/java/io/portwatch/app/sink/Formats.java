package io.portwatch.app.sink;

import io.portwatch.analysis.output.Alert;
import io.portwatch.capture.decode.DecodedPacket;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Text forms shared by the sinks: timestamps, durations, byte counts, TCP flags, port ranking, alerts. */
final class Formats {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** TCP flag bits in header order (FIN first) and their names. */
    private static final int[] FLAG_BITS = {
        DecodedPacket.TCP_FIN, DecodedPacket.TCP_SYN, DecodedPacket.TCP_RST, DecodedPacket.TCP_PSH,
        DecodedPacket.TCP_ACK, DecodedPacket.TCP_URG, DecodedPacket.TCP_ECE, DecodedPacket.TCP_CWR};
    private static final String[] FLAG_NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};

    private static final String[] BYTE_UNITS = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};

    /** Details an alert summary leaves out: its times are the alert's own, its window an option. */
    private static final Set<String> UNSUMMARISED = Set.of("first_seen", "last_seen", "window_seconds");
    /** Details and list items an alert summary shows at most. */
    private static final int SUMMARY_DETAILS = 5;
    private static final int SUMMARY_ITEMS = 4;

    private Formats() {
    }

    /** Where an alert is: {@code source -> target}, an unknown side as {@code *}. */
    static String alertPath(Alert a) {
        return (a.source() == null ? "*" : a.source()) + " -> " + (a.target() == null ? "*" : a.target());
    }

    /** What an alert concerns: {@code tcp/22}, or with {@code *} for a transport or port it spans. */
    static String alertService(Alert a) {
        return (a.transport() == null ? "*" : a.transport().key()) + "/" + (a.port() == null ? "*" : a.port());
    }

    /**
     * The first details of an alert as {@code name=value}, lists cut to a few items: {@code method=vertical
     * scan_type=syn ports=1000 port_sample=[1,3,7,9,...]}.
     */
    static String alertDetails(Alert a) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (Map.Entry<String, Object> e : a.details().entrySet()) {
            if (UNSUMMARISED.contains(e.getKey())) {
                continue;
            }
            if (n++ == SUMMARY_DETAILS) {
                sb.append(" ...");
                break;
            }
            sb.append(sb.length() == 0 ? "" : " ").append(e.getKey()).append('=');
            if (e.getValue() instanceof List<?> l) {
                sb.append('[');
                for (int i = 0; i < l.size() && i < SUMMARY_ITEMS; i++) {
                    sb.append(i == 0 ? "" : ",").append(l.get(i));
                }
                sb.append(l.size() > SUMMARY_ITEMS ? ",...]" : "]");
            } else {
                sb.append(e.getValue());
            }
        }
        return sb.toString();
    }

    /** An alert in one line: {@code port_scan (medium) 10.0.0.1 -> 10.0.0.2 tcp/*: method=vertical ...}. */
    static String alertLine(Alert a) {
        String details = alertDetails(a);
        return a.kind().key() + " (" + a.severity().key() + ") " + alertPath(a) + " " + alertService(a)
                + (details.isEmpty() ? "" : ": " + details);
    }

    /** ISO-8601 UTC with as many fraction digits as the value needs (0, 3, 6 or 9). */
    static String instant(long epochNanos) {
        Instant t = Instant.ofEpochSecond(Math.floorDiv(epochNanos, NANOS_PER_SECOND),
                Math.floorMod(epochNanos, NANOS_PER_SECOND));
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }

    /** Seconds as a plain decimal, exact to the nanosecond, no trailing zeros: {@code 1.5}, {@code 0.000123}. */
    static String seconds(long nanos) {
        String sign = nanos < 0 ? "-" : "";
        long abs = Math.abs(nanos);
        long whole = abs / NANOS_PER_SECOND;
        long frac = abs % NANOS_PER_SECOND;
        if (frac == 0) {
            return sign + whole;
        }
        StringBuilder sb = new StringBuilder(24).append(sign).append(whole).append('.');
        String digits = Long.toString(frac);
        for (int i = digits.length(); i < 9; i++) {
            sb.append('0');
        }
        int end = digits.length();
        while (digits.charAt(end - 1) == '0') {
            end--;
        }
        return sb.append(digits, 0, end).toString();
    }

    /**
     * A short duration for people: {@code 123us}, {@code 0.012s}, {@code 59.000s}, {@code 2m03s},
     * {@code 1h02m03s}.
     */
    static String shortDuration(long nanos) {
        if (nanos < 0) {
            return "-" + shortDuration(nanos == Long.MIN_VALUE ? Long.MAX_VALUE : -nanos);
        }
        if (nanos < 1_000_000L) {
            return (nanos + 500) / 1000 + "us";
        }
        if (nanos < 60 * NANOS_PER_SECOND) {
            return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
        }
        long s = nanos / NANOS_PER_SECOND;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, (s / 60) % 60, s % 60);
    }

    /** Decimal (SI) units with one decimal: {@code 512 B}, {@code 1.2 kB}, {@code 356.2 MB}. */
    static String humanBytes(long bytes) {
        if (bytes < 1000 && bytes > -1000) {
            return bytes + " B";
        }
        double v = bytes;
        int unit = 0;
        while (Math.abs(v) >= 999.95 && unit < BYTE_UNITS.length - 1) {
            v /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, BYTE_UNITS[unit]);
    }

    /** Number of TCP flag names {@link #tcpFlagName} knows. */
    static int tcpFlagCount() {
        return FLAG_BITS.length;
    }

    /** The name of flag {@code i} (header order, FIN first) when it is set in {@code flags}, else null. */
    static String tcpFlagName(int flags, int i) {
        return (flags & FLAG_BITS[i]) != 0 ? FLAG_NAMES[i] : null;
    }

    /** The set flags as {@code SYN,ACK,FIN}, in header order (FIN first); empty when none. */
    static String tcpFlagList(int flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < FLAG_BITS.length; i++) {
            if ((flags & FLAG_BITS[i]) != 0) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(FLAG_NAMES[i]);
            }
        }
        return sb.toString();
    }

    /** How many of {@code size} rows to show for a top-N of {@code topN} (0 = all). */
    static int shown(int size, int topN) {
        return topN == 0 ? size : Math.min(size, topN);
    }

    /** An address and port as {@code 10.0.0.1:80}, or {@code [2001:db8::1]:80} for IPv6. */
    static String endpoint(String ip, int port) {
        return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
    }
}
