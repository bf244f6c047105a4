package io.portwatch.analysis.ports;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.capture.flow.HashKey;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The fleet key: its seed is SHA-256's, it hashes as the project's HashKey of that seed, and it never shows. */
class FleetKeyTest {

    private static final String TEXT = "Kq3v9T0pZ1xW8mN2rB7yL4sD6fH5jG0a";

    @Test
    void theSeedIsTheFirstEightBytesOfSha256OfTheLabelAndTheText() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update("portwatch fleet key v1\0".getBytes(StandardCharsets.US_ASCII));
        long expected = ByteBuffer.wrap(sha.digest(TEXT.getBytes(StandardCharsets.UTF_8))).getLong();
        assertEquals(expected, FleetKey.seed(TEXT));
        FleetKey k = FleetKey.of("  " + TEXT + "\n");
        assertEquals(HashKey.of(expected).hash(0x1234L, 0x0000_ffff_0a00_0001L), k.hash(0x1234L, 0x0000_ffff_0a00_0001L));
        assertNotEquals(k.hash(1, 2), FleetKey.of(TEXT + "x").hash(1, 2));
    }

    @Test
    void aShortKeyIsRefusedWithoutQuotingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FleetKey.of(" secret-ish \n"));
        assertFalse(e.getMessage().contains("secret-ish"), e.getMessage());
        assertEquals("a fleet key needs at least 16 characters, not 10 (e.g. the output of: openssl rand -base64 32)",
                e.getMessage());
    }

    @Test
    void itNeverShows() {
        FleetKey k = FleetKey.of(TEXT);
        String seed = Long.toString(FleetKey.seed(TEXT));
        String hex = Long.toHexString(FleetKey.seed(TEXT));
        for (String shown : new String[] {k.toString(), AnalyzerConfig.defaults().withFleetKey(k).toString()}) {
            assertFalse(shown.contains(TEXT) || shown.contains(seed) || shown.contains(hex), shown);
        }
        assertEquals("FleetKey[hidden]", k.toString());
    }
}
