package io.portwatch.analysis.output;

/**
 * IP addresses as text, for addresses held as two longs the way {@code DecodedPacket} holds them
 * (big-endian halves; IPv4 stored IPv4-mapped, {@code ::ffff:a.b.c.d}).
 *
 * <p>IPv4 is written as a dotted quad; IPv6 in RFC 5952 canonical form: lower-case hex, no leading
 * zeros, the longest run of two or more zero groups replaced by {@code ::} (the first run on a
 * tie), and, as RFC 5952 section 5 recommends, an IPv4-mapped IPv6 address with its IPv4 part
 * dotted ({@code ::ffff:192.0.2.1}).
 */
public final class InetText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final long MAPPED_PREFIX = 0x0000_FFFFL;

    private InetText() {
    }

    /**
     * Formats an address.
     *
     * @param ipVersion 4 for IPv4 (the low 32 bits of {@code lo}); any other value formats all 128 bits
     *                  as IPv6
     * @param hi        high 64 bits of the address
     * @param lo        low 64 bits of the address
     * @return the text form, e.g. {@code 192.0.2.1} or {@code 2001:db8::1}
     */
    public static String format(int ipVersion, long hi, long lo) {
        StringBuilder sb = new StringBuilder(ipVersion == 4 ? 15 : 39);
        if (ipVersion == 4) {
            appendIpv4(sb, (int) lo);
        } else {
            appendIpv6(sb, hi, lo);
        }
        return sb.toString();
    }

    /**
     * Appends an IPv6 address in RFC 5952 form.
     *
     * @param sb where to append
     * @param hi high 64 bits
     * @param lo low 64 bits
     */
    public static void appendIpv6(StringBuilder sb, long hi, long lo) {
        if (hi == 0 && (lo >>> 32) == MAPPED_PREFIX) {
            sb.append("::ffff:");
            appendIpv4(sb, (int) lo);
            return;
        }
        // longest run of zero groups (length >= 2), first one on a tie
        int bestStart = -1;
        int bestLen = 1;
        int runStart = -1;
        for (int i = 0; i <= 8; i++) {
            boolean zero = i < 8 && group(hi, lo, i) == 0;
            if (zero) {
                if (runStart < 0) {
                    runStart = i;
                }
            } else if (runStart >= 0) {
                if (i - runStart > bestLen) {
                    bestStart = runStart;
                    bestLen = i - runStart;
                }
                runStart = -1;
            }
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLen) {
                sb.append(':');
            }
            appendHex(sb, group(hi, lo, i));
        }
    }

    /**
     * Appends an IPv4 address as a dotted quad.
     *
     * @param sb   where to append
     * @param addr the address, most significant byte first
     */
    public static void appendIpv4(StringBuilder sb, int addr) {
        sb.append((addr >>> 24) & 0xFF).append('.')
                .append((addr >>> 16) & 0xFF).append('.')
                .append((addr >>> 8) & 0xFF).append('.')
                .append(addr & 0xFF);
    }

    /**
     * Parses an IPv4 dotted quad or an IPv6 address (any valid RFC 4291 text form, including a
     * trailing dotted quad; no zone index). Not for the hot path.
     *
     * @param text the address text
     * @return {@code {hi, lo}}; an IPv4 address comes back IPv4-mapped, as {@code DecodedPacket} keeps it
     * @throws IllegalArgumentException when the text is not an address
     */
    public static long[] parse(String text) {
        if (text.indexOf(':') < 0) {
            return new long[] {0L, (MAPPED_PREFIX << 32) | (parseIpv4(text, 0, text.length()) & 0xFFFF_FFFFL)};
        }
        return parseIpv6(text);
    }

    /**
     * Whether a parsed or decoded address is IPv4 (stored IPv4-mapped).
     *
     * @param hi high 64 bits
     * @param lo low 64 bits
     * @return true for {@code ::ffff:0:0/96}
     */
    public static boolean isIpv4Mapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == MAPPED_PREFIX;
    }

    private static int group(long hi, long lo, int i) {
        long half = i < 4 ? hi : lo;
        return (int) (half >>> (48 - 16 * (i & 3))) & 0xFFFF;
    }

    private static void appendHex(StringBuilder sb, int v) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int d = (v >>> shift) & 0xF;
            if (d != 0 || started || shift == 0) {
                sb.append(HEX[d]);
                started = true;
            }
        }
    }

    private static int parseIpv4(String s, int from, int to) {
        int addr = 0;
        int parts = 0;
        int i = from;
        while (true) {
            int start = i;
            int value = 0;
            while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    throw bad(s);
                }
            }
            if (i == start || value > 255 || (i - start > 1 && s.charAt(start) == '0')) {
                throw bad(s);
            }
            addr = (addr << 8) | value;
            parts++;
            if (parts == 4) {
                if (i != to) {
                    throw bad(s);
                }
                return addr;
            }
            if (i >= to || s.charAt(i) != '.') {
                throw bad(s);
            }
            i++;
        }
    }

    private static long[] parseIpv6(String s) {
        int[] groups = new int[8];
        int count = 0;
        int gap = -1; // index in groups where "::" stands
        int n = s.length();
        int i = 0;
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
        } else if (s.startsWith(":")) {
            throw bad(s);
        }
        while (i < n) {
            int start = i;
            int value = 0;
            while (i < n && hexDigit(s.charAt(i)) >= 0 && i - start < 4) {
                value = (value << 4) | hexDigit(s.charAt(i));
                i++;
            }
            if (i < n && s.charAt(i) == '.') {
                // trailing dotted quad: two groups
                if (count > 6) {
                    throw bad(s);
                }
                int v4 = parseIpv4(s, start, n);
                groups[count++] = v4 >>> 16;
                groups[count++] = v4 & 0xFFFF;
                i = n;
                break;
            }
            if (i == start || count == 8) {
                throw bad(s);
            }
            groups[count++] = value;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':') {
                throw bad(s);
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (gap >= 0) {
                    throw bad(s);
                }
                gap = count;
                i++;
            } else if (i == n) {
                throw bad(s); // trailing single ':'
            }
        }
        if (gap < 0 ? count != 8 : count > 7) {
            throw bad(s);
        }
        long hi = 0;
        long lo = 0;
        int zeros = 8 - count;
        for (int g = 0, src = 0; g < 8; g++) {
            int v;
            if (gap >= 0 && g >= gap && g < gap + zeros) {
                v = 0;
            } else {
                v = groups[src++];
            }
            if (g < 4) {
                hi = (hi << 16) | v;
            } else {
                lo = (lo << 16) | v;
            }
        }
        return new long[] {hi, lo};
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static IllegalArgumentException bad(String s) {
        return new IllegalArgumentException("not an IP address: \"" + s + "\"");
    }
}
