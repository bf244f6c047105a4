package io.portwatch.app.cli;

/** Text shared by the commands' help (annotation constants). */
public final class HelpText {

    public static final String VALUES = "Durations: 500ms, 10s, 5m, 1h. Sizes: 65536, 512k, 4MiB, 1g (powers of 1024).";
    public static final String CONFIG = "Every option can also come from a YAML file (--config FILE): keys are the option "
            + "names without '--'; options given on the command line win. Example: src/examples/portwatch.yaml.";
    public static final String EXIT_HEADING = "%nExit status:";
    public static final String EXIT_0 = "  0   success";
    public static final String EXIT_1 = "  1   an input could not be read completely (the rest was analysed)";
    public static final String EXIT_2 = "  2   invalid usage: an option, the configuration file, a filter";
    public static final String EXIT_3 = "  3   libpcap missing, capture not permitted, or the output cannot be written";
    public static final String EXIT_70 = "  70  internal error (--verbose shows the stack trace)";

    private HelpText() {
    }
}
