package io.portwatch.app.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code /api/events}: the model's records as Server-Sent Events, as they come ({@code window},
 * {@code alert}, {@code service}, {@code summary}; {@code reset} when the browser fell so far behind
 * that the events it missed are no longer kept: it then loads {@code /api/state} again). Each event's
 * id is its sequence number, so a browser that reconnects ({@code Last-Event-ID}, or {@code ?after=N}
 * after a snapshot) misses nothing that is still kept.
 *
 * <p>Each browser is followed by a thread of its own with its own cursor into the model: a browser that
 * reads slowly, or not at all, blocks only its own thread in a socket write, never the output (which
 * only adds references to the model) nor the other browsers. The number of followers is bounded; one
 * more is answered 503 (the page then polls the snapshot). A stream ends after a while, and the browser
 * reconnects from where it was: no stream lasts for ever.
 */
final class EventStream implements HttpHandler {

    private static final int BATCH = 64;
    private static final byte[] RETRY = "retry: 2000\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEPALIVE = ": keepalive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final WebModel model;
    private final int maxClients;
    private final long lifetimeMillis;
    private final long keepaliveMillis;
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param model           what to follow
     * @param maxClients      browsers followed at once at most
     * @param lifetimeMillis  how long one stream lasts before the browser is made to reconnect
     * @param keepaliveMillis a comment line is sent after this long without events (proxies, dead peers)
     */
    EventStream(WebModel model, int maxClients, long lifetimeMillis, long keepaliveMillis) {
        this.model = model;
        this.maxClients = maxClients;
        this.lifetimeMillis = lifetimeMillis;
        this.keepaliveMillis = keepaliveMillis;
    }

    /** Browsers followed now. */
    int clients() {
        return clients.get();
    }

    /** Browsers turned away because {@code maxClients} were followed. */
    long refused() {
        return refused.get();
    }

    /** Ends every stream at its next event or keep-alive. */
    void close() {
        closed = true;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("GET")) {
            ex.getResponseHeaders().set("Allow", "GET");
            WebServer.send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
            return;
        }
        long cursor = cursor(ex);
        if (clients.incrementAndGet() > maxClients) {
            clients.decrementAndGet();
            refused.incrementAndGet();
            ex.getResponseHeaders().set("Retry-After", "10");
            WebServer.send(ex, 503, "text/plain; charset=utf-8", "too many event streams: " + maxClients + "\n");
            return;
        }
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.getResponseHeaders().set("X-Accel-Buffering", "no");
            ex.sendResponseHeaders(200, 0);
            Thread t = new Thread(() -> follow(ex, cursor), "portwatch-events-" + started.incrementAndGet());
            t.setDaemon(true);
            t.start();
        } catch (IOException | RuntimeException | Error e) {
            clients.decrementAndGet();
            ex.close();
            throw e;
        }
    }

    /** Where the browser is: {@code Last-Event-ID}, else {@code ?after=N}, else the latest record. */
    private long cursor(HttpExchange ex) {
        String id = ex.getRequestHeaders().getFirst("Last-Event-ID");
        String query = ex.getRequestURI().getRawQuery();
        if (id == null && query != null) {
            for (String kv : query.split("&")) {
                if (kv.startsWith("after=")) {
                    id = kv.substring("after=".length());
                }
            }
        }
        if (id != null) {
            try {
                return Math.max(0, Long.parseLong(id.trim()));
            } catch (NumberFormatException e) {
                // not a cursor of ours: from the latest record
            }
        }
        return model.seq();
    }

    private void follow(HttpExchange ex, long from) {
        long cursor = from;
        long deadline = System.nanoTime() + lifetimeMillis * 1_000_000L;
        try (OutputStream out = ex.getResponseBody()) {
            out.write(RETRY);
            out.flush();
            while (!closed && System.nanoTime() < deadline) {
                if (cursor > model.seq()) {
                    cursor = reset(out); // a cursor of an earlier run
                    continue;
                }
                List<WebModel.Event> batch = model.eventsAfter(cursor, BATCH);
                if (batch == null) {
                    cursor = reset(out);
                } else if (batch.isEmpty()) {
                    if (model.ended()) {
                        return;
                    }
                    if (!model.awaitAfter(cursor, keepaliveMillis)) {
                        out.write(KEEPALIVE);
                        out.flush();
                    }
                } else {
                    for (WebModel.Event e : batch) {
                        out.write(("event: " + e.name() + "\nid: " + e.seq() + "\ndata: ").getBytes(StandardCharsets.US_ASCII));
                        out.write(e.data().getBytes(StandardCharsets.UTF_8));
                        out.write('\n');
                        out.write('\n');
                        cursor = e.seq();
                    }
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the browser went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clients.decrementAndGet();
            ex.close();
        }
    }

    /** Tells the browser to load a snapshot; returns the cursor from which it then follows. */
    private long reset(OutputStream out) throws IOException {
        long now = model.seq();
        out.write(("event: reset\nid: " + now + "\ndata: {\"seq\":" + now + "}\n\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return now;
    }
}
