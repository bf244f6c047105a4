package io.portwatch.app;

import io.portwatch.app.cli.InterfacesCommand;
import io.portwatch.app.cli.LiveCommand;
import io.portwatch.app.cli.ReadCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code portwatch} command. */
@Command(name = "portwatch",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Passive network traffic analyzer by port.",
        subcommands = {ReadCommand.class, LiveCommand.class, InterfacesCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit status: 0 success; 1 an input could not be read completely (the rest was analysed);",
                "2 invalid usage (option, filter); 3 libpcap is missing or the output cannot be written; 70 internal error."})
public final class Main implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_INPUT = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNAVAILABLE = 3;
    public static final int EXIT_INTERNAL = 70;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (read, live, interfaces)");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit status (what main exits with). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExitCodeExceptionMapper(t -> EXIT_INTERNAL);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("portwatch: " + ex.getMessage() + " (see '"
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println("portwatch: internal error: " + ex);
            if (Boolean.getBoolean("portwatch.verbose") || java.util.Arrays.asList(parsed.originalArgs()).contains("--verbose")) {
                ex.printStackTrace(err);
            } else {
                err.println("Run with --verbose for details.");
            }
            err.flush();
            return EXIT_INTERNAL;
        });
        return cl.execute(args);
    }

    /** Version from the jar manifest. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"portwatch " + (v == null ? "dev" : v)};
        }
    }
}
