package io.portwatch.app.sink.ipfix;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IP addresses in text form (as flow records hold them) into the bytes IPFIX carries. */
final class Addresses {

    private Addresses() {
    }

    /**
     * Parses an IPv4 dotted quad or an IPv6 literal into {@code out} (4 or 16 bytes used).
     *
     * @return 4 or 6, the family, or 0 when the text is neither (never a host name: nothing is resolved)
     */
    static int parse(String text, byte[] out) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return 0;
        }
        if (text.indexOf(':') < 0) {
            return parseIpv4(text, out) ? 4 : 0;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!ok) {
                return 0; // not a literal (a scope, a name): InetAddress would resolve it
            }
        }
        try {
            InetAddress a = InetAddress.getByName(text); // a literal: parsed, not resolved
            byte[] b = a.getAddress();
            if (a instanceof Inet6Address) {
                System.arraycopy(b, 0, out, 0, 16);
                return 6;
            }
            // an IPv4-mapped literal comes back as IPv4: keep it an IPv6 address, as it was written
            java.util.Arrays.fill(out, 0, 10, (byte) 0);
            out[10] = (byte) 0xFF;
            out[11] = (byte) 0xFF;
            System.arraycopy(b, 0, out, 12, 4);
            return 6;
        } catch (UnknownHostException e) {
            return 0;
        }
    }

    private static boolean parseIpv4(String s, byte[] out) {
        int part = 0;
        int value = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    return false;
                }
                out[part++] = (byte) value;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return part == 4;
    }
}
