package io.portwatch.app.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;

/**
 * Serves {@link PortwatchMetrics} over HTTP with the JDK's server, on a thread of its own:
 * {@code /metrics} in Prometheus text format (OpenMetrics when the scraper asks for it, gzip when it
 * accepts it) and {@code /health}, 200 with {@code {"status":"up","uptime_seconds":...}} while running.
 */
public final class MetricsServer implements AutoCloseable {

    /** Prometheus text format, the default answer of {@code /metrics}. */
    public static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics text, for a scraper whose Accept header names it. */
    public static final String OPENMETRICS_FORMAT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PortwatchMetrics metrics;
    private final HttpServer server;
    private final ExecutorService executor;
    private final long startNanos = System.nanoTime();

    private MetricsServer(PortwatchMetrics metrics, HttpServer server, ExecutorService executor) {
        this.metrics = metrics;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving.
     *
     * @param metrics what to serve
     * @param address the address to listen on: {@code 0.0.0.0} (every IPv4 address), {@code ::}, {@code 127.0.0.1}, a host name
     * @param port    the TCP port, 0 for any free one (see {@link #port()})
     * @throws IOException with a one-line message naming the address when it cannot listen there
     */
    public static MetricsServer start(PortwatchMetrics metrics, String address, int port) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IOException("cannot serve metrics on port " + port + ": not a TCP port");
        }
        InetSocketAddress bind = new InetSocketAddress(address, port);
        if (bind.isUnresolved()) {
            throw new IOException("cannot serve metrics on " + address + ": unknown address");
        }
        HttpServer server;
        try {
            server = HttpServer.create(bind, 16);
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + hostPort(bind) + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "portwatch-metrics");
            t.setDaemon(true);
            return t;
        });
        MetricsServer s = new MetricsServer(metrics, server, executor);
        server.createContext("/", s::handle);
        server.setExecutor(executor);
        server.start();
        return s;
    }

    /**
     * {@code /metrics} and {@code /health} as {@link #start} serves them, for a server made elsewhere (the
     * web view's, which serves them beside its own paths): give it those two contexts.
     */
    public static HttpHandler handler(PortwatchMetrics metrics) {
        return new MetricsServer(metrics, null, null)::handle;
    }

    /** The address and port it listens on. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The TCP port it listens on (the one chosen when started with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Where to scrape, e.g. {@code http://0.0.0.0:9464/metrics}, for a start-up message. */
    public String url() {
        return "http://" + hostPort(server.getAddress()) + "/metrics";
    }

    /** What it serves. */
    public PortwatchMetrics metrics() {
        return metrics;
    }

    /** Stops listening at once (a scrape under way is cut); the metrics stay open. */
    @Override
    public void close() {
        server.stop(0); // on JDK 17 any delay is waited in full, busy or not
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            if (!path.equals("/metrics") && !path.equals("/health")) {
                send(ex, 404, "text/plain; charset=utf-8", "not found: try /metrics or /health\n");
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
                return;
            }
            if (path.equals("/health")) {
                double uptime = (System.nanoTime() - startNanos) / 1e9;
                send(ex, 200, "application/json", String.format(Locale.ROOT,
                        "{\"status\":\"up\",\"uptime_seconds\":%.3f}%n", uptime));
                return;
            }
            String accept = ex.getRequestHeaders().getFirst("Accept");
            String type = accept != null && accept.contains("application/openmetrics-text")
                    ? OPENMETRICS_FORMAT : TEXT_FORMAT;
            send(ex, 200, type, metrics.registry().scrape(type));
        } catch (RuntimeException e) {
            // a meter that fails to read must not kill the server: the scraper sees the error
            send(ex, 500, "text/plain; charset=utf-8", "cannot collect the metrics: " + e + "\n");
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
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
}
