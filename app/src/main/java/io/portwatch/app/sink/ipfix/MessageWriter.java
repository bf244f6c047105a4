package io.portwatch.app.sink.ipfix;

import java.nio.ByteBuffer;

/**
 * Builds IPFIX messages in one reused buffer no larger than the MTU: a message header, then sets, each
 * template set or data set closed (its length written) when the next begins or the message ends. The
 * caller asks {@link #room} before adding, and sends the message when a record does not fit. Not
 * thread-safe: the output thread's.
 */
final class MessageWriter {

    private final ByteBuffer buffer;
    private final int domain;
    /** Data records in messages finished so far on this stream, modulo 2^32: the next message's sequence number. */
    private long sequence;
    private int records;
    /** Where the open set starts, or -1; and its set ID. */
    private int setStart = -1;
    private int setId;

    MessageWriter(int mtu, int domain) {
        this.buffer = ByteBuffer.allocate(mtu);
        this.domain = domain;
        begin();
    }

    private void begin() {
        buffer.clear();
        buffer.position(IpfixLayout.MESSAGE_HEADER_LENGTH);
        records = 0;
        setStart = -1;
    }

    /** Whether the message holds nothing yet. */
    boolean empty() {
        return buffer.position() == IpfixLayout.MESSAGE_HEADER_LENGTH;
    }

    /** Data records in the message being built. */
    int records() {
        return records;
    }

    /** Bytes left in the message. */
    int room() {
        return buffer.remaining();
    }

    /** Bytes a data record of {@code template} needs beyond its own length (a set header, unless its set is open). */
    int setOverhead(int template) {
        return setStart >= 0 && setId == template ? 0 : IpfixLayout.SET_HEADER_LENGTH;
    }

    /** Adds a template set holding the template's record (the caller checked the room). */
    void addTemplate(Template t) {
        openSet(IpfixLayout.TEMPLATE_SET_ID);
        t.writeTemplateRecord(buffer);
    }

    /** Adds a data record (the caller checked the room). */
    void addRecord(Template t, RecordValues v) {
        openSet(t.id);
        t.writeRecord(buffer, v);
        records++;
    }

    private void openSet(int id) {
        if (setStart >= 0 && setId == id) {
            return;
        }
        closeSet();
        setStart = buffer.position();
        setId = id;
        buffer.putShort((short) id);
        buffer.putShort((short) 0); // the length, once the set is closed
    }

    private void closeSet() {
        if (setStart >= 0) {
            buffer.putShort(setStart + IpfixLayout.SET_LENGTH, (short) (buffer.position() - setStart));
            setStart = -1;
        }
    }

    /**
     * Ends the message: its header written, its sequence number the data records of the messages before.
     *
     * @param exportSeconds the export time, seconds since the epoch
     * @return the message, ready to read (valid until {@link #next})
     */
    ByteBuffer finish(long exportSeconds) {
        closeSet();
        int length = buffer.position();
        buffer.putShort(IpfixLayout.MESSAGE_VERSION, (short) IpfixLayout.VERSION);
        buffer.putShort(IpfixLayout.MESSAGE_LENGTH, (short) length);
        buffer.putInt(IpfixLayout.MESSAGE_EXPORT_TIME, (int) exportSeconds);
        buffer.putInt(IpfixLayout.MESSAGE_SEQUENCE, (int) sequence);
        buffer.putInt(IpfixLayout.MESSAGE_DOMAIN, domain);
        sequence = (sequence + records) & 0xFFFFFFFFL;
        buffer.flip();
        return buffer;
    }

    /** Starts the next message (after a finished one was sent, or given up). */
    void next() {
        begin();
    }

    /** A new transport session (a TCP connection): its sequence numbers start at 0. */
    void restartSequence() {
        sequence = 0;
    }
}
