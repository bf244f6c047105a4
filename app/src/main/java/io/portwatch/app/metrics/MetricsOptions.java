package io.portwatch.app.metrics;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;

/**
 * The metrics options of a command ({@code --metrics-port}, {@code --metrics-address}, {@code --metrics-top}),
 * as a picocli mixin: {@code @CommandLine.Mixin MetricsOptions metrics;}.
 */
public final class MetricsOptions {

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://ADDRESS:PORT/metrics and a health check at /health. "
                    + "Default: off.")
    Integer port;

    @Option(names = "--metrics-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address the metrics endpoint listens on (0.0.0.0 for every IPv4 address, for a "
                    + "Prometheus on another host). Default: ${DEFAULT-VALUE}.")
    String address = "127.0.0.1";

    @Option(names = "--metrics-top", paramLabel = "N", defaultValue = "" + MetricsSink.DEFAULT_TOP,
            description = "Busiest ports of each interface's last window in portwatch_top_port_packets "
                    + "(0 to " + MetricsSink.MAX_TOP + "). Default: ${DEFAULT-VALUE}.")
    int top = MetricsSink.DEFAULT_TOP;

    /** True when {@code --metrics-port} was given. */
    public boolean enabled() {
        return port != null;
    }

    /** Ports per interface in the top-N gauge, for {@link MetricsSink}. */
    public int top() {
        return top;
    }

    /**
     * Checks the options and starts the endpoint for {@code metrics}.
     *
     * @param cmd     the command, for usage errors (a port out of range, a bad --metrics-top)
     * @param metrics what to serve
     * @throws CommandLine.ParameterException on invalid values
     * @throws IOException with a one-line message when it cannot listen (port taken, unknown address)
     */
    public MetricsServer start(CommandLine cmd, PortwatchMetrics metrics) throws IOException {
        validate(cmd);
        return MetricsServer.start(metrics, address, port);
    }

    /** Checks the values; call it before starting anything else. */
    public void validate(CommandLine cmd) {
        if (port != null && (port < 0 || port > 65535)) {
            throw new CommandLine.ParameterException(cmd, "--metrics-port must be 0 to 65535: " + port);
        }
        if (top < 0 || top > MetricsSink.MAX_TOP) {
            throw new CommandLine.ParameterException(cmd,
                    "--metrics-top must be 0 to " + MetricsSink.MAX_TOP + ": " + top);
        }
        if (!enabled()) {
            return;
        }
        if (address == null || address.isBlank()) {
            throw new CommandLine.ParameterException(cmd, "--metrics-address must not be empty");
        }
    }
}
