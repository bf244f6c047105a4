package io.portwatch.capture.libpcap;

import io.portwatch.capture.libpcap.LibpcapFileSourceTest.Frame;
import io.portwatch.capture.libpcap.LibpcapFileSourceTest.Outcome;
import io.portwatch.capture.source.CaptureException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * zstd and xz captures, compressed by the real tools, read through libpcap as the uncompressed file is
 * (libpcap reads a decompressed temporary copy); the pure-Java reader's side is CompressedCaptureTest.
 */
class LibpcapCompressedTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void libpcap() throws CaptureException {
        LibpcapTestSupport.requireLibpcap();
    }

    private Path compress(String tool, Path plain, String name) {
        assumeTrue(LibpcapTestSupport.hasTool(tool), tool + " is not installed");
        Path out = dir.resolve(name);
        LibpcapTestSupport.Result r = LibpcapTestSupport.run(List.of("sh", "-c",
                tool + " -q -c < '" + plain + "' > '" + out + "'"));
        assertEquals(0, r.exitCode(), tool + ": " + r.stderr());
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "xz"})
    void theLibpcapReaderReadsThemToo(String tool) throws Exception {
        Path original = LibpcapTestSupport.captures().resolve("busy-client.pcap");
        String suffix = tool.equals("zstd") ? ".zst" : ".xz";
        Path z = compress(tool, original, "lp.pcap" + suffix);
        List<Frame> expected = LibpcapFileSourceTest.readAll(original, null);
        List<Frame> got = LibpcapFileSourceTest.readAll(z, null);
        assertTrue(expected.size() > 100, expected.size() + " frames");
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(expected.get(i).linkType(), got.get(i).linkType());
            assertEquals(expected.get(i).timestampNanos(), got.get(i).timestampNanos());
            assertEquals(expected.get(i).originalLength(), got.get(i).originalLength());
            assertArrayEquals(expected.get(i).bytes(), got.get(i).bytes());
        }

        byte[] whole = Files.readAllBytes(z);
        Path cut = dir.resolve("lp-cut.pcap" + suffix);
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
        CaptureException fault;
        try {
            Outcome o = LibpcapFileSourceTest.read(cut.toString(), null);
            assertTrue(o.frames().size() < expected.size());
            fault = o.fault();
        } catch (CaptureException atOpen) {
            fault = atOpen; // nothing decompressed before the cut: libpcap cannot open the copy
        }
        assertNotNull(fault, "a truncated " + tool + " file must fail");
        String m = fault.getMessage();
        assertTrue(m.startsWith(cut + ": truncated " + tool + " data"), m);
        assertFalse(m.contains("\n"), m);
    }
}
