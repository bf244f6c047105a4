package io.portwatch.app.web;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.portwatch.app.metrics.MetricsServer;
import io.portwatch.app.metrics.PortwatchMetrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

/**
 * One HTTP server (the JDK's) for {@code live --http-port}: {@code /metrics} and {@code /health} exactly
 * as {@link MetricsServer} serves them, and the web view: {@code /} (the page), {@code /assets/...} (its
 * scripts and styles, from the jar), {@code /api/state} (a JSON snapshot of the {@link WebModel}) and
 * {@code /api/events} (its records as Server-Sent Events, see {@link EventStream}).
 *
 * <p>Traffic data names hosts: with a password, every path but {@code /health} asks for HTTP basic
 * authentication (any user name; the password compared in constant time, never logged). Requests run on a
 * few threads of its own; each event stream on a thread of its own.
 */
public final class WebServer implements AutoCloseable {

    /** Browsers that may follow the events at once. */
    static final int MAX_EVENT_CLIENTS = 8;
    private static final int THREADS = 4;
    private static final long STREAM_LIFETIME_MILLIS = 10 * 60_000L;
    private static final long KEEPALIVE_MILLIS = 15_000L;
    private static final String CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final HttpServer server;
    private final ExecutorService executor;
    private final EventStream events;
    private final WebModel model;
    private final boolean authenticated;

    private WebServer(HttpServer server, ExecutorService executor, EventStream events, WebModel model,
                      boolean authenticated) {
        this.server = server;
        this.executor = executor;
        this.events = events;
        this.model = model;
        this.authenticated = authenticated;
    }

    /**
     * Starts serving.
     *
     * @param address  the address to listen on, e.g. {@code 127.0.0.1}
     * @param port     the TCP port, 0 for any free one
     * @param metrics  served at {@code /metrics} and {@code /health}
     * @param model    the web view's data
     * @param password the basic-auth password, or null for none
     * @throws IOException with a one-line message naming the address when it cannot listen there
     */
    public static WebServer start(String address, int port, PortwatchMetrics metrics, WebModel model,
                                  String password) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IOException("cannot serve the web view on port " + port + ": not a TCP port");
        }
        InetSocketAddress bind = new InetSocketAddress(address, port);
        if (bind.isUnresolved()) {
            throw new IOException("cannot serve the web view on " + address + ": unknown address");
        }
        HttpServer server;
        try {
            server = HttpServer.create(bind, 32);
        } catch (IOException e) {
            throw new IOException("cannot serve the web view on " + hostPort(bind) + ": " + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "portwatch-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        EventStream events = new EventStream(model, MAX_EVENT_CLIENTS, STREAM_LIFETIME_MILLIS, KEEPALIVE_MILLIS);
        WebServer s = new WebServer(server, executor, events, model, password != null);
        BasicAuthenticator auth = password == null ? null : new PasswordCheck(password);
        server.createContext("/health", MetricsServer.handler(metrics));
        protect(server.createContext("/metrics", MetricsServer.handler(metrics)), auth);
        protect(server.createContext("/api/events", events), auth);
        protect(server.createContext("/", s::handle), auth);
        server.setExecutor(executor);
        server.start();
        return s;
    }

    private static void protect(HttpContext context, BasicAuthenticator auth) {
        if (auth != null) {
            context.setAuthenticator(auth);
        }
    }

    /** The address and port it listens on. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The TCP port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8080/}, for a start-up message. */
    public String url() {
        return "http://" + hostPort(server.getAddress()) + "/";
    }

    /** Whether a password is asked for. */
    public boolean authenticated() {
        return authenticated;
    }

    /** Browsers following the events now. */
    public int eventClients() {
        return events.clients();
    }

    /** Stops listening at once; event streams end. */
    @Override
    public void close() {
        events.close();
        model.end();
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
                return;
            }
            if (path.equals("/") || path.equals("/index.html")) {
                ex.getResponseHeaders().set("Content-Security-Policy", CSP);
                send(ex, 200, Assets.page().type(), Assets.page().bytes());
            } else if (path.startsWith("/assets/") && Assets.get(path.substring("/assets/".length())) != null) {
                Assets.Asset a = Assets.get(path.substring("/assets/".length()));
                send(ex, 200, a.type(), a.bytes());
            } else if (path.equals("/api/state")) {
                ex.getResponseHeaders().set("Cache-Control", "no-store");
                send(ex, 200, "application/json", model.state().getBytes(StandardCharsets.UTF_8));
            } else {
                send(ex, 404, "text/plain; charset=utf-8", "not found: the web view is at /\n");
            }
        }
    }

    static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a whole response, gzipped when the browser accepts it and it is worth it. */
    static void send(HttpExchange ex, int status, String type, byte[] bytes) throws IOException {
        String encoding = ex.getRequestHeaders().getFirst("Accept-Encoding");
        if (encoding != null && encoding.contains("gzip") && bytes.length > 1024) {
            ByteArrayOutputStream zipped = new ByteArrayOutputStream(bytes.length / 4);
            try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
                gz.write(bytes);
            }
            bytes = zipped.toByteArray();
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
        }
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * Basic authentication against one password, any user name: the password's SHA-256 is compared in
     * constant time (so neither the password nor its length leaks through timing).
     */
    static final class PasswordCheck extends BasicAuthenticator {

        private final byte[] digest;

        PasswordCheck(String password) {
            super("portwatch", StandardCharsets.UTF_8);
            this.digest = sha256(password);
        }

        @Override
        public boolean checkCredentials(String user, String password) {
            return password != null && MessageDigest.isEqual(digest, sha256(password));
        }

        private static byte[] sha256(String s) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
