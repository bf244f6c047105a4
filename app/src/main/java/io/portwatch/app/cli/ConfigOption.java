package io.portwatch.app.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --config FILE}, as a picocli mixin: settings from a YAML file, read before the command runs
 * (see {@link io.portwatch.app.config.ConfigFile}); options on the command line win over the file.
 */
public final class ConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", order = -1,
            description = "Settings from a YAML file: each key is an option's name without '--' (interval: 10s, "
                    + "kafka: host:9092, interface: [eth0, eth1]); keys under 'read:' or 'live:' apply to that "
                    + "command only; relative file names are taken from the file's directory. Options given on the "
                    + "command line win. Example: src/examples/portwatch.yaml.")
    Path file;
}
