package io.portwatch.app.web;

import io.portwatch.app.metrics.PortwatchMetrics;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Properties;

/**
 * {@code portwatch fleet --http-port}: the web view of the fleet's output. The same page, server and model
 * as {@code live --http-port} (mode {@code fleet}: its windows are the fleet's, its alerts fleet scans,
 * its services the fleet's inventory), fed by a {@link FleetFeed} that reads the fleet's output topics back.
 * Started once the job has made its topics; closed before the job stops.
 */
public final class FleetWebView implements AutoCloseable {

    private final WebServer server;
    private final FleetFeed feed;
    private final PortwatchMetrics ownMetrics;

    private FleetWebView(WebServer server, FleetFeed feed, PortwatchMetrics ownMetrics) {
        this.server = server;
        this.feed = feed;
        this.ownMetrics = ownMetrics;
    }

    /**
     * Serves the view and starts reading the fleet's output; says where on {@code err}.
     *
     * @param web           the options (validated)
     * @param metrics       served at {@code /metrics} and {@code /health}; null: a registry of its own
     * @param kafka         the fleet's Kafka settings
     * @param topics        the fleet's output topics
     * @param applicationId the fleet's application id, the name its windows go by
     * @param windowNanos   the fleet's window
     * @throws IOException with a one-line message when it cannot listen
     */
    public static FleetWebView start(WebOptions web, CommandLine cmd, PortwatchMetrics metrics, Properties kafka,
                                     FleetFeed.Topics topics, String applicationId, long windowNanos,
                                     PrintWriter err) throws IOException {
        PortwatchMetrics own = metrics == null ? new PortwatchMetrics() : null;
        WebModel model = new WebModel(WebModel.Limits.live(), "fleet", applicationId, windowNanos);
        WebServer server;
        try {
            server = web.start(cmd, metrics != null ? metrics : own, model);
        } catch (IOException | RuntimeException e) {
            if (own != null) {
                own.close();
            }
            throw e;
        }
        FleetFeed feed;
        try {
            feed = FleetFeed.start(kafka, topics, model, applicationId, line -> {
                err.println(line);
                err.flush();
            });
        } catch (RuntimeException e) {
            server.close();
            if (own != null) {
                own.close();
            }
            throw e;
        }
        err.println("portwatch: web view on " + server.url() + (server.authenticated() ? " (password required)" : ""));
        err.flush();
        return new FleetWebView(server, feed, own);
    }

    /** The server (its address, for tests). */
    public WebServer server() {
        return server;
    }

    /** The consumer (its counters). */
    public FleetFeed feed() {
        return feed;
    }

    @Override
    public void close() {
        try {
            feed.close();
        } finally {
            server.close();
            if (ownMetrics != null) {
                ownMetrics.close();
            }
        }
    }
}
