package io.portwatch.analysis.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IanaServicesTest {

    private static final Path DEBIAN_SERVICES = Paths.get("/usr/share/wireshark/services");

    @Test
    void wellKnownPortsHaveTheirIanaNames() {
        assertEquals("http", IanaServices.serviceName(6, 80));
        assertEquals("https", IanaServices.serviceName(6, 443));
        assertEquals("domain", IanaServices.serviceName(17, 53));
        assertEquals("http-alt", IanaServices.serviceName(6, 8080));
        assertEquals("syslog", IanaServices.serviceName(17, 514));
        assertEquals("shell", IanaServices.serviceName(6, 514));
        assertEquals("mdns", IanaServices.serviceName(17, 5353));
        assertTrue(IanaServices.isServicePort(6, 22));
        assertEquals("ssh", IanaServices.serviceName(6, 22));
    }

    @Test
    void rangesAreExpandedAndTransportsKeptApart() {
        // x11 is registered as 6000-6063/tcp/udp, ircu as 6665-6669/tcp only
        assertEquals("x11", IanaServices.serviceName(6, 6000));
        assertEquals("x11", IanaServices.serviceName(17, 6063));
        assertEquals("ircu", IanaServices.serviceName(6, 6669));
        assertNull(IanaServices.serviceName(17, 6669));
    }

    @Test
    void otherProtocolsAndOutOfRangePortsHaveNoName() {
        assertNull(IanaServices.serviceName(132, 80)); // SCTP
        assertNull(IanaServices.serviceName(1, 80));
        assertNull(IanaServices.serviceName(6, -1));
        assertNull(IanaServices.serviceName(6, 65536));
        assertFalse(IanaServices.isServicePort(6, 0));
        assertFalse(IanaServices.isServicePort(6, 70000));
    }

    @Test
    void agreesWithTheDebianServicesFile() throws IOException {
        assumeTrue(Files.isRegularFile(DEBIAN_SERVICES), "no " + DEBIAN_SERVICES);
        Map<String, String> expected = parseServices(Files.readAllLines(DEBIAN_SERVICES, StandardCharsets.UTF_8));
        assertTrue(expected.size() > 5000, "expected thousands of tcp/udp entries, got " + expected.size());

        // a handful of ports checked one by one
        for (String key : List.of("tcp/21", "tcp/25", "udp/123", "udp/161", "tcp/3306", "tcp/5432", "udp/1900")) {
            assertEquals(expected.get(key), lookup(key), key);
        }
        // and the whole file: the bundled table may be from a slightly different release
        int agree = 0;
        List<String> disagree = new ArrayList<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (e.getValue().equals(lookup(e.getKey()))) {
                agree++;
            } else if (disagree.size() < 10) {
                disagree.add(e.getKey() + "=" + e.getValue() + " but " + lookup(e.getKey()));
            }
        }
        assertTrue(agree >= expected.size() * 0.99, agree + " of " + expected.size() + " agree; " + disagree);
        long ports = expected.keySet().stream().map(k -> k.substring(4)).distinct().count();
        assertTrue(Math.abs(ports - IanaServices.portCount()) <= ports / 100,
                ports + " named ports in the Debian file, " + IanaServices.portCount() + " bundled");
    }

    @Test
    void generatorKeepsFirstNameExpandsRangesAndDropsOtherTransports(@TempDir Path dir) throws Exception {
        Path script = repoRoot().resolve("src/tools/gen-iana-services.py");
        assumeTrue(Files.isRegularFile(script), "no " + script);
        Path in = dir.resolve("services");
        Files.writeString(in, String.join("\n",
                "# a header comment",
                "first\t7/tcp/udp\t# Echo",
                "second\t7/tcp\t# listed later for tcp/7, must lose",
                "span\t10-12/udp",
                "sctponly\t20/sctp/dccp",
                "both\t30/tcp/sctp/udp\t# mixed",
                ""));
        Path out = dir.resolve("out.tsv");
        Process p;
        try {
            p = new ProcessBuilder("python3", script.toString(), in.toString(), out.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "python3 not runnable: " + e.getMessage());
            return;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "generator hung");
        assertEquals(0, p.exitValue(), log);
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            if (!line.startsWith("#")) {
                rows.add(line);
            }
        }
        assertEquals(List.of("7\tfirst\tfirst", "10\t\tspan", "11\t\tspan", "12\t\tspan", "30\tboth\tboth"), rows);
    }

    private static String lookup(String key) {
        int slash = key.indexOf('/');
        int proto = key.startsWith("tcp") ? 6 : 17;
        return IanaServices.serviceName(proto, Integer.parseInt(key.substring(slash + 1)));
    }

    /** Independent services(5) reader: "name port[-last]/proto[/proto...] [# comment]". */
    private static Map<String, String> parseServices(List<String> lines) {
        Map<String, String> names = new HashMap<>();
        for (String raw : lines) {
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\\s+");
            String[] portAndProtos = fields[1].split("/");
            String[] range = portAndProtos[0].split("-");
            int first = Integer.parseInt(range[0]);
            int last = range.length > 1 ? Integer.parseInt(range[1]) : first;
            for (int i = 1; i < portAndProtos.length; i++) {
                String proto = portAndProtos[i];
                if (proto.equals("tcp") || proto.equals("udp")) {
                    for (int port = first; port <= last; port++) {
                        names.putIfAbsent(proto + "/" + port, fields[0]);
                    }
                }
            }
        }
        return names;
    }

    private static Path repoRoot() {
        String root = System.getProperty("portwatch.root");
        return root != null ? Paths.get(root) : Paths.get("..").toAbsolutePath().normalize();
    }
}
