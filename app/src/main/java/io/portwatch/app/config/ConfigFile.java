package io.portwatch.app.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A portwatch configuration file: a YAML mapping whose keys are the long names of the command-line
 * options without their leading {@code --} ({@code interval: 10s}, {@code kafka: broker:9092}). A
 * list gives a repeatable option several values; {@code kafka-property} also takes a mapping. Keys
 * under {@code read:} or {@code live:} apply to that command only, over the keys at the top.
 *
 * <p>Values are kept as the text written (no YAML type guessing: {@code learn: off} stays "off"); the
 * options' own converters read them (see {@link CommandConfig}).
 */
public final class ConfigFile {

    /** The sections that hold one command's settings. */
    public static final List<String> SECTIONS = List.of("read", "live", "fleet");

    /**
     * One setting as written.
     *
     * @param key     the option's long name without {@code --}
     * @param values  the value, or the values of a list (a mapping's entries as {@code key=value})
     * @param shape   how it was written
     * @param line    its line in the file, from 1
     * @param section the command section it is in, or null at the top
     */
    public record Setting(String key, List<String> values, Shape shape, int line, String section) {

        /** The value as written, for messages: a list as {@code [a, b]}, control characters as escapes ({@code \n}). */
        public String text() {
            return ConfigException.escapeControls(shape == Shape.SCALAR ? values.get(0) : values.toString());
        }
    }

    /** How a value was written. */
    public enum Shape { SCALAR, LIST, MAPPING }

    private final Path path;
    private final Map<String, Setting> top;
    private final Map<String, Map<String, Setting>> sections;

    private ConfigFile(Path path, Map<String, Setting> top, Map<String, Map<String, Setting>> sections) {
        this.path = path;
        this.top = top;
        this.sections = sections;
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** The settings at the top of the file, in file order. */
    public Map<String, Setting> top() {
        return Collections.unmodifiableMap(top);
    }

    /** The settings of one command's section (empty when there is none), in file order. */
    public Map<String, Setting> section(String command) {
        return Collections.unmodifiableMap(sections.getOrDefault(command, Map.of()));
    }

    /**
     * Reads a configuration file.
     *
     * @throws ConfigException with a one-line message naming the file (and line) when it cannot be read
     *                         or is not a mapping of settings
     */
    public static ConfigFile load(Path path) throws ConfigException {
        String text;
        try {
            if (Files.isDirectory(path)) {
                throw new ConfigException(path + ": is a directory, not a configuration file");
            }
            byte[] bytes = Files.readAllBytes(path);
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": no such configuration file");
        } catch (CharacterCodingException e) {
            throw new ConfigException(path + ": not a text file (UTF-8 expected)");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read: " + e.getMessage());
        }
        return parse(path, text);
    }

    /** Parses configuration text; {@code path} names it in messages. */
    public static ConfigFile parse(Path path, String text) throws ConfigException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        options.setCodePointLimit(1 << 20);
        Node root;
        try (Reader r = new java.io.StringReader(text)) {
            List<Node> docs = new ArrayList<>();
            new Yaml(options).composeAll(r).forEach(docs::add);
            if (docs.size() > 1) {
                throw new ConfigException(at(path, docs.get(1)) + "more than one YAML document (one mapping expected)");
            }
            root = docs.isEmpty() ? null : docs.get(0);
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() != null
                    ? ", line " + (e.getProblemMark().getLine() + 1) + ", column " + (e.getProblemMark().getColumn() + 1)
                    : "";
            throw new ConfigException(path + where + ": not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new ConfigException(path + ": not valid YAML: " + oneLine(e.getMessage()));
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read: " + e.getMessage()); // a string: cannot happen
        }
        Map<String, Setting> top = new LinkedHashMap<>();
        Map<String, Map<String, Setting>> sections = new LinkedHashMap<>();
        if (root == null || isNull(root)) {
            return new ConfigFile(path, top, sections); // an empty file sets nothing
        }
        if (!(root instanceof MappingNode m)) {
            throw new ConfigException(at(path, root)
                    + "a configuration is a mapping of option names to values (e.g. 'interval: 10s'), not "
                    + shapeName(root));
        }
        for (NodeTuple t : m.getValue()) {
            String key = key(path, t.getKeyNode());
            if (SECTIONS.contains(key)) {
                if (!(t.getValueNode() instanceof MappingNode sm)) {
                    throw new ConfigException(at(path, t.getValueNode()) + "key '" + key
                            + "': the settings of 'portwatch " + key + "' only, as a mapping, not " + shapeName(t.getValueNode()));
                }
                Map<String, Setting> section = new LinkedHashMap<>();
                for (NodeTuple st : sm.getValue()) {
                    String k = key(path, st.getKeyNode());
                    if (SECTIONS.contains(k)) {
                        throw new ConfigException(at(path, st.getKeyNode()) + "key '" + k + "' inside '" + key
                                + "': sections do not nest");
                    }
                    put(path, section, setting(path, k, st, key));
                }
                sections.put(key, section);
            } else {
                put(path, top, setting(path, key, t, null));
            }
        }
        return new ConfigFile(path, top, sections);
    }

    private static void put(Path path, Map<String, Setting> into, Setting s) throws ConfigException {
        Setting before = into.putIfAbsent(s.key(), s);
        if (before != null) {
            throw new ConfigException(path + ", line " + s.line() + ": key '" + s.key() + "' is given twice (also line "
                    + before.line() + ")");
        }
    }

    private static Setting setting(Path path, String key, NodeTuple t, String section) throws ConfigException {
        Node v = t.getValueNode();
        int line = t.getKeyNode().getStartMark().getLine() + 1;
        if (v instanceof ScalarNode s) {
            if (isNull(s)) {
                throw new ConfigException(path + ", line " + line + ": key '" + key + "' has no value");
            }
            return new Setting(key, List.of(s.getValue()), Shape.SCALAR, line, section);
        }
        List<String> values = new ArrayList<>();
        if (v instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                if (!(item instanceof ScalarNode s) || isNull(s)) {
                    throw new ConfigException(at(path, item) + "key '" + key + "': a list of plain values expected, not "
                            + (item instanceof ScalarNode ? "an empty item" : shapeName(item)));
                }
                values.add(s.getValue());
            }
            if (values.isEmpty()) {
                throw new ConfigException(path + ", line " + line + ": key '" + key + "' has no value (an empty list)");
            }
            return new Setting(key, List.copyOf(values), Shape.LIST, line, section);
        }
        MappingNode map = (MappingNode) v;
        for (NodeTuple e : map.getValue()) {
            String k = key(path, e.getKeyNode());
            if (!(e.getValueNode() instanceof ScalarNode s) || isNull(s)) {
                throw new ConfigException(at(path, e.getValueNode()) + "key '" + key + "." + k
                        + "': a plain value expected, not " + shapeName(e.getValueNode()));
            }
            values.add(k + "=" + s.getValue());
        }
        if (values.isEmpty()) {
            throw new ConfigException(path + ", line " + line + ": key '" + key + "' has no value (an empty mapping)");
        }
        return new Setting(key, List.copyOf(values), Shape.MAPPING, line, section);
    }

    private static String key(Path path, Node n) throws ConfigException {
        if (!(n instanceof ScalarNode s) || isNull(s) || s.getValue().isBlank()) {
            throw new ConfigException(at(path, n) + "a key must be an option name, not " + shapeName(n));
        }
        return s.getValue();
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && (Tag.NULL.equals(s.getTag()) || s.getValue().isEmpty());
    }

    private static String shapeName(Node n) {
        if (n instanceof MappingNode) {
            return "a mapping";
        }
        if (n instanceof SequenceNode) {
            return "a list";
        }
        return isNull(n) ? "nothing" : "'" + ((ScalarNode) n).getValue() + "'";
    }

    private static String at(Path path, Node n) {
        return path + ", line " + (n.getStartMark().getLine() + 1) + ": ";
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\n\\s*", " ");
    }
}
