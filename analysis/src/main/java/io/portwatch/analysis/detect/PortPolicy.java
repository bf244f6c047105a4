package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.InetText;
import io.portwatch.analysis.output.Transport;
import io.portwatch.capture.decode.DecodedPacket;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which server ports traffic may use: allowed and forbidden ports per transport, optionally per
 * server network. Immutable and thread-safe; {@link #decide} allocates nothing.
 *
 * <p>File format, one statement a line; {@code #} starts a comment, blank lines are ignored:
 * <pre>
 * default deny                 # what no rule matches: allow (the default) or deny
 * allow tcp 22,80,443          # ports, separated by commas or spaces (22 80 443)
 * allow tcp 8000-8100          # ranges
 * allow udp 53,123
 * deny tcp 23                  # explicitly forbidden (a high-severity alert)
 * allow any 5353               # tcp, udp or any (both)
 *
 * on 10.0.0.0/8, 192.168.0.0/16  # the statements below apply to servers in these networks
 * allow tcp 3306,5432
 * default allow
 * on any                       # back to every server
 * </pre>
 * Ports may also be {@code any} (or {@code *}). Addresses may be IPv4 or IPv6, with or without a
 * prefix length.
 *
 * <p>Decision for traffic to a server address, transport and port: the {@code on} sections whose
 * networks hold the address are taken most specific first (the longest matching prefix; file order on
 * a tie); in each, the first rule that matches decides, else the section's {@code default} if it has
 * one, else the next section. Then the rules outside any section, in file order, then the top-level
 * {@code default}; without one, traffic is allowed.
 */
public final class PortPolicy {

    private static final int TCP = 1;
    private static final int UDP = 2;
    private static final Pattern RANGE_DASH = Pattern.compile("\\s*-\\s*");

    /**
     * The outcome for some traffic: whether it is allowed and which statement said so. Instances
     * belong to the policy (no allocation per decision).
     *
     * @param allowed whether the traffic is within the policy
     * @param rule    the deciding statement as written, e.g. {@code deny tcp 23}, or {@code default allow}
     *                when nothing in the file matched
     * @param line    the statement's line, 0 when nothing matched
     * @param network the section's networks, e.g. {@code 10.0.0.0/8}, or {@code any}
     * @param explicit whether a rule (not a default) decided
     */
    public record Decision(boolean allowed, String rule, int line, String network, boolean explicit) {
    }

    private static final Decision ALLOW_BY_DEFAULT = new Decision(true, "default allow", 0, "any", false);

    private record Rule(int transports, int[] ranges, Decision decision) {
        boolean matches(int transport, int port) {
            if ((transports & transport) == 0) {
                return false;
            }
            for (int i = 0; i < ranges.length; i += 2) {
                if (port >= ranges[i] && port <= ranges[i + 1]) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class Section {
        final String networks;
        final List<Rule> rules = new ArrayList<>();
        Decision byDefault;
        int defaultLine;

        Section(String networks) {
            this.networks = networks;
        }
    }

    /** One network of a section, for matching; sorted longest prefix first. */
    private record Net(long hi, long lo, int prefix, int order, Section section) {
        boolean contains(long aHi, long aLo) {
            if (prefix == 0) {
                return true;
            }
            if (prefix <= 64) {
                long mask = -1L << (64 - prefix);
                return ((aHi ^ hi) & mask) == 0;
            }
            long mask = -1L << (128 - prefix);
            return aHi == hi && ((aLo ^ lo) & mask) == 0;
        }
    }

    private final String name;
    private final Rule[] globalRules;
    private final Decision globalDefault;
    private final Net[] nets;
    private final int ruleCount;

    private PortPolicy(String name, Section global, List<Net> nets, int ruleCount) {
        this.name = name;
        this.globalRules = global.rules.toArray(new Rule[0]);
        this.globalDefault = global.byDefault != null ? global.byDefault : ALLOW_BY_DEFAULT;
        this.nets = nets.toArray(new Net[0]);
        this.ruleCount = ruleCount;
    }

    /** The file the policy came from. */
    public String name() {
        return name;
    }

    /** Allow and deny statements in the policy. */
    public int ruleCount() {
        return ruleCount;
    }

    /**
     * Reads a policy file.
     *
     * @throws PolicyException naming the file, and the line, when it cannot be read or is malformed
     */
    public static PortPolicy load(Path file) throws PolicyException {
        return parse(file.toString(), ServiceBaseline.readLines(file));
    }

    /**
     * Parses policy lines.
     *
     * @param name the file's name, for messages and alerts
     * @throws PolicyException naming the file and the line of the first malformed statement
     */
    public static PortPolicy parse(String name, List<String> lines) throws PolicyException {
        Section global = new Section("any");
        Section current = global;
        List<Net> nets = new ArrayList<>();
        int rules = 0;
        for (int i = 0; i < lines.size(); i++) {
            int n = i + 1;
            String text = ServiceBaseline.stripComment(lines.get(i));
            if (text.isEmpty()) {
                continue;
            }
            String[] t = text.split("\\s+", 2);
            String word = t[0].toLowerCase(Locale.ROOT);
            String rest = t.length > 1 ? t[1].strip() : "";
            switch (word) {
                case "default" -> {
                    boolean allow = switch (rest.toLowerCase(Locale.ROOT)) {
                        case "allow" -> true;
                        case "deny" -> false;
                        case "" -> throw new PolicyException(name, n, "'default' needs allow or deny");
                        default -> throw new PolicyException(name, n, "'default' takes allow or deny, not '" + rest + "'");
                    };
                    if (current.byDefault != null) {
                        throw new PolicyException(name, n, "a second 'default' for " + where(current)
                                + " (the first is on line " + current.defaultLine + ")");
                    }
                    current.byDefault = new Decision(allow, "default " + (allow ? "allow" : "deny"), n,
                            current.networks, false);
                    current.defaultLine = n;
                }
                case "allow", "deny" -> {
                    String[] r = rest.split("\\s+", 2);
                    if (rest.isEmpty()) {
                        throw new PolicyException(name, n, "'" + word + "' needs a transport (tcp, udp or any) and ports");
                    }
                    Transport one = Transport.parse(r[0]);
                    int transports;
                    if (one != null) {
                        transports = one == Transport.TCP ? TCP : UDP;
                    } else if (r[0].equalsIgnoreCase("any") || r[0].equals("*")) {
                        transports = TCP | UDP;
                    } else {
                        throw new PolicyException(name, n, "transport must be tcp, udp or any, not '" + r[0] + "'");
                    }
                    if (r.length < 2) {
                        throw new PolicyException(name, n, "'" + word + " " + r[0] + "' needs ports, e.g. 22,80,8000-8100");
                    }
                    List<String> items = portItems(name, n, r[1]);
                    int[] ranges = parsePorts(name, n, items);
                    Decision d = new Decision(word.equals("allow"), word + " " + r[0].toLowerCase(Locale.ROOT) + " "
                            + String.join(",", items), n, current.networks, true);
                    current.rules.add(new Rule(transports, ranges, d));
                    rules++;
                }
                case "on" -> {
                    if (rest.isEmpty()) {
                        throw new PolicyException(name, n, "'on' needs networks, e.g. 'on 10.0.0.0/8' (or 'on any')");
                    }
                    if (rest.equalsIgnoreCase("any") || rest.equals("*")) {
                        current = global;
                        continue;
                    }
                    List<long[]> parsed = new ArrayList<>();
                    StringBuilder label = new StringBuilder();
                    for (String item : rest.split(",")) {
                        String s = item.strip();
                        if (s.isEmpty()) {
                            throw new PolicyException(name, n, "empty network in '" + rest + "'");
                        }
                        parsed.add(parseNetwork(name, n, s));
                        label.append(label.length() == 0 ? "" : ",").append(s);
                    }
                    current = new Section(label.toString());
                    for (long[] p : parsed) {
                        nets.add(new Net(p[0], p[1], (int) p[2], nets.size(), current));
                    }
                }
                default -> throw new PolicyException(name, n, "unknown statement '" + t[0]
                        + "' (expected allow, deny, default or on)");
            }
        }
        nets.sort(Comparator.comparingInt(Net::prefix).reversed().thenComparingInt(Net::order));
        return new PortPolicy(name, global, nets, rules);
    }

    /**
     * Decides traffic to a server endpoint. Allocates nothing.
     *
     * @param protocol {@link DecodedPacket#PROTO_TCP} or {@link DecodedPacket#PROTO_UDP}
     * @param hi       the server address's high 64 bits (IPv4 held IPv4-mapped, as decoded)
     * @param lo       its low 64 bits
     * @param port     the server port
     */
    public Decision decide(int protocol, long hi, long lo, int port) {
        final int transport = protocol == DecodedPacket.PROTO_TCP ? TCP : UDP;
        for (Net net : nets) {
            if (net.contains(hi, lo)) {
                Section s = net.section();
                for (Rule r : s.rules) {
                    if (r.matches(transport, port)) {
                        return r.decision();
                    }
                }
                if (s.byDefault != null) {
                    return s.byDefault;
                }
            }
        }
        for (Rule r : globalRules) {
            if (r.matches(transport, port)) {
                return r.decision();
            }
        }
        return globalDefault;
    }

    // ---------------------------------------------------------------- parsing helpers

    private static String where(Section s) {
        return s.networks.equals("any") ? "the whole policy" : "'on " + s.networks + "'";
    }

    /** A port number 0-65535 in decimal, or -1. */
    static int parsePort(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= 65535 ? v : -1;
    }

    /**
     * The ports of a rule, one port or range an item. Commas and whitespace both separate items, so
     * {@code 80 443} is {@code 80,443} (never port 80443); whitespace around a {@code -} belongs to its
     * range ({@code 8000 - 8100}), since a port is never negative.
     */
    private static List<String> portItems(String name, int line, String text) throws PolicyException {
        String joined = RANGE_DASH.matcher(text).replaceAll("-");
        List<String> items = new ArrayList<>();
        for (String piece : joined.split(",", -1)) {
            String p = piece.strip();
            if (p.isEmpty()) {
                throw new PolicyException(name, line, "empty port in '" + text + "'");
            }
            items.addAll(List.of(p.split("\\s+")));
        }
        return items;
    }

    private static int[] parsePorts(String name, int line, List<String> items) throws PolicyException {
        if (items.size() == 1 && (items.get(0).equalsIgnoreCase("any") || items.get(0).equals("*"))) {
            return new int[] {0, 65535};
        }
        int[] out = new int[items.size() * 2];
        for (int i = 0; i < items.size(); i++) {
            String item = items.get(i);
            int dash = item.indexOf('-');
            String a = dash < 0 ? item : item.substring(0, dash);
            String b = dash < 0 ? item : item.substring(dash + 1);
            int lo = port(name, line, a, item);
            int hi = port(name, line, b, item);
            if (hi < lo) {
                throw new PolicyException(name, line, "range '" + item + "' ends before it starts");
            }
            out[2 * i] = lo;
            out[2 * i + 1] = hi;
        }
        return out;
    }

    private static int port(String name, int line, String s, String item) throws PolicyException {
        int p = parsePort(s);
        if (p >= 0) {
            return p;
        }
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            throw new PolicyException(name, line, "port " + s + " out of range (0-65535)");
        }
        throw new PolicyException(name, line, "not a port or range: '" + item + "'");
    }

    /** {hi, lo, prefix length in 128-bit space}. */
    static long[] parseNetwork(String name, int line, String text) throws PolicyException {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        long[] a;
        try {
            a = InetText.parse(addr);
        } catch (IllegalArgumentException e) {
            throw new PolicyException(name, line, "not an IP network: '" + text + "'");
        }
        boolean v4 = addr.indexOf(':') < 0;
        int max = v4 ? 32 : 128;
        int len = max;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            len = p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) ? -1 : Integer.parseInt(p);
            if (len < 0 || len > max) {
                throw new PolicyException(name, line, "prefix length of '" + text + "' must be 0-" + max);
            }
        }
        int prefix = v4 ? len + 96 : len;
        long hi = a[0];
        long lo = a[1];
        if (prefix < 64) {
            hi &= prefix == 0 ? 0 : -1L << (64 - prefix);
            lo = 0;
        } else if (prefix < 128) {
            lo &= prefix == 64 ? 0 : -1L << (128 - prefix);
        }
        return new long[] {hi, lo, prefix};
    }

    @Override
    public String toString() {
        return "PortPolicy[" + name + ", " + ruleCount + " rules, " + nets.length + " networks]";
    }
}
