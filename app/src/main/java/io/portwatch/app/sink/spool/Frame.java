package io.portwatch.app.sink.spool;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The bytes of a spool segment: a header ({@link #MAGIC}), then one frame per record, each a length and
 * a checksum before the record's body, so that a record cut short by a crash, or damaged, is told from a
 * whole one. All integers big-endian.
 *
 * <pre>
 * frame:  int    body length (bytes)          LENGTH_OFFSET
 *         int    CRC-32C of the body          CRC_OFFSET
 *         body                                PREFIX
 * body:   long   seq                          SEQ_OFFSET
 *         short  topic length, topic (UTF-8)  TOPIC_LENGTH_OFFSET, TOPIC_OFFSET
 *         int    key length (-1: no key), key
 *         value  (the rest of the body)
 * </pre>
 */
final class Frame {

    /** A segment's first bytes: the format and its version. */
    static final byte[] MAGIC = {'P', 'W', 'S', 'P', 'O', 'O', 'L', '1'};
    static final int LENGTH_OFFSET = 0;
    static final int CRC_OFFSET = 4;
    /** Bytes before a frame's body. */
    static final int PREFIX = 8;
    static final int SEQ_OFFSET = 0;
    static final int TOPIC_LENGTH_OFFSET = 8;
    static final int TOPIC_OFFSET = 10;
    /** The smallest body: seq, an empty topic, no key, an empty value. */
    static final int MIN_BODY = TOPIC_OFFSET + 4;
    /** The largest body taken (Kafka's own default request limit is 1 MiB): a larger length is damage. */
    static final int MAX_BODY = 16 << 20;
    static final int MAX_TOPIC = 249;

    private Frame() {
    }

    /** The frame's size of {@code r}, prefix included. */
    static int size(SpooledRecord r) {
        return PREFIX + bodySize(r);
    }

    private static int bodySize(SpooledRecord r) {
        return TOPIC_OFFSET + r.topic().length() + 4 + (r.key() == null ? 0 : r.key().length) + r.value().length;
    }

    /** Whether {@code r} can be framed at all (its topic and size within the format's bounds). */
    static boolean fits(SpooledRecord r) {
        return r.topic().length() <= MAX_TOPIC && (long) bodySize(r) <= MAX_BODY;
    }

    /** Writes {@code r}'s frame at {@code out}'s position, which it advances; {@code out} has room. */
    static void write(SpooledRecord r, ByteBuffer out) {
        int start = out.position();
        byte[] topic = r.topic().getBytes(StandardCharsets.UTF_8);
        out.position(start + PREFIX);
        out.putLong(r.seq());
        out.putShort((short) topic.length);
        out.put(topic);
        if (r.key() == null) {
            out.putInt(-1);
        } else {
            out.putInt(r.key().length);
            out.put(r.key());
        }
        out.put(r.value());
        int end = out.position();
        CRC32C crc = new CRC32C();
        crc.update(out.duplicate().position(start + PREFIX).limit(end));
        out.putInt(start + LENGTH_OFFSET, end - start - PREFIX);
        out.putInt(start + CRC_OFFSET, (int) crc.getValue());
    }

    /**
     * The body length a frame's prefix at {@code at} announces, or -1 when no body could be that long
     * (damage: the length is read before anything is allocated for it).
     */
    static int bodyLength(ByteBuffer in, int at) {
        int n = in.getInt(at + LENGTH_OFFSET);
        return n < MIN_BODY || n > MAX_BODY ? -1 : n;
    }

    /**
     * The record whose frame starts at {@code at} (its {@code length} bytes of body all in {@code in}),
     * or null when the checksum or the lengths inside do not hold.
     */
    static SpooledRecord read(ByteBuffer in, int at, int length) {
        int body = at + PREFIX;
        CRC32C crc = new CRC32C();
        crc.update(in.duplicate().position(body).limit(body + length));
        if ((int) crc.getValue() != in.getInt(at + CRC_OFFSET)) {
            return null;
        }
        long seq = in.getLong(body + SEQ_OFFSET);
        int topicLength = in.getShort(body + TOPIC_LENGTH_OFFSET);
        if (topicLength < 0 || topicLength > MAX_TOPIC || TOPIC_OFFSET + topicLength + 4 > length) {
            return null;
        }
        byte[] topic = new byte[topicLength];
        in.get(body + TOPIC_OFFSET, topic);
        int k = body + TOPIC_OFFSET + topicLength;
        int keyLength = in.getInt(k);
        int rest = length - (TOPIC_OFFSET + topicLength + 4);
        if (keyLength < -1 || keyLength > rest) {
            return null;
        }
        byte[] key = null;
        if (keyLength >= 0) {
            key = new byte[keyLength];
            in.get(k + 4, key);
        }
        byte[] value = new byte[rest - Math.max(0, keyLength)];
        in.get(k + 4 + Math.max(0, keyLength), value);
        return new SpooledRecord(seq, new String(topic, StandardCharsets.UTF_8), key, value);
    }
}
