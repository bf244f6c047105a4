package io.portwatch.app.config;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies a {@link ConfigFile} to a parsed command: every option the command line did not give takes
 * its value from the file (the command's section over the top of the file); options given on the
 * command line win. Every value is checked with the option's own type and converter before any is
 * set, so that an invalid file stops the command before anything starts.
 */
public final class CommandConfig {

    /** Options that are actions or the configuration itself, not settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("help", "version", "config");

    private CommandConfig() {
    }

    /** The configuration key of an option: its longest name without the leading dashes. */
    public static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    /** The keys a command can take from a configuration file. */
    public static Set<String> keys(CommandSpec command) {
        Set<String> keys = new TreeSet<>();
        for (OptionSpec o : command.options()) {
            if (isSetting(o)) {
                keys.add(key(o));
            }
        }
        return keys;
    }

    private static boolean isSetting(OptionSpec o) {
        return !o.usageHelp() && !o.versionHelp() && !NOT_SETTINGS.contains(key(o));
    }

    /**
     * Checks the whole file against every command that reads it, then sets the options of
     * {@code parsed}'s command that its command line left out.
     *
     * @param commands the commands that take a configuration file, by name: a key at the top of the file
     *                 must be an option of one of them (it is left to the others), a key in a command's
     *                 section an option of that command; every value is checked against its option
     * @return the settings applied, by the option's longest name (e.g. {@code --interval})
     * @throws ConfigException naming the file, line, key, value and why, when any setting is invalid
     *                         (then no option has been set)
     */
    public static Map<String, ConfigFile.Setting> apply(ConfigFile file, ParseResult parsed,
                                                        Map<String, CommandSpec> commands) throws ConfigException {
        Map<String, Map<String, OptionSpec>> optionsByCommand = new LinkedHashMap<>();
        Set<String> allKeys = new TreeSet<>();
        for (Map.Entry<String, CommandSpec> c : commands.entrySet()) {
            Map<String, OptionSpec> byKey = new LinkedHashMap<>();
            for (OptionSpec o : c.getValue().options()) {
                byKey.put(key(o), o);
            }
            optionsByCommand.put(c.getKey(), byKey);
            allKeys.addAll(keys(c.getValue()));
        }
        for (ConfigFile.Setting s : file.top().values()) {
            boolean somewhere = false;
            for (Map<String, OptionSpec> byKey : optionsByCommand.values()) {
                OptionSpec o = byKey.get(s.key());
                if (o != null && isSetting(o)) {
                    convert(file, o, s);
                    somewhere = true;
                }
            }
            if (!somewhere) {
                throw notASetting(file, s, allKeys, null);
            }
        }
        for (String section : ConfigFile.SECTIONS) {
            Map<String, OptionSpec> byKey = optionsByCommand.get(section);
            for (ConfigFile.Setting s : file.section(section).values()) {
                OptionSpec o = byKey == null ? null : byKey.get(s.key());
                if (o == null || !isSetting(o)) {
                    throw notASetting(file, s, allKeys, section);
                }
                convert(file, o, s);
            }
        }

        CommandSpec command = parsed.commandSpec();
        Map<String, OptionSpec> mine = optionsByCommand.get(command.name());
        Map<String, ConfigFile.Setting> effective = new LinkedHashMap<>();
        for (ConfigFile.Setting s : file.top().values()) {
            if (mine != null && mine.containsKey(s.key())) {
                effective.put(s.key(), s);
            }
        }
        effective.putAll(file.section(command.name())); // the command's own section over the top
        Map<OptionSpec, Object> values = new LinkedHashMap<>();
        Map<String, ConfigFile.Setting> applied = new LinkedHashMap<>();
        for (ConfigFile.Setting s : effective.values()) {
            OptionSpec o = mine.get(s.key());
            Object v = convert(file, o, s);
            if (!parsed.hasMatchedOption(o)) {
                values.put(o, v);
                applied.put(o.longestName(), s);
            }
        }
        values.forEach(OptionSpec::setValue);
        return applied;
    }

    private static ConfigException notASetting(ConfigFile file, ConfigFile.Setting s, Set<String> allKeys,
                                               String section) {
        if (NOT_SETTINGS.contains(s.key())) {
            return new ConfigException(where(file, s) + "key '" + s.key() + "' is not a setting"
                    + (s.key().equals("config") ? " (a configuration file cannot name another)" : ""));
        }
        if (section != null && allKeys.contains(s.key())) {
            return new ConfigException(where(file, s) + "key '" + s.key() + "' is not a setting of 'portwatch "
                    + section + "'");
        }
        return unknown(file, s, allKeys);
    }

    private static ConfigException unknown(ConfigFile file, ConfigFile.Setting s, Collection<String> known) {
        String hint;
        if (s.key().startsWith("no-") && known.contains(s.key().substring(3))) {
            hint = " (write '" + s.key().substring(3) + ": false')";
        } else {
            String near = closest(s.key(), known);
            hint = near != null ? " (did you mean '" + near + "'?)" : " (keys are option names without '--')";
        }
        return new ConfigException(where(file, s) + "unknown key '" + s.key() + "'" + hint);
    }

    private static Object convert(ConfigFile file, OptionSpec o, ConfigFile.Setting s) throws ConfigException {
        boolean multi = o.isMultiValue();
        if (!multi && s.shape() != ConfigFile.Shape.SCALAR) {
            throw invalid(file, s, "one value expected, not a " + (s.shape() == ConfigFile.Shape.LIST ? "list" : "mapping"));
        }
        if (multi && s.shape() == ConfigFile.Shape.MAPPING && !s.key().equals("kafka-property")) {
            throw invalid(file, s, "a value or a list of values expected, not a mapping");
        }
        Class<?> type = multi ? o.auxiliaryTypes()[0] : o.type();
        List<Object> out = new ArrayList<>(s.values().size());
        for (String v : s.values()) {
            out.add(convertOne(file, o, s, type, v));
        }
        if (!multi) {
            return out.get(0);
        }
        if (!List.class.isAssignableFrom(o.type())) {
            throw new IllegalStateException(o.longestName() + ": a " + o.type() + " option cannot be configured");
        }
        return out;
    }

    private static Object convertOne(ConfigFile file, OptionSpec o, ConfigFile.Setting s, Class<?> type, String v)
            throws ConfigException {
        CommandLine.ITypeConverter<?>[] converters = o.converters();
        if (converters != null && converters.length > 0) {
            try {
                return converters[0].convert(v);
            } catch (Exception e) {
                throw invalid(file, s, String.valueOf(e.getMessage()));
            }
        }
        String t = v.strip();
        if (type == String.class) {
            return v;
        }
        if (type == int.class || type == Integer.class) {
            try {
                return Integer.parseInt(t);
            } catch (NumberFormatException e) {
                throw invalid(file, s, "not a whole number");
            }
        }
        if (type == long.class || type == Long.class) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw invalid(file, s, "not a whole number");
            }
        }
        if (type == double.class || type == Double.class) {
            try {
                double d = Double.parseDouble(t);
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (NumberFormatException e) {
                throw invalid(file, s, "not a number");
            }
        }
        if (type == boolean.class || type == Boolean.class) {
            switch (t.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on":
                    return true;
                case "false", "no", "off":
                    return false;
                default:
                    throw invalid(file, s, "not true or false");
            }
        }
        if (type == Path.class) {
            try {
                Path p = Path.of(t);
                Path dir = file.path().toAbsolutePath().getParent();
                return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize(); // beside the file
            } catch (InvalidPathException e) {
                throw invalid(file, s, "not a file name: " + e.getReason());
            }
        }
        if (type.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object c : type.getEnumConstants()) {
                String n = ((Enum<?>) c).name();
                if (n.equalsIgnoreCase(t)) {
                    return c;
                }
                names.add(n);
            }
            throw invalid(file, s, "must be one of " + String.join(", ", names));
        }
        throw new IllegalStateException(o.longestName() + ": a " + type + " option cannot be configured");
    }

    private static ConfigException invalid(ConfigFile file, ConfigFile.Setting s, String why) {
        return new ConfigException(where(file, s) + "key '" + s.key() + "', value '" + s.text() + "': " + why);
    }

    private static String where(ConfigFile file, ConfigFile.Setting s) {
        return file.path() + ", line " + s.line() + ": ";
    }

    /** The known key within two edits of {@code key}, if one is. */
    static String closest(String key, Collection<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
