package io.portwatch.analysis.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portwatch.capture.decode.DecodedPacket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzz targets (Jazzer) for the port policy and service baseline files: any text, split into
 * lines as {@link ServiceBaseline#readLines} reads a file (bytes that are not UTF-8 stop there, in the JDK).
 * Seeds: the examples in {@code src/examples}. A plain {@code mvn test} runs the targets on their seeds and on
 * the findings kept beside this class; {@code JAZZER_FUZZ=1} fuzzes one (docs/fuzzing.md).
 *
 * <p>What every text must give: a policy (or baseline), or a {@link PolicyException} whose one-line message
 * names the file (and the line, within the file); nothing else thrown. A policy decides any traffic without
 * throwing, by a statement of the file (its line holds that statement) or by the default; a baseline written
 * out as {@code --save-baseline} writes it reads back as the same services.
 */
class PolicyFileFuzzer {

    static final String NAME = "fuzz-policy.txt";
    private static final int MAX_INPUT = 64 * 1024;
    private static final int[] PORTS = {0, 1, 22, 53, 80, 443, 5432, 8080, 65535};

    @MethodSource("policies")
    @FuzzTest
    void portPolicy(byte[] input) {
        List<String> lines = lines(input);
        if (lines == null) {
            return;
        }
        PortPolicy policy;
        try {
            policy = PortPolicy.parse(NAME, lines);
        } catch (PolicyException e) {
            checkMessage(e, lines.size());
            return;
        }
        long crc = crc(input);
        long[][] servers = {
            {0, 0x0000_FFFF_0A14_0905L}, {0, 0x0000_FFFF_0A14_0101L}, {0, 0x0000_FFFF_C0A8_6407L}, {0, 0x0000_FFFF_0000_0000L},
            {0x2001_0DB8_0020_0000L, 1}, {0, 1}, {crc * 0x9E37_79B9_7F4A_7C15L, crc}, {0, 0x0000_FFFF_0000_0000L | crc}};
        for (long[] server : servers) {
            for (int protocol : new int[] {DecodedPacket.PROTO_TCP, DecodedPacket.PROTO_UDP}) {
                for (int port : PORTS) {
                    decision(policy, lines, protocol, server, port);
                }
                decision(policy, lines, protocol, server, (int) (crc & 0xFFFF));
            }
        }
    }

    private static void decision(PortPolicy policy, List<String> lines, int protocol, long[] server, int port) {
        PortPolicy.Decision d = policy.decide(protocol, server[0], server[1], port);
        assertNotNull(d, "a decision");
        assertTrue(d.line() >= 0 && d.line() <= lines.size(), "line " + d.line() + " of " + lines.size());
        String word = d.rule().split(" ", 2)[0];
        assertTrue(d.explicit() ? word.equals("allow") || word.equals("deny") : word.equals("default"),
                "a rule or a default decided: " + d);
        assertEquals(d.allowed(), d.rule().startsWith("allow") || d.rule().equals("default allow"), "allowed: " + d);
        if (d.line() > 0) {
            String statement = ServiceBaseline.stripComment(lines.get(d.line() - 1)).toLowerCase(Locale.ROOT);
            assertTrue(statement.startsWith(word), "line " + d.line() + " ('" + statement + "') holds " + d.rule());
        }
    }

    @MethodSource("baselines")
    @FuzzTest
    void serviceBaseline(byte[] input) {
        List<String> lines = lines(input);
        if (lines == null) {
            return;
        }
        ServiceBaseline baseline;
        try {
            baseline = ServiceBaseline.parse(NAME, lines);
        } catch (PolicyException e) {
            checkMessage(e, lines.size());
            return;
        }
        List<String> saved = ServiceBaseline.format(baseline.services());
        ServiceBaseline again;
        try {
            again = ServiceBaseline.parse("saved", saved);
        } catch (PolicyException e) {
            throw new AssertionError("a saved baseline reads back: " + e.getMessage(), e);
        }
        assertEquals(baseline.services(), again.services(), "saved and read back");
    }

    /** The text's lines as a file's are read, or null when it is not UTF-8 (the JDK's decoder stops there). */
    static List<String> lines(byte[] input) {
        if (input.length > MAX_INPUT) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(input)).toString()
                    .lines().toList();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void checkMessage(PolicyException e, int lines) {
        String m = e.getMessage();
        assertTrue(m.startsWith(NAME + ":"), "the message names the file: " + m);
        assertTrue(m.indexOf('\n') < 0 && m.indexOf('\r') < 0, "one line: " + m);
        assertTrue(e.line() >= 1 && e.line() <= lines, "line " + e.line() + " of " + lines + ": " + m);
        assertEquals(NAME + ":" + e.line() + ": " + e.problem(), m, "file:line: problem");
    }

    private static long crc(byte[] input) {
        CRC32 c = new CRC32();
        c.update(input);
        return c.getValue();
    }

    // ---- seeds: the examples (src/examples), found from the checkout's root

    static Stream<Arguments> policies() {
        return example("port-policy.txt");
    }

    static Stream<Arguments> baselines() {
        return example("service-baseline.txt");
    }

    private static Stream<Arguments> example(String name) {
        String root = System.getProperty("portwatch.root");
        Path file = root == null ? null : Path.of(root, "src", "examples", name);
        if (file == null || !Files.isRegularFile(file)) {
            return Stream.empty();
        }
        try {
            return Stream.of(Arguments.of(Named.of(name, Files.readAllBytes(file))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
