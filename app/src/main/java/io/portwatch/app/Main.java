package io.portwatch.app;

import io.portwatch.analysis.ports.IanaServices;
import io.portwatch.analysis.ports.SketchLibrary;
import io.portwatch.app.cli.HelpText;
import io.portwatch.app.cli.InterfacesCommand;
import io.portwatch.app.cli.LiveCommand;
import io.portwatch.app.cli.ReadCommand;
import io.portwatch.app.config.CommandConfig;
import io.portwatch.app.config.ConfigException;
import io.portwatch.app.config.ConfigFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code portwatch} command. */
@Command(name = "portwatch",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Passive network traffic analyzer by port.",
        footer = {"", "Run 'portwatch COMMAND --help' for a command's options. " + HelpText.CONFIG,
                HelpText.EXIT_HEADING, HelpText.EXIT_0, HelpText.EXIT_1, HelpText.EXIT_2, HelpText.EXIT_3,
                HelpText.EXIT_70})
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
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (read, live, interfaces, fleet)");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    private static final Pattern LEADING_OPTION = Pattern.compile("^(--[a-z0-9][a-z0-9-]*)");

    /** The commands, in the order help lists them. */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("read", ReadCommand::new);
        COMMANDS.put("live", LiveCommand::new);
        COMMANDS.put("interfaces", InterfacesCommand::new);
        COMMANDS.put("fleet", io.portwatch.app.cli.FleetCommand::new);
        COMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    /**
     * The {@code portwatch} command line for these arguments: when the first names a command, with that
     * command only (building a command's model by reflection is most of picocli's start-up, and a run
     * needs one), else with every command (for {@code help}, and for suggestions on a mistyped name).
     * Without arguments: every command.
     */
    public static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Supplier<Object> only = args.length > 0 && !"help".equals(args[0]) ? COMMANDS.get(args[0]) : null;
        if (only != null) {
            cl.addSubcommand(only.get());
        } else {
            COMMANDS.values().forEach(c -> cl.addSubcommand(c.get()));
        }
        return cl;
    }

    /** Runs the command line and returns the exit status (what main exits with). */
    public static int run(String... args) {
        SketchLibrary.ready(); // before any other thread: it sets the version string for a moment on Java 22+
        preload();
        CommandLine cl = commandLine(args);
        // where each option set by a configuration file came from, to name it in usage errors
        Map<String, String> fromConfig = new LinkedHashMap<>();
        cl.setExitCodeExceptionMapper(t -> EXIT_INTERNAL);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String m = ex.getMessage();
            Matcher lead = LEADING_OPTION.matcher(m);
            String origin = lead.find() ? fromConfig.get(lead.group(1)) : null;
            err.println("portwatch: " + (origin != null ? origin + m
                    : m + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')"));
            err.flush();
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println("portwatch: internal error: " + ex);
            if (Boolean.getBoolean("portwatch.verbose") || java.util.Arrays.asList(parsed.originalArgs()).contains("--verbose")
                    || fromConfig.containsKey("--verbose")) {
                ex.printStackTrace(err);
            } else {
                err.println("Run with --verbose for details.");
            }
            err.flush();
            return EXIT_INTERNAL;
        });
        cl.setExecutionStrategy(parsed -> {
            CommandLine.ParseResult leaf = parsed;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            if (!leaf.isUsageHelpRequested() && !leaf.isVersionHelpRequested() && leaf.hasMatchedOption("--config")) {
                Path file = leaf.matchedOptionValue("--config", null);
                try {
                    ConfigFile config = ConfigFile.load(file);
                    CommandConfig.apply(config, leaf, configurable(cl)).forEach((option, s) -> fromConfig.put(option,
                            config.path() + ", line " + s.line() + ": key '" + s.key() + "', value '" + s.text() + "': "));
                } catch (ConfigException e) {
                    PrintWriter err = leaf.commandSpec().commandLine().getErr();
                    err.println("portwatch: " + e.getMessage());
                    err.flush();
                    return EXIT_USAGE;
                }
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return cl.execute(args);
    }

    /**
     * Loads, on a thread of its own while the command line is parsed, what every analysis needs and takes
     * a while to load (in the interpreter, at start-up): the IANA service table (~15 ms) and the SHA-1 of
     * Community IDs. A thread that needs one first waits for it, as for any class being initialized.
     */
    private static void preload() {
        Thread t = new Thread(() -> {
            try {
                IanaServices.portCount();
                MessageDigest.getInstance("SHA-1");
            } catch (Throwable e) {
                // left to the thread that needs it, which reports it
            }
        }, "portwatch-preload");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The commands that take {@code --config}, by name: those of {@code main}, and those it was built
     * without (a configuration file is checked against every command that reads it).
     */
    public static Map<String, CommandLine.Model.CommandSpec> configurable(CommandLine main) {
        Map<String, CommandLine.Model.CommandSpec> commands = new LinkedHashMap<>();
        COMMANDS.forEach((name, command) -> {
            CommandLine sub = main.getSubcommands().get(name);
            CommandLine.Model.CommandSpec spec = (sub != null ? sub : new CommandLine(command.get())).getCommandSpec();
            if (spec.findOption("--config") != null) {
                commands.put(name, spec);
            }
        });
        return commands;
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
