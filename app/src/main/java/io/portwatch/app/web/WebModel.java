package io.portwatch.app.web;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the web view shows: a bounded history of closed windows (each with its busiest ports), alerts,
 * exposed services and summaries, all held as the JSON text of portwatch's own records (the
 * {@code --format json} encoder wrote them, see {@link WebSink}), and a bounded log of the same as
 * events for the browsers that follow them ({@link EventStream}).
 *
 * <p>Records are added by one thread, the output's, and read by the web server's threads. Every method
 * holds the lock only to add or copy references (texts are immutable): serializing a snapshot, and
 * writing it to a browser, happen outside it, so a slow browser never holds up the output. Everything
 * is bounded: windows by count and age, ports by count (the latest window of each input keeps more, for
 * the table of the current window), alerts, services and events by count, events also by size.
 */
public final class WebModel {

    /**
     * The bounds of a model.
     *
     * @param windows      windows kept at most
     * @param ageNanos     windows older than this before the newest are dropped (0: no age limit)
     * @param portsKept    ports kept of a window once a later window of its input has come (the busiest)
     * @param portsLatest  ports kept of the latest window of each input
     * @param alerts       alerts kept (the latest)
     * @param services     exposed services kept
     * @param events       events kept for browsers that follow
     * @param eventChars   characters of event data kept at most
     */
    public record Limits(int windows, long ageNanos, int portsKept, int portsLatest, int alerts, int services,
                         int events, long eventChars) {

        /** A live run's: the last hour, at most 720 windows. */
        public static Limits live() {
            return new Limits(720, TimeUnit.HOURS.toNanos(1), 30, 1000, 1000, 4096, 2048, 32L << 20);
        }

        /** A report's: the whole capture (its interval is chosen for one or two hundred windows). */
        public static Limits report() {
            return new Limits(5000, 0, 1000, 1000, 10_000, 4096, 0, 0);
        }
    }

    /** One event for browsers: {@code seq} orders them, {@code name} is its kind, {@code data} its JSON. */
    public record Event(long seq, String name, String data) {
    }

    private static final class Window {
        final long seq;
        final String input;
        final long endNanos;
        final String record;
        List<String> ports;
        final int portsTotal;

        Window(long seq, String input, long endNanos, String record, List<String> ports, int portsTotal) {
            this.seq = seq;
            this.input = input;
            this.endNanos = endNanos;
            this.record = record;
            this.ports = ports;
            this.portsTotal = portsTotal;
        }
    }

    private final Limits limits;
    private final String mode;
    private final String sensor;
    private final long intervalNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition added = lock.newCondition();
    private final ArrayDeque<Window> windows = new ArrayDeque<>();
    private final Map<String, Window> latest = new HashMap<>();
    private final ArrayDeque<String> alerts = new ArrayDeque<>();
    private final LinkedHashMap<String, String> services = new LinkedHashMap<>();
    private final ArrayDeque<String> summaries = new ArrayDeque<>();
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private long eventChars;
    private long seq;
    private long windowsDropped;
    private long alertsDropped;
    private volatile boolean ended;

    /**
     * @param limits        the bounds
     * @param mode          {@code live} or {@code report}, for the page
     * @param sensor        the sensor's name
     * @param intervalNanos the window length
     */
    public WebModel(Limits limits, String mode, String sensor, long intervalNanos) {
        this.limits = limits;
        this.mode = mode;
        this.sensor = sensor;
        this.intervalNanos = intervalNanos;
    }

    /** The bounds. */
    public Limits limits() {
        return limits;
    }

    /**
     * A closed window. It takes its place in time among the windows kept; a window of the same input and
     * end replaces the earlier one (see {@link #insert}).
     *
     * @param input      the input it covers
     * @param endNanos   its end
     * @param record     its {@code window} record
     * @param ports      its busiest ports' {@code port_stats} records, busiest first (at most
     *                   {@link Limits#portsLatest} are kept)
     * @param portsTotal how many ports the window had
     */
    public void window(String input, long endNanos, String record, List<String> ports, int portsTotal) {
        window(input, endNanos, record, ports, portsTotal, Map.of());
    }

    /**
     * A closed window with the exposed services seen in it: each replaces the entry of its key (at most
     * {@link Limits#services} are kept, the latest seen), and they travel in the window's event.
     *
     * @param services {@code service} records by key (transport, address, port), in the order seen
     */
    public void window(String input, long endNanos, String record, List<String> ports, int portsTotal,
                       Map<String, String> services) {
        List<String> kept = List.copyOf(ports.size() > limits.portsLatest ? ports.subList(0, limits.portsLatest) : ports);
        lock.lock();
        try {
            if (tooOld(endNanos)) {
                windowsDropped++;
                return;
            }
            long s = ++seq;
            Window w = new Window(s, input, endNanos, record, kept, portsTotal);
            insert(w);
            Window before = latest.get(input);
            if (before == null || before.endNanos <= endNanos) {
                latest.put(input, w);
                if (before != null && before != w && before.ports.size() > limits.portsKept) {
                    before.ports = List.copyOf(before.ports.subList(0, limits.portsKept));
                }
            } else if (w.ports.size() > limits.portsKept) {
                w.ports = List.copyOf(w.ports.subList(0, limits.portsKept)); // a later window of its input is here
            }
            long newest = windows.peekLast().endNanos;
            while (windows.size() > limits.windows
                    || (limits.ageNanos > 0 && windows.peekFirst().endNanos < newest - limits.ageNanos)) {
                Window gone = windows.removeFirst();
                latest.remove(gone.input, gone);
                windowsDropped++;
            }
            List<String> seen = new ArrayList<>(Math.min(services.size(), limits.services));
            for (Map.Entry<String, String> e : services.entrySet()) {
                if (seen.size() < limits.services) {
                    putService(e.getKey(), e.getValue());
                    seen.add(e.getValue());
                }
            }
            event(new Event(s, "window", windowJson(w, s, seen)));
        } finally {
            lock.unlock();
        }
    }

    /** Whether a window ending then would be dropped at once: older than all a full history keeps. */
    private boolean tooOld(long endNanos) {
        Window first = windows.peekFirst();
        if (first == null) {
            return false;
        }
        return (windows.size() >= limits.windows && endNanos < first.endNanos)
                || (limits.ageNanos > 0 && endNanos < windows.peekLast().endNanos - limits.ageNanos);
    }

    /**
     * Puts a window in its place in time: after every window that ends no later (sensors' windows come in
     * that order, so this is an append), in place of an earlier window of the same input and end (the fleet
     * view sends a window again when more of its ports come).
     */
    private void insert(Window w) {
        ArrayDeque<Window> later = new ArrayDeque<>();
        while (!windows.isEmpty() && windows.peekLast().endNanos > w.endNanos) {
            later.push(windows.removeLast());
        }
        for (Iterator<Window> it = windows.descendingIterator(); it.hasNext(); ) {
            Window x = it.next();
            if (x.endNanos != w.endNanos) {
                break;
            }
            if (x.input.equals(w.input)) {
                it.remove();
                latest.remove(x.input, x);
                break;
            }
        }
        windows.addLast(w);
        while (!later.isEmpty()) {
            windows.addLast(later.pop());
        }
    }

    /** An alert's record. */
    public void alert(String record) {
        lock.lock();
        try {
            long s = ++seq;
            alerts.addLast(record);
            if (alerts.size() > limits.alerts) {
                alerts.removeFirst();
                alertsDropped++;
            }
            event(new Event(s, "alert", "{\"seq\":" + s + ",\"alert\":" + record + "}"));
        } finally {
            lock.unlock();
        }
    }

    /**
     * An exposed service (a {@code new_service} alert or a {@code service} record); a later one with the
     * same key replaces it.
     *
     * @param key    transport, address and port
     * @param record its record
     */
    public void service(String key, String record) {
        lock.lock();
        try {
            long s = ++seq;
            putService(key, record);
            event(new Event(s, "service", "{\"seq\":" + s + ",\"service\":" + record + "}"));
        } finally {
            lock.unlock();
        }
    }

    /** A summary's record (one per input at the end of a run). */
    public void summary(String record) {
        lock.lock();
        try {
            long s = ++seq;
            summaries.addLast(record);
            if (summaries.size() > 64) {
                summaries.removeFirst();
            }
            event(new Event(s, "summary", "{\"seq\":" + s + ",\"summary\":" + record + "}"));
        } finally {
            lock.unlock();
        }
    }

    /** Says that no more records will come: followers are woken to end. */
    public void end() {
        lock.lock();
        try {
            ended = true;
            added.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@link #end()} was called. */
    public boolean ended() {
        return ended;
    }

    /** The sequence number of the last record added (0 before any). */
    public long seq() {
        lock.lock();
        try {
            return seq;
        } finally {
            lock.unlock();
        }
    }

    /** Windows kept now. */
    public int windows() {
        lock.lock();
        try {
            return windows.size();
        } finally {
            lock.unlock();
        }
    }

    private void putService(String key, String record) {
        services.remove(key);
        services.put(key, record);
        if (services.size() > limits.services) {
            Iterator<String> oldest = services.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    private void event(Event e) {
        if (limits.events > 0) {
            events.addLast(e);
            eventChars += e.data().length();
            while (events.size() > limits.events || (eventChars > limits.eventChars && events.size() > 1)) {
                eventChars -= events.removeFirst().data().length();
            }
        }
        added.signalAll();
    }

    /**
     * The events after {@code cursor}, at most {@code max}; null when some of them are no longer kept
     * (the follower must start again from a {@linkplain #state() snapshot}).
     */
    public List<Event> eventsAfter(long cursor, int max) {
        lock.lock();
        try {
            if (cursor >= seq) {
                return List.of();
            }
            Event first = events.peekFirst();
            if (first == null || first.seq() > cursor + 1) {
                return null;
            }
            List<Event> out = new ArrayList<>(Math.min(max, events.size()));
            for (Iterator<Event> it = events.descendingIterator(); it.hasNext(); ) {
                Event e = it.next();
                if (e.seq() <= cursor) {
                    break;
                }
                out.add(e);
            }
            java.util.Collections.reverse(out);
            return out.size() > max ? List.copyOf(out.subList(0, max)) : out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a record comes after {@code cursor}, the model {@linkplain #end() ends}, or the time
     * passes.
     *
     * @return whether there is something after the cursor
     */
    public boolean awaitAfter(long cursor, long timeoutMillis) throws InterruptedException {
        long left = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (seq <= cursor && !ended && left > 0) {
                left = added.awaitNanos(left);
            }
            return seq > cursor;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The whole model as one JSON object: {@code mode}, {@code sensor}, {@code interval_ns}, {@code seq}
     * (the events that follow it start after it), {@code limits}, {@code windows} (oldest first, each with
     * its {@code window} record and its {@code ports}), {@code alerts}, {@code services}, {@code summaries}.
     */
    public String state() {
        return state(null);
    }

    /** {@link #state()} with one more member, {@code report}, when {@code report} (a JSON object) is not null. */
    public String state(String report) {
        List<Window> ws;
        List<List<String>> ports = new ArrayList<>();
        List<String> as;
        List<String> ss;
        List<String> sums;
        long at;
        long wd;
        long ad;
        lock.lock();
        try {
            ws = new ArrayList<>(windows);
            for (Window w : ws) {
                ports.add(w.ports);
            }
            as = new ArrayList<>(alerts);
            ss = new ArrayList<>(services.values());
            sums = new ArrayList<>(summaries);
            at = seq;
            wd = windowsDropped;
            ad = alertsDropped;
        } finally {
            lock.unlock();
        }
        StringBuilder b = new StringBuilder(4096);
        b.append("{\"mode\":").append(Json.string(mode))
                .append(",\"sensor\":").append(Json.string(sensor))
                .append(",\"interval_ns\":").append(intervalNanos)
                .append(",\"seq\":").append(at)
                .append(",\"limits\":{\"windows\":").append(limits.windows)
                .append(",\"age_seconds\":").append(limits.ageNanos / 1_000_000_000L)
                .append(",\"ports_kept\":").append(limits.portsKept)
                .append(",\"ports_latest\":").append(limits.portsLatest)
                .append(",\"alerts\":").append(limits.alerts)
                .append("},\"windows_dropped\":").append(wd)
                .append(",\"alerts_dropped\":").append(ad)
                .append(",\"windows\":[");
        for (int i = 0; i < ws.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            Window w = ws.get(i);
            appendWindow(b, w, ports.get(i), w.seq);
        }
        b.append("],\"alerts\":");
        Json.array(b, as);
        b.append(",\"services\":");
        Json.array(b, ss);
        b.append(",\"summaries\":");
        Json.array(b, sums);
        if (report != null) {
            b.append(",\"report\":").append(report);
        }
        return b.append('}').toString();
    }

    private static String windowJson(Window w, long seq, List<String> services) {
        StringBuilder b = new StringBuilder(256 + w.record.length() + 300 * w.ports.size());
        appendWindow(b, w, w.ports, seq);
        b.setLength(b.length() - 1);
        b.append(",\"services\":");
        Json.array(b, services);
        return b.append('}').toString();
    }

    private static void appendWindow(StringBuilder b, Window w, List<String> ports, long seq) {
        b.append("{\"seq\":").append(seq).append(",\"ports_total\":").append(w.portsTotal)
                .append(",\"window\":").append(w.record).append(",\"ports\":");
        Json.array(b, ports);
        b.append('}');
    }
}
