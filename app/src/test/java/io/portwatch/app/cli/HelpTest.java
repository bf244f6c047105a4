package io.portwatch.app.cli;

import io.portwatch.app.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The help of portwatch and of each command says what every option does, and how to run it. */
class HelpTest {

    private static String help(CommandLine cl) {
        StringWriter w = new StringWriter();
        cl.usage(new PrintWriter(w));
        return w.toString();
    }

    @Test
    void everyOptionAndParameterIsDescribed() {
        CommandLine main = Main.commandLine();
        for (Map.Entry<String, CommandLine> c : main.getSubcommands().entrySet()) {
            CommandSpec spec = c.getValue().getCommandSpec();
            assertTrue(spec.usageMessage().description().length > 0, c.getKey() + " has a description");
            String text = help(c.getValue());
            for (OptionSpec o : spec.options()) {
                String d = String.join(" ", o.description()).strip();
                assertFalse(d.isEmpty(), c.getKey() + " " + o.longestName() + " has a description");
                assertTrue(text.contains(o.longestName().replaceFirst("^--", "")), c.getKey() + " help shows "
                        + o.longestName());
            }
            spec.positionalParameters().forEach(p -> assertFalse(String.join(" ", p.description()).isBlank(),
                    c.getKey() + " " + p.paramLabel() + " has a description"));
        }
    }

    @Test
    void theAnalysingCommandsShowExamplesTheConfigurationFileAndExitStatuses() {
        CommandLine main = Main.commandLine();
        for (String name : new String[] {"read", "live"}) {
            String text = help(main.getSubcommands().get(name));
            assertTrue(text.contains("Usage: portwatch " + name + " [OPTIONS]"), text);
            assertTrue(text.contains("Examples:\n  portwatch " + name + " "), text);
            assertTrue(text.contains("--config=FILE") && text.contains("src/examples/portwatch.yaml"), text);
            assertTrue(text.contains("Exit status:\n  0   success"), text);
            assertTrue(text.contains("  2   invalid usage: an option, the configuration file, a filter"), text);
            for (String line : text.split("\n")) {
                assertTrue(line.length() <= 80, "help fits 80 columns: " + line);
            }
        }
        String top = help(main);
        for (String name : main.getSubcommands().keySet()) {
            assertTrue(top.contains("  " + name + " "), "portwatch --help lists " + name);
        }
        assertTrue(top.contains("Exit status:"), top);
    }

    @Test
    void helpIsAskedForNotAnError() {
        assertEquals(Main.EXIT_OK, Main.run("read", "--help"));
        assertEquals(Main.EXIT_OK, Main.run("help", "live"));
        assertEquals(Main.EXIT_USAGE, Main.run("read"));
        assertEquals(Main.EXIT_OK, Main.run("--version"));
        assertEquals(Main.EXIT_USAGE, Main.run("raed", "x.pcap"));
    }
}
