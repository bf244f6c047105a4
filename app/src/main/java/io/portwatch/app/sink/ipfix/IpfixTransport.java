package io.portwatch.app.sink.ipfix;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Where messages go: a collector over UDP or TCP. Called by the output thread only. */
interface IpfixTransport extends Closeable {

    /** Sends one whole message (consumes the buffer), or throws: the message is then lost. */
    void send(ByteBuffer message) throws IOException;

    /**
     * Makes sure there is a session to send on (TCP: connects again after a failure, not more often than
     * a back-off allows).
     *
     * @return true when a new session began since the last call (its templates must be sent again and its
     *         sequence numbers start at 0); false otherwise, also when there is still no session
     */
    boolean newSession();

    /** Whether there is a session to send on now (UDP: always). */
    boolean ready();

    /** Whether templates are sent again on a schedule (UDP, where messages may be lost and collectors restart). */
    boolean refreshesTemplates();

    /** The collector, as {@code udp://host:port}, for messages. */
    String describe();

    @Override
    void close();
}
