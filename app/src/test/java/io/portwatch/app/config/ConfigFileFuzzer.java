package io.portwatch.app.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portwatch.app.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * A coverage-guided fuzz target (Jazzer) for the configuration file: any text as {@link ConfigFile#parse} reads
 * it (bytes that are not UTF-8 stop in {@link ConfigFile#load}, in the JDK's decoder), then applied by
 * {@link CommandConfig} to the real {@code read} and {@code live} commands, every value through its option's own
 * converter. Seeds: {@code src/examples/portwatch.yaml}, and the same with every key it shows set. A plain
 * {@code mvn test} runs the target on its seeds and on the findings kept beside this class; {@code JAZZER_FUZZ=1}
 * fuzzes it (docs/fuzzing.md).
 *
 * <p>What every text must give: settings, or a {@link ConfigException} whose message is one line that starts
 * with the file's name, and the line it names within the file; nothing else thrown.
 */
class ConfigFileFuzzer {

    static final Path FILE = Path.of("fuzz.yaml");
    private static final int MAX_INPUT = 64 * 1024;
    /** A key the example shows commented out ({@code # top: 0}, {@code   # reader: java}, {@code #   acks: all}). */
    private static final Pattern SHOWN = Pattern.compile("( *)# ((?:  )?[a-z][a-z0-9.-]*:.*)");
    private static final Pattern LINE = Pattern.compile("^" + Pattern.quote(FILE.toString()) + ", line (\\d+): ");

    /** A command line parsed as portwatch parses it, with the commands that read configuration files. */
    private record Parsed(ParseResult leaf, Map<String, CommandSpec> commands) {
        static Parsed of(String... args) {
            CommandLine cl = Main.commandLine(args);
            ParseResult r = cl.parseArgs(args);
            while (r.hasSubcommand()) {
                r = r.subcommand();
            }
            return new Parsed(r, Main.configurable(cl));
        }
    }

    /** Built once: picocli's model of a command takes milliseconds to build, and applying it leaves it usable. */
    private static final class Commands {
        static final List<Parsed> ALL = List.of(Parsed.of("read", "x.pcap"), Parsed.of("live", "-i", "lo"));
    }

    @MethodSource("configurations")
    @FuzzTest
    void configFile(byte[] input) {
        if (input.length > MAX_INPUT) {
            return;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(input)).toString();
        } catch (CharacterCodingException e) {
            return;
        }
        long lines = text.lines().count();
        ConfigFile file;
        try {
            file = ConfigFile.parse(FILE, text);
        } catch (ConfigException e) {
            check(e, lines);
            return;
        }
        for (Parsed p : Commands.ALL) {
            try {
                CommandConfig.apply(file, p.leaf(), p.commands());
            } catch (ConfigException e) {
                check(e, lines);
            }
        }
    }

    private static void check(ConfigException e, long lines) {
        String m = e.getMessage();
        assertTrue(m.startsWith(FILE + ": ") || m.startsWith(FILE + ", line "), "the message names the file: " + m);
        assertTrue(m.indexOf('\n') < 0 && m.indexOf('\r') < 0, "one line: " + m);
        Matcher line = LINE.matcher(m);
        if (line.find()) {
            long n = Long.parseLong(line.group(1));
            assertTrue(n >= 1 && n <= Math.max(1, lines), "line " + n + " of " + lines + ": " + m);
        }
    }

    // ---- seeds

    /** The example file, and the example with every key it shows commented out set to the value it shows. */
    static Stream<Arguments> configurations() {
        String root = System.getProperty("portwatch.root");
        Path example = root == null ? null : Path.of(root, "src", "examples", "portwatch.yaml");
        if (example == null || !Files.isRegularFile(example)) {
            return Stream.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(example);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> all = new ArrayList<>();
        for (String l : lines) {
            Matcher shown = SHOWN.matcher(l);
            all.add(shown.matches() ? shown.group(1) + shown.group(2) : l);
        }
        return Stream.of(Arguments.of(Named.of("portwatch.yaml", String.join("\n", lines).getBytes(StandardCharsets.UTF_8))),
                Arguments.of(Named.of("portwatch.yaml, every key", String.join("\n", all).getBytes(StandardCharsets.UTF_8))));
    }
}
