package io.portwatch.app.sink.ipfix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * IPFIX over TCP (RFC 7011, section 10.4): messages one after another on a connection. The first
 * connection is made at start (a collector that is not there is an error then); one that breaks is made
 * again from the output thread, at most every {@link #RETRY_NANOS}, with a short connect timeout, and what
 * could not be sent meanwhile is lost and counted. Each connection is a new session: templates again,
 * sequence numbers from 0.
 */
final class TcpTransport implements IpfixTransport {

    static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    static final long RETRY_NANOS = 5_000_000_000L;

    private final InetSocketAddress collector;
    private SocketChannel channel;
    private boolean fresh;
    private long lastAttempt;

    TcpTransport(InetSocketAddress collector) throws IOException {
        this.collector = collector;
        this.channel = connect();
        this.fresh = true;
        this.lastAttempt = System.nanoTime();
    }

    private SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open();
        try {
            c.socket().connect(collector, CONNECT_TIMEOUT_MILLIS);
            c.socket().setTcpNoDelay(true);
            return c;
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    @Override
    public void send(ByteBuffer message) throws IOException {
        if (channel == null) {
            throw new IOException("not connected");
        }
        try {
            while (message.hasRemaining()) {
                channel.write(message);
            }
        } catch (IOException e) {
            drop();
            throw e;
        }
    }

    private void drop() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // it is gone either way
        }
        channel = null;
    }

    @Override
    public boolean newSession() {
        if (channel == null && System.nanoTime() - lastAttempt >= RETRY_NANOS) {
            lastAttempt = System.nanoTime();
            try {
                channel = connect();
                fresh = true;
            } catch (IOException e) {
                return false;
            }
        }
        boolean f = fresh;
        fresh = false;
        return f;
    }

    @Override
    public boolean ready() {
        return channel != null;
    }

    @Override
    public boolean refreshesTemplates() {
        return false;
    }

    @Override
    public String describe() {
        return "tcp://" + IpfixTarget.text(collector);
    }

    @Override
    public void close() {
        if (channel != null) {
            drop();
        }
    }
}
