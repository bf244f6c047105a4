package io.portwatch.app.sink.ipfix;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** The collector of {@code --ipfix HOST:PORT}, resolved once at start. */
public final class IpfixTarget {

    private IpfixTarget() {
    }

    /**
     * Parses and resolves {@code HOST:PORT} ({@code [v6]:PORT} for an IPv6 literal).
     *
     * @throws IllegalArgumentException with a one-line reason (without the option's name) when it is not one
     */
    public static InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("needs HOST:PORT: '" + text + "'");
        }
        String host = text.substring(0, colon);
        String portText = text.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("an IPv6 address goes in brackets, [ADDRESS]:PORT: '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the port must be 1 to 65535: '" + portText + "'");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("needs HOST:PORT: '" + text + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host '" + host + "'");
        }
    }

    /** {@code host:port}, {@code [v6]:port}. */
    static String text(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
    }
}
