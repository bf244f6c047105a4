package io.portwatch.app.config;

import io.portwatch.app.Main;
import io.portwatch.app.cli.DurationConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration file against the real read and live commands: what it sets, what the command
 * line overrides, and every way a file can be invalid (each message names the file, the line, the key,
 * the value and why, and nothing is set).
 */
class CommandConfigTest {

    @TempDir
    Path dir;

    /** A parsed command line with its configurable commands. */
    private record Parsed(ParseResult leaf, Map<String, CommandSpec> commands) {
        Object value(String option) {
            return leaf.commandSpec().findOption(option).getValue();
        }
    }

    /** As portwatch parses: a command line built for these arguments (with their command only). */
    private static Parsed parse(String... args) {
        CommandLine cl = Main.commandLine(args);
        assertEquals(args.length > 0 && !args[0].startsWith("-") ? List.of(args[0]) : List.of("read", "live", "interfaces", "help"),
                List.copyOf(cl.getSubcommands().keySet()));
        ParseResult r = cl.parseArgs(args);
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        return new Parsed(r, Main.configurable(cl));
    }

    private Path write(String name, String yaml) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    private Map<String, ConfigFile.Setting> apply(String yaml, Parsed p) throws Exception {
        return CommandConfig.apply(ConfigFile.load(write("portwatch.yaml", yaml)), p.leaf(), p.commands());
    }

    private static long nanos(String duration) throws Exception {
        return new DurationConverter().convert(duration);
    }

    @Test
    void theFileSetsWhatTheCommandLineLeavesOut() throws Exception {
        Parsed p = parse("read", "--interval", "2s", "x.pcap");
        Map<String, ConfigFile.Setting> applied = apply("""
                interval: 1s        # the command line says 2s
                format: ecs
                top: 7
                flows: yes
                detect: false
                max-flows: 5000
                scan-ports: 30
                flood-ratio: 0.5
                detect-memory: 2MiB
                kafka-property:
                  acks: all
                  linger.ms: 5
                policy: policies/ports.txt
                interface: eth9     # live's: left for it
                """, p);
        assertEquals(nanos("2s"), p.value("--interval"), "the command line wins");
        assertEquals("ecs", p.value("--format").toString());
        assertEquals(7, p.value("--top"));
        assertEquals(true, p.value("--flows"));
        assertEquals(false, p.value("--detect"));
        assertEquals(5000, p.value("--max-flows"));
        assertEquals(30, p.value("--scan-ports"));
        assertEquals(0.5, p.value("--flood-ratio"));
        assertEquals(2 << 20, p.value("--detect-memory"));
        assertEquals(List.of("acks=all", "linger.ms=5"), p.value("--kafka-property"));
        assertEquals(dir.resolve("policies/ports.txt"), p.value("--policy"), "relative to the file's directory");
        assertFalse(applied.containsKey("--interval"), "not applied: given on the command line");
        assertEquals(3, applied.get("--top").line());
        assertEquals(Set.of("--format", "--top", "--flows", "--detect", "--max-flows", "--scan-ports", "--flood-ratio",
                "--detect-memory", "--kafka-property", "--policy"), applied.keySet());
    }

    @Test
    void flagsOverrideEveryKindOfSetting() throws Exception {
        Parsed p = parse("live", "-i", "lo", "-i", "eth1", "--no-flows", "--detect", "--kafka-property", "acks=1",
                "--format", "table", "--snaplen", "1500", "--buffer-size", "1MiB");
        apply("""
                interface: [eth0]
                flows: true
                detect: false
                kafka-property: {acks: all}
                format: json
                snaplen: 128
                buffer-size: 64MiB
                """, p);
        assertEquals(List.of("lo", "eth1"), p.value("--interface"), "a list is replaced, not added to");
        assertEquals(false, p.value("--flows"));
        assertEquals(true, p.value("--detect"));
        assertEquals(List.of("acks=1"), p.value("--kafka-property"));
        assertEquals("table", p.value("--format").toString());
        assertEquals(1500, p.value("--snaplen"));
        assertEquals(1 << 20, p.value("--buffer-size"));
    }

    @Test
    void aCommandsSectionOverridesTheTopAndOtherSectionsAreLeftAlone() throws Exception {
        String yaml = """
                interval: 1m
                top: 5
                read:
                  top: 9
                  reader: libpcap
                live:
                  interval: 30s
                  interface: [eth0, eth1]
                  metrics-port: 9464
                """;
        Parsed read = parse("read", "x.pcap");
        apply(yaml, read);
        assertEquals(nanos("1m"), read.value("--interval"));
        assertEquals(9, read.value("--top"));
        assertEquals("libpcap", read.value("--reader").toString());

        Parsed live = parse("live");
        apply(yaml, live);
        assertEquals(nanos("30s"), live.value("--interval"));
        assertEquals(5, live.value("--top"));
        assertEquals(List.of("eth0", "eth1"), live.value("--interface"));
        assertEquals(9464, live.value("--metrics-port"));
    }

    @Test
    void valuesAreTakenAsWrittenNotAsYamlGuesses() throws Exception {
        Parsed p = parse("read", "x.pcap");
        apply("""
                learn: off
                sensor: 0123
                filter: "tcp port 80"
                topic-ports: 'yes'
                """, p);
        assertEquals("off", p.value("--learn"));
        assertEquals("0123", p.value("--sensor"));
        assertEquals("tcp port 80", p.value("--filter"));
        assertEquals("yes", p.value("--topic-ports"));
    }

    @Test
    void anEmptyFileSetsNothing() throws Exception {
        Parsed p = parse("read", "x.pcap");
        assertTrue(apply("# nothing yet\n", p).isEmpty());
        assertNull(p.value("--top"));
    }

    /** The message of an invalid file (read command), checked to be one line naming the file. */
    private String invalid(String yaml) throws IOException {
        return invalid(yaml, "read", "x.pcap");
    }

    private String invalid(String yaml, String... args) throws IOException {
        Path f = write("bad.yaml", yaml);
        Parsed p = parse(args);
        ConfigException e = assertThrows(ConfigException.class,
                () -> CommandConfig.apply(ConfigFile.load(f), p.leaf(), p.commands()));
        String m = e.getMessage();
        assertTrue(m.startsWith(f.toString()), "names the file: " + m);
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    @Test
    void eachWrongValueNamesLineKeyValueAndWhy() throws Exception {
        assertEquals(dir.resolve("bad.yaml") + ", line 2: key 'interval', value '10x': '10x' is not a duration "
                + "(write e.g. 500ms, 10s, 5m, 1h)", invalid("format: json\ninterval: 10x\n"));
        assertTrue(invalid("top: many\n").endsWith("line 1: key 'top', value 'many': not a whole number"));
        assertTrue(invalid("flood-ratio: high\n").endsWith("key 'flood-ratio', value 'high': not a number"));
        assertTrue(invalid("flood-ratio: .nan\n").endsWith("key 'flood-ratio', value '.nan': not a number"));
        assertTrue(invalid("flows: maybe\n").endsWith("key 'flows', value 'maybe': not true or false"));
        assertTrue(invalid("format: xml\n").endsWith("key 'format', value 'xml': must be one of table, json, ecs"));
        assertTrue(invalid("reader: pcap4j\n").endsWith("key 'reader', value 'pcap4j': must be one of java, libpcap"));
        assertTrue(invalid("detect-memory: lots\n").contains("key 'detect-memory', value 'lots': 'lots' is not a size"));
        // a control character in a value is quoted as an escape: the message stays one readable line
        assertTrue(invalid("policy: \"a\\0b\"\n").contains("key 'policy', value 'a\\u0000b': not a file name"));
        assertTrue(invalid("interval: \"1\\nx\"\n").contains("key 'interval', value '1\\nx': '1\\nx' is not a duration"));
    }

    @Test
    void anotherCommandsKeysAreCheckedToo() throws Exception {
        assertTrue(invalid("snaplen: big\n").endsWith("key 'snaplen', value 'big': not a whole number"),
                "a live key in a read run is checked all the same");
        assertTrue(invalid("live:\n  buffer-size: 1TiB\n").contains("key 'buffer-size', value '1TiB':"));
        assertTrue(invalid("live:\n  separate: true\n")
                .endsWith("line 2: key 'separate' is not a setting of 'portwatch live'"));
        assertTrue(invalid("read:\n  interface: eth0\n", "live", "-i", "lo")
                .endsWith("line 2: key 'interface' is not a setting of 'portwatch read'"));
    }

    @Test
    void unknownKeysAreNamedWithTheNearestOne() throws Exception {
        assertTrue(invalid("intervall: 10s\n").endsWith("line 1: unknown key 'intervall' (did you mean 'interval'?)"));
        assertTrue(invalid("--interval: 10s\n").endsWith("unknown key '--interval' (did you mean 'interval'?)"));
        assertTrue(invalid("colour: blue\n").endsWith("unknown key 'colour' (keys are option names without '--')"));
        assertTrue(invalid("config: other.yaml\n").endsWith("key 'config' is not a setting (a configuration file "
                + "cannot name another)"));
        assertTrue(invalid("help: true\n").endsWith("key 'help' is not a setting"));
        assertTrue(invalid("no-detect: true\n").endsWith("unknown key 'no-detect' (write 'detect: false')"));
    }

    @Test
    void wrongShapesAreNamed() throws Exception {
        assertTrue(invalid("top: [1, 2]\n").endsWith("key 'top', value '[1, 2]': one value expected, not a list"));
        assertTrue(invalid("format:\n  kafka: json\n").endsWith("key 'format', value '[kafka=json]': one value "
                + "expected, not a mapping"));
        assertTrue(invalid("interface:\n  eth0: yes\n").endsWith("a value or a list of values expected, not a mapping"));
        assertTrue(invalid("top:\n").endsWith("line 1: key 'top' has no value"));
        assertTrue(invalid("top: ~\n").endsWith("line 1: key 'top' has no value"));
        assertTrue(invalid("interface: []\n").endsWith("key 'interface' has no value (an empty list)"));
        assertTrue(invalid("interface:\n  - [eth0]\n").endsWith("line 2: key 'interface': a list of plain values "
                + "expected, not a list"));
        assertTrue(invalid("kafka-property:\n  acks: [all]\n").endsWith("key 'kafka-property.acks': a plain value "
                + "expected, not a list"));
        assertTrue(invalid("read: 5\n").endsWith("key 'read': the settings of 'portwatch read' only, as a "
                + "mapping, not '5'"));
        assertTrue(invalid("read:\n  live:\n    top: 1\n").endsWith("key 'live' inside 'read': sections do not nest"));
        assertTrue(invalid("? [a, b]\n: 1\n").endsWith("line 1: a key must be an option name, not a list"));
    }

    @Test
    void theFileItselfMustBeAYamlMappingOfSettings() throws Exception {
        assertTrue(invalid("top: 1\ntop: 2\n").endsWith("line 2: key 'top' is given twice (also line 1)"));
        assertTrue(invalid("read:\n  top: 1\n  top: 2\n").endsWith("line 3: key 'top' is given twice (also line 2)"));
        assertTrue(invalid("top: 1\n  bad: [\n").matches(".*, line 2, column \\d+: not valid YAML: .*"));
        assertTrue(invalid("- interval: 10s\n").endsWith("line 1: a configuration is a mapping of option names to "
                + "values (e.g. 'interval: 10s'), not a list"));
        assertTrue(invalid("just words\n").endsWith("not 'just words'"));
        assertTrue(invalid("top: 1\n---\ntop: 2\n").endsWith("line 3: more than one YAML document (one mapping expected)"));

        Path missing = dir.resolve("missing.yaml");
        assertEquals(missing + ": no such configuration file",
                assertThrows(ConfigException.class, () -> ConfigFile.load(missing)).getMessage());
        assertEquals(dir + ": is a directory, not a configuration file",
                assertThrows(ConfigException.class, () -> ConfigFile.load(dir)).getMessage());
        Path binary = dir.resolve("capture.pcap");
        Files.write(binary, new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0, 4, 0, (byte) 0xff});
        assertEquals(binary + ": not a text file (UTF-8 expected)",
                assertThrows(ConfigException.class, () -> ConfigFile.load(binary)).getMessage());
    }

    @Test
    void anInvalidFileSetsNothing() throws Exception {
        Parsed p = parse("read", "x.pcap");
        Path f = write("half.yaml", "top: 3\nsensor: s1\nmax-flows: none\n");
        assertThrows(ConfigException.class, () -> CommandConfig.apply(ConfigFile.load(f), p.leaf(), p.commands()));
        assertNull(p.value("--top"));
        assertNull(p.value("--sensor"));
        assertEquals(1048576, p.value("--max-flows"));
    }

    private static final Pattern COMMENTED_KEY = Pattern.compile("(?m)^(\\s*)# ?(\\s*[a-z][a-z0-9.-]*:(?: .*)?)$");

    /** The example configuration with every commented-out key turned on. */
    private static String everyKeyOn(String example) {
        Matcher m = COMMENTED_KEY.matcher(example);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + m.group(2)));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Test
    void theExampleHoldsEveryOptionAndEachIsValid() throws Exception {
        Path root = Path.of(System.getProperty("portwatch.root", ".."));
        Path example = root.resolve("src/examples/portwatch.yaml");
        String text = Files.readString(example, StandardCharsets.UTF_8);

        Parsed read = parse("read", "x.pcap");
        Parsed live = parse("live");
        // as shipped
        CommandConfig.apply(ConfigFile.load(example), read.leaf(), read.commands());
        CommandConfig.apply(ConfigFile.load(example), live.leaf(), live.commands());

        // with every key on: every option of both commands is there, and every value is valid
        String all = everyKeyOn(text);
        Path f = dir.resolve("all-on.yaml");
        Files.writeString(f, all);
        ConfigFile config = ConfigFile.load(f);
        Set<String> written = new TreeSet<>(config.top().keySet());
        for (String section : ConfigFile.SECTIONS) {
            written.addAll(config.section(section).keySet());
        }
        Set<String> options = new TreeSet<>();
        for (CommandSpec c : read.commands().values()) {
            options.addAll(CommandConfig.keys(c));
        }
        Set<String> missing = new TreeSet<>(options);
        missing.removeAll(written);
        assertTrue(missing.isEmpty(), "options missing from " + example + ": " + missing);
        Parsed read2 = parse("read", "x.pcap");
        Parsed live2 = parse("live");
        CommandConfig.apply(config, read2.leaf(), read2.commands());
        CommandConfig.apply(config, live2.leaf(), live2.commands());
        assertEquals(List.of("eth0"), live2.value("--interface"));
    }
}
