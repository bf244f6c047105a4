package io.portwatch.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A missing corpus skips a test on a developer's machine and fails it under CI. */
class CorpusTest {

    private static final Map<String, String> CI = Map.of("CI", "true");
    private static final Map<String, String> LOCAL = Map.of();

    @Test
    void aMissingCorpusSkipsOutsideCi(@TempDir Path dir) {
        Path missing = dir.resolve("corpus");
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> Corpus.root(missing.toString(), LOCAL));
        assertTrue(e.getMessage().contains("no folder " + missing), e.getMessage());
        assertThrows(TestAbortedException.class, () -> Corpus.root(null, LOCAL));
        assertEquals(Optional.empty(), Corpus.ifPresent(missing.toString(), LOCAL));
        assertThrows(TestAbortedException.class, () -> Corpus.require(false, "12 captures", LOCAL));
        assertThrows(TestAbortedException.class,
                () -> Corpus.root(missing.toString(), Map.of("CI", "false")), "only CI=true fails");
    }

    @Test
    void aMissingCorpusFailsUnderCi(@TempDir Path dir) {
        Path missing = dir.resolve("corpus");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> Corpus.root(missing.toString(), CI));
        assertEquals("the shared corpus is absent: no folder " + missing
                + " (CI=true: a corpus test fails rather than skips)", e.getMessage());
        e = assertThrows(AssertionFailedError.class, () -> Corpus.root("", CI));
        assertTrue(e.getMessage().contains("portwatch.corpus is not set"), e.getMessage());
        assertThrows(AssertionFailedError.class, () -> Corpus.ifPresent(missing.toString(), CI));
        assertThrows(AssertionFailedError.class, () -> Corpus.require(false, "12 captures", CI));
        Corpus.require(true, "12 captures", CI);
    }

    @Test
    void aPresentCorpusIsFound(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectory(dir.resolve("corpus"));
        Files.createDirectory(root.resolve("captures"));
        Files.write(root.resolve("captures/b.pcap"), new byte[0]);
        Files.write(root.resolve("captures/a.pcap"), new byte[0]);
        Files.write(root.resolve("captures/a.reference.json"), new byte[0]);
        Files.createDirectory(root.resolve("captures/sub"));
        assertEquals(root, Corpus.root(root.toString(), CI));
        assertEquals(Optional.of(root), Corpus.ifPresent(root.toString(), CI));
        Path captures = root.resolve("captures");
        assertEquals(List.of(captures.resolve("a.pcap"), captures.resolve("a.reference.json"),
                captures.resolve("b.pcap")), Corpus.files(captures));
        assertEquals(List.of(captures.resolve("a.pcap"), captures.resolve("b.pcap")), Corpus.files(captures, ".pcap"));
    }
}
