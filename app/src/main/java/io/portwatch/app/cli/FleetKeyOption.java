package io.portwatch.app.cli;

import io.portwatch.analysis.ports.FleetKey;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code --fleet-key-file FILE} (or {@value #KEY_ENV}), as a picocli mixin: the key a fleet of sensors
 * shares, that addresses are hashed with before they go into the mergeable sketches of {@code port_stats}
 * ({@link FleetKey}; docs/output.md says why). The key is never said: not in messages, not in logs, not in
 * records (which say only {@code hll_key: fleet}).
 */
public final class FleetKeyOption {

    /** The environment variable that may hold the key (the file wins when both are given). */
    public static final String KEY_ENV = "PORTWATCH_FLEET_KEY";

    @Option(names = "--fleet-key-file", paramLabel = "FILE",
            description = "The fleet's key (the file's text, at least 16 characters; or set " + KEY_ENV + "): "
                    + "addresses are hashed with it before they go into the port records' distinct-count "
                    + "sketches, which then merge only with sketches of sensors that have the same key, and "
                    + "cannot be aimed at by whoever does not. Default: none (hll_key public).")
    Path file;

    /**
     * The key: {@code --fleet-key-file}'s text, else {@value #KEY_ENV}'s, else null.
     *
     * @throws CommandLine.ParameterException when the file cannot be read or the key is too short (the
     *                                        message names the file or the variable, never the key)
     */
    FleetKey key(CommandLine cmd, Map<String, String> env) {
        String text;
        String where;
        if (file != null) {
            where = "--fleet-key-file " + file;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw new CommandLine.ParameterException(cmd, where + ": cannot read it ("
                        + e.getClass().getSimpleName() + ")");
            }
        } else {
            where = KEY_ENV;
            text = env.get(KEY_ENV);
            if (text == null) {
                return null;
            }
        }
        try {
            return FleetKey.of(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, where + ": " + e.getMessage());
        }
    }
}
