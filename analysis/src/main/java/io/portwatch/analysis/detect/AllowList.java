package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.InetText;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The organisation's own scanners (vulnerability scanners, monitoring systems) and the flood targets it
 * knows to be busy, as networks. Their traffic is analysed as any other; only the alert is held back: a
 * {@code port_scan} whose source is an allowed scanner, or a {@code syn_flood} whose target is an allowed
 * flood target, is counted (in the window record and the metrics), not sent, so that an allow-list that
 * hides a real attack shows as a count that moves. Matched on the alert, which is rare, so that the packet
 * path pays nothing for it. Immutable.
 */
public final class AllowList {

    /** Nothing allowed. */
    public static final AllowList NONE = new AllowList(new long[0][], new long[0][]);

    /** {hi, lo, prefix length in 128-bit space} each. */
    private final long[][] scanners;
    private final long[][] floodTargets;

    private AllowList(long[][] scanners, long[][] floodTargets) {
        this.scanners = scanners;
        this.floodTargets = floodTargets;
    }

    /**
     * The allow-list of these networks ({@code 10.0.0.0/8}, {@code 192.0.2.7}, {@code 2001:db8::/32}).
     *
     * @param scanners     networks of scanners, each named by where it came from (see {@link #read})
     * @param floodTargets networks of busy flood targets, likewise
     * @throws PolicyException naming the option or file and line of a value that is not a network
     */
    public static AllowList of(List<Network> scanners, List<Network> floodTargets) throws PolicyException {
        if (scanners.isEmpty() && floodTargets.isEmpty()) {
            return NONE;
        }
        return new AllowList(parse(scanners), parse(floodTargets));
    }

    /** A network as given, and where: an option ({@code line} 0) or a file's line. */
    public record Network(String where, int line, String text) {
    }

    /**
     * The networks of a file: one a line; blank lines and {@code #} comments are skipped.
     *
     * @throws PolicyException when the file cannot be read
     */
    public static List<Network> read(Path file) throws PolicyException {
        List<String> lines = ServiceBaseline.readLines(file);
        List<Network> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String s = lines.get(i);
            int hash = s.indexOf('#');
            s = (hash >= 0 ? s.substring(0, hash) : s).strip();
            if (!s.isEmpty()) {
                out.add(new Network(file.toString(), i + 1, s));
            }
        }
        return out;
    }

    private static long[][] parse(List<Network> nets) throws PolicyException {
        long[][] out = new long[nets.size()][];
        for (int i = 0; i < out.length; i++) {
            Network n = nets.get(i);
            out[i] = PortPolicy.parseNetwork(n.where(), n.line(), n.text());
        }
        return out;
    }

    public boolean isEmpty() {
        return scanners.length == 0 && floodTargets.length == 0;
    }

    /** Whether an address (as alerts write it) is an allowed scanner's. */
    public boolean scanner(String address) {
        return matches(scanners, address);
    }

    /** Whether an address (as alerts write it) is an allowed flood target's. */
    public boolean floodTarget(String address) {
        return matches(floodTargets, address);
    }

    private static boolean matches(long[][] nets, String address) {
        if (address == null || nets.length == 0) {
            return false;
        }
        long[] a = InetText.parse(address);
        for (long[] n : nets) {
            int prefix = (int) n[2];
            if (prefix == 0) {
                return true;
            }
            boolean in = prefix <= 64 ? ((a[0] ^ n[0]) & (-1L << (64 - prefix))) == 0
                    : a[0] == n[0] && ((a[1] ^ n[1]) & (-1L << (128 - prefix))) == 0;
            if (in) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "AllowList[" + scanners.length + " scanner networks, " + floodTargets.length + " flood targets]";
    }
}
