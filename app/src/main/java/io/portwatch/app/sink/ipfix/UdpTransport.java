package io.portwatch.app.sink.ipfix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * IPFIX over UDP (RFC 7011, section 10.3): one message a datagram, to a connected socket, so that an ICMP
 * port unreachable (no collector listening) comes back as a failed send, counted as loss.
 */
final class UdpTransport implements IpfixTransport {

    private final DatagramChannel channel;
    private final InetSocketAddress collector;

    UdpTransport(InetSocketAddress collector) throws IOException {
        this.collector = collector;
        this.channel = DatagramChannel.open(collector.getAddress() instanceof java.net.Inet6Address
                ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
        try {
            channel.connect(collector);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void send(ByteBuffer message) throws IOException {
        channel.write(message);
    }

    @Override
    public boolean newSession() {
        return false;
    }

    @Override
    public boolean ready() {
        return true;
    }

    @Override
    public boolean refreshesTemplates() {
        return true;
    }

    @Override
    public String describe() {
        return "udp://" + IpfixTarget.text(collector);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing is buffered in a datagram socket
        }
    }
}
