package io.portwatch.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Groups the fleet's {@code fleet_port_stats} records into windows of the {@link WebModel}: one window per
 * {@code window_start}, its ports busiest first, and a {@code window} record whose totals are the sums of its
 * ports' records ({@code packets}, {@code bytes}, {@code flows}, {@code active_flows}, {@code late_records},
 * {@code sketches_skipped}; {@code ports} counts them).
 *
 * <p>Why it waits, and why it may send a window again. The fleet writes the records of one window when the
 * window closes, but each of its tasks (one per partition of the sensors' topic) closes on a watermark of
 * its own, and a reader of several partitions gets them interleaved: nothing says that a window is
 * complete. So a window is handed on once no record of it has come for a while ({@code settleNanos}), and
 * again, whole, when more of its records come later: the model then replaces the earlier one in place. A
 * record of a window already in hand replaces the earlier record of its port (last one wins: a second fleet
 * job writing the same topics, a replay, does not add up twice).
 *
 * <p>Bounded: windows in hand are kept for the late records while there are at most {@code maxWindows} of
 * them and {@code maxPorts} ports over all of them (at most 131,072 a window: every TCP and UDP port); the
 * oldest go first (handed on if they had news). A record of a window that went is counted ({@link #stale()})
 * and dropped. Only the busiest ports of a window keep their text, as the model keeps them: {@code keep} of
 * the newest window, {@code keepOlder} of the others (all keep their numbers, for the sums and to replace
 * them). Single-threaded: the {@link FleetFeed}'s thread.
 */
final class FleetWindows {

    /** A window for the model ({@link WebModel#window(String, long, String, List, int)}). */
    record Window(String input, long endNanos, String record, List<String> ports, int portsTotal) {
    }

    private static final Comparator<Port> BUSIEST_FIRST = Comparator.<Port>comparingLong(p -> -p.packets)
            .thenComparingLong(p -> -p.bytes).thenComparing(p -> p.key);

    /** One port's record: its numbers, and its text while it is among the window's busiest. */
    private static final class Port {
        final String key;
        final long packets;
        final long bytes;
        final long flows;
        final long activeFlows;
        final long late;
        final long sketchesSkipped;
        String text;

        Port(String key, JsonNode n, String text) {
            this.key = key;
            this.packets = n.path("packets").asLong();
            this.bytes = n.path("bytes").asLong();
            this.flows = n.path("flows").asLong();
            this.activeFlows = n.path("active_flows").asLong();
            this.late = n.path("late_records").asLong();
            this.sketchesSkipped = n.path("sketches_skipped").asLong();
            this.text = text;
        }
    }

    private static final class Pending {
        final String start;
        final String end;
        final long endNanos;
        final Map<String, Port> ports = new HashMap<>();
        final TreeSet<Port> busiest = new TreeSet<>(BUSIEST_FIRST);
        long packets;
        long bytes;
        long flows;
        long activeFlows;
        long late;
        long sketchesSkipped;
        long lastNanos;
        boolean news;

        Pending(String start, String end, long endNanos) {
            this.start = start;
            this.end = end;
            this.endNanos = endNanos;
        }

        void add(Port p, int sign) {
            packets += sign * p.packets;
            bytes += sign * p.bytes;
            flows += sign * p.flows;
            activeFlows += sign * p.activeFlows;
            late += sign * p.late;
            sketchesSkipped += sign * p.sketchesSkipped;
        }
    }

    private final String input;
    private final int keep;
    private final int keepOlder;
    private final int maxWindows;
    private final int maxPorts;
    private final long settleNanos;
    private final TreeMap<Long, Pending> pending = new TreeMap<>();
    private final List<Window> evicted = new ArrayList<>();
    private long evictedUpTo = Long.MIN_VALUE;
    private int portsHeld;
    private long records;
    private long bad;
    private long stale;

    /**
     * @param input       the windows' {@code input} (the fleet's application id)
     * @param keep        ports of the newest window handed on at most (the busiest; the model's
     *                    {@code portsLatest})
     * @param keepOlder   ports of an older window handed on at most (the model's {@code portsKept})
     * @param maxWindows  windows kept in hand at most
     * @param maxPorts    ports kept in hand at most, over every window
     * @param settleNanos how long a window's records must have stopped coming before it is handed on
     */
    FleetWindows(String input, int keep, int keepOlder, int maxWindows, int maxPorts, long settleNanos) {
        if (keep < 1 || keepOlder < 1 || maxWindows < 1 || maxPorts < 1 || settleNanos < 0) {
            throw new IllegalArgumentException("bounds must be positive");
        }
        this.input = input;
        this.keep = keep;
        this.keepOlder = Math.min(keep, keepOlder);
        this.maxWindows = maxWindows;
        this.maxPorts = maxPorts;
        this.settleNanos = settleNanos;
    }

    /**
     * Takes a {@code fleet_port_stats} record (parsed; {@code text} is what is handed on of it). Returns
     * false, and counts it, when it is not one ({@link #bad()}) or its window has gone ({@link #stale()}).
     */
    boolean add(JsonNode n, String text, long nowNanos) {
        String start = n.path("window_start").asText(null);
        String end = n.path("window_end").asText(null);
        String transport = n.path("transport").asText("");
        int port = n.path("port").asInt(-1);
        long startNanos;
        long endNanos;
        try {
            startNanos = nanos(start);
            endNanos = nanos(end);
        } catch (DateTimeException | NullPointerException | ArithmeticException e) {
            bad++;
            return false;
        }
        if (!"fleet_port_stats".equals(n.path("type").asText()) || endNanos <= startNanos
                || !(transport.equals("tcp") || transport.equals("udp")) || port < 0 || port > 65535
                || !n.path("packets").canConvertToLong() || !n.path("bytes").canConvertToLong()) {
            bad++;
            return false;
        }
        Pending w = pending.get(startNanos);
        if (w == null) {
            if (startNanos <= evictedUpTo) {
                stale++;
                return false;
            }
            w = new Pending(start, end, endNanos);
            Map.Entry<Long, Pending> newest = pending.lastEntry();
            if (newest != null && newest.getKey() < startNanos) {
                trim(newest.getValue(), keepOlder); // no longer the newest
            }
            pending.put(startNanos, w);
        } else if (w.endNanos != endNanos) {
            bad++; // another window length over the same start: not this window's
            return false;
        }
        records++;
        String key = transport + "/" + port;
        Port p = new Port(key, n, text);
        Port before = w.ports.put(key, p);
        if (before != null) {
            w.add(before, -1);
            w.busiest.remove(before);
        } else {
            portsHeld++;
        }
        w.add(p, 1);
        w.busiest.add(p);
        trim(w, startNanos == pending.lastKey() ? keep : keepOlder);
        w.lastNanos = nowNanos;
        w.news = true;
        while (pending.size() > maxWindows || (portsHeld > maxPorts && pending.size() > 1)) {
            Map.Entry<Long, Pending> oldest = pending.pollFirstEntry();
            portsHeld -= oldest.getValue().ports.size();
            evictedUpTo = Math.max(evictedUpTo, oldest.getKey());
            if (oldest.getValue().news) {
                evicted.add(window(oldest.getValue()));
            }
        }
        return true;
    }

    private static void trim(Pending w, int n) {
        while (w.busiest.size() > n) {
            w.busiest.pollLast().text = null;
        }
    }

    /**
     * The windows to hand on now, oldest first: those whose records stopped coming {@code settleNanos} ago
     * and that had news since they were last handed on, and those that had to go with news.
     */
    List<Window> due(long nowNanos) {
        List<Window> out = new ArrayList<>(evicted);
        evicted.clear();
        for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
            Pending w = it.next();
            if (w.news && nowNanos - w.lastNanos >= settleNanos) {
                out.add(window(w));
            }
        }
        return out;
    }

    private Window window(Pending w) {
        w.news = false;
        List<String> ports = new ArrayList<>(w.busiest.size());
        for (Port p : w.busiest) {
            if (p.text != null) {
                ports.add(p.text);
            }
        }
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("type", "window");
        r.put("sensor", "fleet");
        r.put("input", input);
        r.put("window_start", w.start);
        r.put("window_end", w.end);
        r.put("packets", w.packets);
        r.put("bytes", w.bytes);
        r.put("ports", w.ports.size());
        r.put("flows", w.flows);
        r.put("active_flows", w.activeFlows);
        r.put("late_records", w.late);
        r.put("sketches_skipped", w.sketchesSkipped);
        return new Window(input, w.endNanos, r.toString(), List.copyOf(ports), w.ports.size());
    }

    private static long nanos(String rfc3339) {
        Instant t = Instant.parse(rfc3339);
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    /** Records taken. */
    long records() {
        return records;
    }

    /** Records that were not {@code fleet_port_stats} of a window. */
    long bad() {
        return bad;
    }

    /** Records of windows that had gone (late beyond what is kept in hand). */
    long stale() {
        return stale;
    }

    /** Windows in hand. */
    int windows() {
        return pending.size();
    }
}
