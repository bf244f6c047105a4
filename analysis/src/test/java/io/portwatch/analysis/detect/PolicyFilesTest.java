package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.InetText;
import io.portwatch.analysis.output.Transport;
import io.portwatch.capture.decode.DecodedPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Port policy and service baseline files: what they mean, and what a malformed one says. */
class PolicyFilesTest {

    static final List<String> POLICY = List.of(
            "# servers may offer these",
            "default deny",
            "allow tcp 22,80,443",
            "allow tcp 8000-8100   # app servers",
            "allow udp 53, 123",
            "deny tcp 23",
            "allow any 5353",
            "",
            "on 10.0.0.0/8, 192.168.0.0/16",
            "allow tcp 3306,5432",
            "deny tcp 22",
            "on 10.1.0.0/16",
            "default allow",
            "on 2001:db8::/32",
            "deny udp any",
            "on any",
            "allow udp 161");

    static PortPolicy.Decision decide(PortPolicy p, String transport, String ip, int port) {
        long[] a = InetText.parse(ip);
        return p.decide(Transport.parse(transport).protocol(), a[0], a[1], port);
    }

    @ParameterizedTest(name = "{0} {1}:{2} -> {3} by line {4}")
    @CsvSource({
            "tcp, 192.0.2.1, 22, true, 3",
            "tcp, 192.0.2.1, 443, true, 3",
            "tcp, 192.0.2.1, 8000, true, 4",
            "tcp, 192.0.2.1, 8100, true, 4",
            "tcp, 192.0.2.1, 8101, false, 2",
            "tcp, 192.0.2.1, 7999, false, 2",
            "udp, 192.0.2.1, 123, true, 5",
            "tcp, 192.0.2.1, 53, false, 2",
            "tcp, 192.0.2.1, 23, false, 6",
            "tcp, 192.0.2.1, 5353, true, 7",
            "udp, 192.0.2.1, 5353, true, 7",
            "tcp, 10.2.3.4, 22, false, 11",
            "tcp, 10.2.3.4, 3306, true, 10",
            "tcp, 192.168.9.9, 5432, true, 10",
            "tcp, 10.2.3.4, 80, true, 3",
            "tcp, 10.2.3.4, 25, false, 2",
            "tcp, 10.1.2.3, 22, true, 13",
            "tcp, 10.1.2.3, 25, true, 13",
            "udp, 2001:db8::1, 53, false, 15",
            "udp, 2001:db9::1, 53, true, 5",
            "udp, 192.0.2.1, 161, true, 17",
    })
    void decisions(String transport, String ip, int port, boolean allowed, int line) throws PolicyException {
        PortPolicy p = PortPolicy.parse("policy.txt", POLICY);
        PortPolicy.Decision d = decide(p, transport, ip, port);
        assertEquals(allowed, d.allowed(), d.toString());
        assertEquals(line, d.line(), d.toString());
    }

    @Test
    void decisionsNameTheirRuleAndNetwork() throws PolicyException {
        PortPolicy p = PortPolicy.parse("policy.txt", POLICY);
        PortPolicy.Decision d = decide(p, "tcp", "10.2.3.4", 22);
        assertEquals("deny tcp 22", d.rule());
        assertEquals("10.0.0.0/8,192.168.0.0/16", d.network());
        assertTrue(d.explicit());
        PortPolicy.Decision byDefault = decide(p, "tcp", "192.0.2.1", 25);
        assertEquals("default deny", byDefault.rule());
        assertFalse(byDefault.explicit());
        assertEquals(9, p.ruleCount());
    }

    @Test
    void withoutADefaultTrafficIsAllowed() throws PolicyException {
        PortPolicy p = PortPolicy.parse("p", List.of("deny tcp 23"));
        assertTrue(decide(p, "tcp", "192.0.2.1", 25).allowed());
        assertFalse(decide(p, "tcp", "192.0.2.1", 23).allowed());
        assertTrue(decide(PortPolicy.parse("empty", List.of()), "udp", "::1", 1).allowed());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "alow tcp 22 | unknown statement 'alow' (expected allow, deny, default or on)",
            "allow | 'allow' needs a transport (tcp, udp or any) and ports",
            "allow tcp | 'allow tcp' needs ports, e.g. 22,80,8000-8100",
            "allow icmp 1 | transport must be tcp, udp or any, not 'icmp'",
            "deny tcp 70000 | port 70000 out of range (0-65535)",
            "allow tcp 100-20 | range '100-20' ends before it starts",
            "allow tcp 22,,80 | empty port in '22,,80'",
            "allow tcp http | not a port or range: 'http'",
            "allow tcp 1-2-3 | not a port or range: '1-2-3'",
            "allow tcp 80 - | not a port or range: '80-'",
            "allow tcp 80 443, | empty port in '80 443,'",
            "allow tcp 80 any | not a port or range: 'any'",
            "default maybe | 'default' takes allow or deny, not 'maybe'",
            "default | 'default' needs allow or deny",
            "on 10.0.0.0/33 | prefix length of '10.0.0.0/33' must be 0-32",
            "on 2001:db8::/129 | prefix length of '2001:db8::/129' must be 0-128",
            "on 10.0.0.300/8 | not an IP network: '10.0.0.300/8'",
            "on | 'on' needs networks, e.g. 'on 10.0.0.0/8' (or 'on any')",
    })
    void malformedPolicyLine(String line, String problem) {
        PolicyException e = assertThrows(PolicyException.class,
                () -> PortPolicy.parse("site.policy", List.of("# comment", "", "allow tcp 22", line)));
        assertEquals("site.policy:4: " + problem, e.getMessage());
        assertEquals(4, e.line());
        assertEquals("site.policy", e.file());
    }

    /**
     * Ports separated by spaces are a list, as if by commas: {@code 2 222} is ports 2 and 222, never
     * port 2222, and the alert's rule says so. Read from a real file, as {@code --policy} does.
     */
    @Test
    void portsSeparatedBySpacesAreAList(@TempDir Path dir) throws Exception {
        Path ssh = dir.resolve("ssh.policy");
        Files.write(ssh, List.of("default deny", "allow tcp 2 222"));
        PortPolicy p = PortPolicy.load(ssh);
        assertFalse(decide(p, "tcp", "192.0.2.1", 2222).allowed(), "2 222 must not become 2222");
        assertTrue(decide(p, "tcp", "192.0.2.1", 2).allowed());
        assertTrue(decide(p, "tcp", "192.0.2.1", 222).allowed());
        assertEquals("allow tcp 2,222", decide(p, "tcp", "192.0.2.1", 222).rule());

        Path file = dir.resolve("spaces.policy");
        Files.write(file, List.of(
                "default deny",
                "allow tcp 2 222",
                "allow tcp 80 443   # web",
                "allow udp 53 , 123\t5353",
                "allow tcp 8000 - 8100 9000"));
        p = PortPolicy.load(file);
        assertTrue(decide(p, "tcp", "192.0.2.1", 80).allowed());
        assertTrue(decide(p, "tcp", "192.0.2.1", 443).allowed());
        assertEquals("allow tcp 80,443", decide(p, "tcp", "192.0.2.1", 443).rule());
        assertEquals(3, decide(p, "tcp", "192.0.2.1", 443).line());
        assertTrue(decide(p, "udp", "192.0.2.1", 123).allowed());
        assertEquals("allow udp 53,123,5353", decide(p, "udp", "192.0.2.1", 5353).rule());
        assertFalse(decide(p, "udp", "192.0.2.1", 53123).allowed());
        assertTrue(decide(p, "tcp", "192.0.2.1", 8050).allowed(), "spaces around '-' still make a range");
        assertEquals("allow tcp 8000-8100,9000", decide(p, "tcp", "192.0.2.1", 9000).rule());
        assertFalse(decide(p, "tcp", "192.0.2.1", 81009000).allowed());
        assertEquals(4, p.ruleCount());

        Path bad = dir.resolve("bad.policy");
        Files.write(bad, List.of("default deny", "allow tcp 80 443 http"));
        PolicyException e = assertThrows(PolicyException.class, () -> PortPolicy.load(bad));
        assertEquals(bad + ":2: not a port or range: 'http'", e.getMessage());
    }

    @Test
    void secondDefaultOfASection() {
        PolicyException e = assertThrows(PolicyException.class, () -> PortPolicy.parse("p",
                List.of("default deny", "on 10.0.0.0/8", "default allow", "default deny")));
        assertEquals("p:4: a second 'default' for 'on 10.0.0.0/8' (the first is on line 3)", e.getMessage());
        e = assertThrows(PolicyException.class, () -> PortPolicy.parse("p",
                List.of("default deny", "on 10.0.0.0/8", "on any", "default allow")));
        assertEquals("p:4: a second 'default' for the whole policy (the first is on line 1)", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "tcp 10.0.0.1 | expected 'TRANSPORT ADDRESS PORT' and optionally 'FIRST_SEEN LAST_SEEN CLIENTS FLOWS', got 2 fields",
            "tcp 10.0.0.1 22 2024-05-01T10:00:00Z | expected 'TRANSPORT ADDRESS PORT' and optionally 'FIRST_SEEN LAST_SEEN CLIENTS FLOWS', got 4 fields",
            "icmp 10.0.0.1 22 | transport must be tcp or udp, not 'icmp'",
            "tcp 10.0.0.256 22 | not an IP address: '10.0.0.256'",
            "tcp 10.0.0.1 99999 | port must be a number 0-65535, not '99999'",
            "tcp 10.0.0.1 ssh | port must be a number 0-65535, not 'ssh'",
            "tcp 10.0.0.1 22 yesterday - - - | first_seen is not an ISO-8601 UTC time such as 2024-05-01T10:00:00Z: 'yesterday'",
            "tcp 10.0.0.1 22 - - -3 - | clients must be a count (0 or more), not '-3'",
            "tcp 10.0.0.1 22 - - 1 many | flows must be a count (0 or more), not 'many'",
            "tcp 10.0.0.1 22 2024-05-02T00:00:00Z 2024-05-01T00:00:00Z 1 1 | last_seen 2024-05-01T00:00:00Z is before first_seen 2024-05-02T00:00:00Z",
            "tcp 10.0.0.5 443 | duplicate service 'tcp 10.0.0.5 443' (first on line 2)",
    })
    void malformedBaselineLine(String line, String problem) {
        PolicyException e = assertThrows(PolicyException.class,
                () -> ServiceBaseline.parse("known.txt", List.of("# known", "tcp 10.0.0.5 443", line)));
        assertEquals("known.txt:3: " + problem, e.getMessage());
    }

    @Test
    void unreadableFiles(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.txt");
        assertEquals(missing + ": no such file",
                assertThrows(PolicyException.class, () -> PortPolicy.load(missing)).getMessage());
        assertEquals(dir + ": cannot read: is a directory",
                assertThrows(PolicyException.class, () -> ServiceBaseline.load(dir)).getMessage());
        Path binary = dir.resolve("capture.pcap");
        byte[] junk = new byte[64];
        Arrays.fill(junk, (byte) 0xC3);
        junk[1] = (byte) 0xFF;
        Files.write(binary, junk);
        PolicyException e = assertThrows(PolicyException.class, () -> PortPolicy.load(binary));
        assertEquals(binary + ": not a text file (not UTF-8)", e.getMessage());
        assertEquals(0, e.line());
    }

    @Test
    void examplesParseAndMeanWhatTheySay() throws PolicyException {
        Path examples = Path.of(System.getProperty("portwatch.root", "."), "src", "examples");
        PortPolicy p = PortPolicy.load(examples.resolve("port-policy.txt"));
        assertFalse(decide(p, "tcp", "192.0.2.1", 23).allowed());
        assertTrue(decide(p, "tcp", "192.0.2.1", 443).allowed());
        assertFalse(decide(p, "tcp", "192.0.2.1", 5432).allowed(), "databases only on the server networks");
        assertTrue(decide(p, "tcp", "10.20.3.4", 5432).allowed());
        assertTrue(decide(p, "tcp", "2001:db8:20::9", 8080).allowed());
        assertFalse(decide(p, "tcp", "10.20.3.4", 22).allowed(), "SSH through the bastions only");
        assertTrue(decide(p, "tcp", "10.20.9.2", 22).allowed());
        assertTrue(decide(p, "tcp", "192.168.100.7", 31337).allowed());
        assertTrue(decide(p, "udp", "10.20.3.4", 161).allowed());
        ServiceBaseline b = ServiceBaseline.load(examples.resolve("service-baseline.txt"));
        assertEquals(5, b.size());
        long[] a = InetText.parse("2001:db8:20::53");
        assertTrue(b.contains(DecodedPacket.PROTO_UDP, a[0], a[1], 53));
    }

    @Test
    void baselineWrittenThenRead(@TempDir Path dir) throws Exception {
        List<ExposedService> services = List.of(
                new ExposedService(Transport.UDP, "10.0.0.53", 53, 1_714_557_600_000_000_000L, 1_714_557_660_500_000_000L, 3, 90),
                new ExposedService(Transport.TCP, "2001:db8::10", 443, 1_714_557_601_000_000_001L, 1_714_557_602_000_000_000L, 1, 1),
                new ExposedService(Transport.TCP, "10.0.0.10", 22, 1_714_557_600_000_000_000L, 1_714_557_600_000_000_000L, 12, 40),
                new ExposedService(Transport.TCP, "10.0.0.9", 8080, 0, 0, 0, 0));
        Path file = dir.resolve("baseline.txt");
        ServiceBaseline.write(file, services);
        List<String> lines = Files.readAllLines(file);
        assertEquals("tcp 10.0.0.9 8080 - - 0 0", lines.get(2), "sorted by transport, address (numerically), port");
        assertEquals("tcp 10.0.0.10 22 2024-05-01T10:00:00Z 2024-05-01T10:00:00Z 12 40", lines.get(3));
        ServiceBaseline read = ServiceBaseline.load(file);
        assertEquals(ServiceBaseline.of(services).services(), read.services());
        long[] a = InetText.parse("2001:db8::10");
        assertTrue(read.contains(DecodedPacket.PROTO_TCP, a[0], a[1], 443));
        assertFalse(read.contains(DecodedPacket.PROTO_UDP, a[0], a[1], 443));
        assertFalse(read.contains(DecodedPacket.PROTO_TCP, a[0], a[1], 80));
    }
}
