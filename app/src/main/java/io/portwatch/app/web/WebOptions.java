package io.portwatch.app.web;

import io.portwatch.app.metrics.PortwatchMetrics;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The web view's options of {@code live} ({@code --http-port}, {@code --http-address},
 * {@code --http-password-file}; the password may come from {@value #PASSWORD_ENV} instead), as a picocli
 * mixin. The password is never said: not in messages, not in logs.
 */
public final class WebOptions {

    /** The environment variable that may hold the password (the file wins when both are given). */
    public static final String PASSWORD_ENV = "PORTWATCH_HTTP_PASSWORD";

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Serve the web view at http://ADDRESS:PORT/ (top ports over time, each port's clients and "
                    + "servers, alerts with their evidence, exposed services, capture health; updated as windows "
                    + "close), with /metrics and /health on the same server. 0: any free port. Default: off.")
    Integer port;

    @Option(names = "--http-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address the web view listens on (traffic data names hosts: 0.0.0.0 shows them to the "
                    + "network). Default: ${DEFAULT-VALUE}.")
    String address = "127.0.0.1";

    @Option(names = "--http-password-file", paramLabel = "FILE",
            description = "Ask for this password (its first line; any user name) by HTTP basic authentication on "
                    + "every path of the web view but /health; or set " + PASSWORD_ENV + ". Default: none.")
    Path passwordFile;

    /** True when {@code --http-port} was given. */
    public boolean enabled() {
        return port != null;
    }

    /** Checks the values; call it before starting anything else. */
    public void validate(CommandLine cmd) {
        if (port != null && (port < 0 || port > 65535)) {
            throw new CommandLine.ParameterException(cmd, "--http-port must be 0 to 65535: " + port);
        }
        if (port == null && passwordFile != null) {
            throw new CommandLine.ParameterException(cmd, "--http-password-file needs --http-port");
        }
        if (port != null && (address == null || address.isBlank())) {
            throw new CommandLine.ParameterException(cmd, "--http-address must not be empty");
        }
        if (port != null) {
            password(cmd, System.getenv());
        }
    }

    /**
     * The password: the first line of {@code --http-password-file}, else {@value #PASSWORD_ENV}, else null.
     *
     * @throws CommandLine.ParameterException when the file cannot be read or the password is empty (the
     *                                        message names the file, never what it holds)
     */
    String password(CommandLine cmd, Map<String, String> env) {
        if (passwordFile != null) {
            String text;
            try {
                text = Files.readString(passwordFile, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw new CommandLine.ParameterException(cmd, "--http-password-file " + passwordFile
                        + ": cannot read it (" + e.getClass().getSimpleName() + ")");
            }
            String first = text.lines().findFirst().orElse("");
            if (first.isEmpty()) {
                throw new CommandLine.ParameterException(cmd, "--http-password-file " + passwordFile
                        + ": its first line is empty");
            }
            return first;
        }
        String fromEnv = env.get(PASSWORD_ENV);
        if (fromEnv != null && fromEnv.isEmpty()) {
            throw new CommandLine.ParameterException(cmd, PASSWORD_ENV + " is set but empty");
        }
        return fromEnv;
    }

    /**
     * Starts the server.
     *
     * @param metrics served at {@code /metrics} and {@code /health}
     * @param model   the web view's data
     * @throws IOException with a one-line message when it cannot listen (port taken, unknown address)
     */
    public WebServer start(CommandLine cmd, PortwatchMetrics metrics, WebModel model) throws IOException {
        return WebServer.start(address, port, metrics, model, password(cmd, System.getenv()));
    }
}
