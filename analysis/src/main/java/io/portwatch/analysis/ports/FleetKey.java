package io.portwatch.analysis.ports;

import io.portwatch.capture.flow.HashKey;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The key a fleet of sensors shares, so that the distinct-count sketches of their {@code port_stats} can be
 * merged and still not be aimed at. A sketch's registers follow a hash of each address; sketches merge only
 * when every sensor hashes alike, so the run's own secret ({@link HashKey#RUN}) cannot serve. With no key,
 * addresses go into the sketches as their 16 bytes and DataSketches' public hash places them: anyone who
 * can send packets can then choose addresses that all land in one register, or that inflate the estimate.
 * With a fleet key, each address goes in as a keyed 64-bit hash of its 16 bytes ({@link #hash}), which
 * nobody without the key can predict.
 *
 * <p>The key text (a file's content, or an environment variable) becomes a 64-bit seed through SHA-256 of a
 * label and the text (the first 8 bytes of the digest, big-endian), and the seed the {@link HashKey} the
 * project's tables use: {@code HashKey.of(seed).hash(hi, lo)}. The text is not kept, and nothing prints
 * the seed ({@link #toString} says only that there is a key). Immutable, thread-safe.
 */
public final class FleetKey {

    /** Characters a key text has at least, so that it cannot be guessed by trying short ones. */
    public static final int MIN_LENGTH = 16;
    /** Told apart from any other use of SHA-256 on the same text. */
    private static final byte[] LABEL = "portwatch fleet key v1\0".getBytes(StandardCharsets.UTF_8);

    private final HashKey key;

    private FleetKey(long seed) {
        this.key = HashKey.of(seed);
    }

    /**
     * The key of a text: leading and trailing white space (a file's last newline) is not part of it.
     *
     * @throws IllegalArgumentException when the text, stripped, has fewer than {@value #MIN_LENGTH}
     *                                  characters (the message does not quote it)
     */
    public static FleetKey of(String text) {
        String t = text.strip();
        if (t.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("a fleet key needs at least " + MIN_LENGTH + " characters, not "
                    + t.length() + " (e.g. the output of: openssl rand -base64 32)");
        }
        return new FleetKey(seed(t));
    }

    /** The 64-bit seed of a key text: the first 8 bytes of SHA-256(label, text). */
    static long seed(String text) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(LABEL);
            return ByteBuffer.wrap(sha.digest(text.getBytes(StandardCharsets.UTF_8))).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** The keyed 64-bit hash of an address (its 16 bytes as two words, IPv4 mapped into IPv6). */
    public long hash(long hi, long lo) {
        return key.hash(hi, lo);
    }

    /** Never the key. */
    @Override
    public String toString() {
        return "FleetKey[hidden]";
    }
}
