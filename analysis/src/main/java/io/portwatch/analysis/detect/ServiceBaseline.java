package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.InetText;
import io.portwatch.analysis.output.Transport;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of known services (transport, server address, port): the services a new_service alert is
 * measured against. Immutable and thread-safe.
 *
 * <p>File format, one service a line; {@code #} starts a comment, blank lines are ignored:
 * <pre>
 * # transport address port [first_seen last_seen clients flows]
 * tcp 192.0.2.10 22
 * tcp 192.0.2.10 443 2024-05-01T10:00:00Z 2024-05-02T09:12:31.5Z 118 5203
 * udp 2001:db8::53 53
 * </pre>
 * The optional columns (what {@link #write} records; {@code -} for unknown) are kept for people
 * and merged when a baseline is saved again; only the first three decide what is known.
 */
public final class ServiceBaseline {

    private static final Comparator<ExposedService> ORDER = Comparator.comparing(ExposedService::transport)
            .thenComparing((a, b) -> compareAddresses(a.ip(), b.ip()))
            .thenComparingInt(ExposedService::port);

    private final Map<Key, ExposedService> services;

    private ServiceBaseline(Map<Key, ExposedService> services) {
        this.services = services;
    }

    /** A baseline of the given services (later duplicates are merged into earlier ones). */
    public static ServiceBaseline of(Collection<ExposedService> list) {
        Map<Key, ExposedService> m = new HashMap<>();
        for (ExposedService s : list) {
            m.merge(key(s), s, ExposedService::merge);
        }
        return new ServiceBaseline(m);
    }

    /**
     * Reads a baseline file.
     *
     * @throws PolicyException naming the file (and line) when it cannot be read or a line is malformed
     */
    public static ServiceBaseline load(Path file) throws PolicyException {
        return parse(file.toString(), readLines(file));
    }

    /**
     * Parses baseline lines.
     *
     * @param name the file's name, for messages
     * @throws PolicyException naming the file and line of the first malformed line
     */
    public static ServiceBaseline parse(String name, List<String> lines) throws PolicyException {
        Map<Key, ExposedService> m = new HashMap<>();
        Map<Key, Integer> lineOf = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int n = i + 1;
            String text = stripComment(lines.get(i));
            if (text.isEmpty()) {
                continue;
            }
            String[] f = text.split("\\s+");
            if (f.length != 3 && f.length != 7) {
                throw new PolicyException(name, n, "expected 'TRANSPORT ADDRESS PORT' and optionally "
                        + "'FIRST_SEEN LAST_SEEN CLIENTS FLOWS', got " + f.length + " field" + (f.length == 1 ? "" : "s"));
            }
            Transport transport = Transport.parse(f[0]);
            if (transport == null) {
                throw new PolicyException(name, n, "transport must be tcp or udp, not '" + f[0] + "'");
            }
            long[] addr;
            try {
                addr = InetText.parse(f[1]);
            } catch (IllegalArgumentException e) {
                throw new PolicyException(name, n, "not an IP address: '" + f[1] + "'");
            }
            int port = PortPolicy.parsePort(f[2]);
            if (port < 0) {
                throw new PolicyException(name, n, "port must be a number 0-65535, not '" + f[2] + "'");
            }
            long first = 0;
            long last = 0;
            long clients = 0;
            long flows = 0;
            if (f.length == 7) {
                first = time(name, n, "first_seen", f[3]);
                last = time(name, n, "last_seen", f[4]);
                clients = count(name, n, "clients", f[5]);
                flows = count(name, n, "flows", f[6]);
                if (first != 0 && last != 0 && last < first) {
                    throw new PolicyException(name, n, "last_seen " + f[4] + " is before first_seen " + f[3]);
                }
            }
            Key k = new Key().set(addr[0], addr[1], 0, 0, Key.protoPort(transport.protocol(), port));
            Integer before = lineOf.putIfAbsent(k, n);
            if (before != null) {
                throw new PolicyException(name, n, "duplicate service '" + f[0] + " " + f[1] + " " + f[2]
                        + "' (first on line " + before + ")");
            }
            m.put(k, new ExposedService(transport,
                    HostSet.text(addr[0], addr[1]), port, first, last, clients, flows));
        }
        return new ServiceBaseline(m);
    }

    /** Whether a service is in the baseline. Allocates (it is asked once per new service). */
    public boolean contains(int protocol, long hi, long lo, int port) {
        return services.containsKey(new Key().set(hi, lo, 0, 0, Key.protoPort(protocol, port)));
    }

    public int size() {
        return services.size();
    }

    /** The services, by transport, address and port. */
    public List<ExposedService> services() {
        List<ExposedService> out = new ArrayList<>(services.values());
        out.sort(ORDER);
        return out;
    }

    /** The lines of a baseline file for these services, header first. */
    public static List<String> format(Collection<ExposedService> list) {
        List<ExposedService> sorted = new ArrayList<>(list);
        sorted.sort(ORDER);
        List<String> lines = new ArrayList<>(sorted.size() + 2);
        lines.add("# portwatch service baseline: servers seen to complete a TCP handshake or answer UDP");
        lines.add("# transport address port first_seen last_seen clients flows");
        for (ExposedService s : sorted) {
            lines.add(s.transport().key() + " " + s.ip() + " " + s.port() + " " + timeText(s.firstSeenNanos()) + " "
                    + timeText(s.lastSeenNanos()) + " " + s.clients() + " " + s.flows());
        }
        return lines;
    }

    /** Writes a baseline file (to a temporary file beside it, then moved over it). */
    public static void write(Path file, Collection<ExposedService> list) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.write(tmp, format(list), StandardCharsets.UTF_8);
        try {
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    // ---------------------------------------------------------------- parsing helpers

    static List<String> readLines(Path file) throws PolicyException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new PolicyException(file.toString(), 0, "no such file");
        } catch (CharacterCodingException e) {
            throw new PolicyException(file.toString(), 0, "not a text file (not UTF-8)");
        } catch (IOException e) {
            String why = e.getMessage() == null || e.getMessage().equals(file.toString())
                    ? e.getClass().getSimpleName() : e.getMessage();
            if (Files.isDirectory(file)) {
                why = "is a directory";
            }
            throw new PolicyException(file.toString(), 0, "cannot read: " + why);
        }
    }

    static String stripComment(String line) {
        int hash = line.indexOf('#');
        return (hash >= 0 ? line.substring(0, hash) : line).strip();
    }

    private static long time(String name, int line, String what, String text) throws PolicyException {
        if (text.equals("-")) {
            return 0;
        }
        try {
            Instant t = Instant.parse(text);
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new PolicyException(name, line, what + " is not an ISO-8601 UTC time such as "
                    + "2024-05-01T10:00:00Z: '" + text + "'");
        }
    }

    private static long count(String name, int line, String what, String text) throws PolicyException {
        if (text.equals("-")) {
            return 0;
        }
        try {
            long v = Long.parseLong(text);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new PolicyException(name, line, what + " must be a count (0 or more), not '" + text + "'");
    }

    static String timeText(long nanos) {
        return nanos == 0 ? "-" : Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                Math.floorMod(nanos, 1_000_000_000L)).toString();
    }

    private static Key key(ExposedService s) {
        long[] a = InetText.parse(s.ip());
        return new Key().set(a[0], a[1], 0, 0, Key.protoPort(s.transport().protocol(), s.port()));
    }

    private static int compareAddresses(String a, String b) {
        long[] x = InetText.parse(a);
        long[] y = InetText.parse(b);
        int c = Long.compareUnsigned(x[0], y[0]);
        return c != 0 ? c : Long.compareUnsigned(x[1], y[1]);
    }
}
