package io.portwatch.analysis.output;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Community ID v1 flow hashing (https://github.com/corelight/community-id-spec), the flow id that
 * Zeek, Suricata and Wireshark also compute, e.g. {@code 1:LQU9qZlK+B5F3KDmev6m5PMibrg=}.
 *
 * <p>The hash is SHA-1 over {@code seed(2) . addrA . addrB . proto(1) . 0(1) [. portA(2) . portB(2)]}
 * in network byte order, addresses 4 bytes for IPv4 and 16 for IPv6, with the endpoints ordered so
 * the smaller (address, port) comes first; the result is {@code "1:"} and the base64 digest. Ports
 * are hashed for TCP, UDP, SCTP, ICMP and ICMPv6; for ICMP the type and code stand in for the ports,
 * mapped as Zeek does (a request and its reply get the same id).
 *
 * <p>Not thread-safe: an instance reuses its digest and buffers, and allocates only the result string.
 */
public final class CommunityId {

    private static final int PROTO_ICMP = 1;
    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;
    private static final int PROTO_ICMPV6 = 58;
    private static final int PROTO_SCTP = 132;

    private static final int SHA1_BYTES = 20;
    private static final int BASE64_CHARS = 28;

    private final int seed;
    private final MessageDigest sha1;
    private final byte[] input = new byte[2 + 16 + 16 + 2 + 4];
    private final byte[] digest = new byte[SHA1_BYTES];
    private final byte[] base64 = new byte[BASE64_CHARS];
    private final byte[] text = new byte[2 + BASE64_CHARS];

    /**
     * A hasher for one seed.
     *
     * @param seed the Community ID seed, 0-65535 (0 is the usual default)
     * @throws IllegalArgumentException when the seed does not fit in 16 bits
     */
    public CommunityId(int seed) {
        if ((seed & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("Community ID seed must be 0-65535, not " + seed);
        }
        this.seed = seed;
        try {
            this.sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
        text[0] = '1';
        text[1] = ':';
    }

    /** The seed this instance hashes with. */
    public int seed() {
        return seed;
    }

    /**
     * Computes the Community ID of one flow tuple, in either direction.
     *
     * @param ipVersion 4 (addresses IPv4-mapped, hashed as 4 bytes) or 6 (hashed as 16 bytes)
     * @param srcHi     source address, high 64 bits
     * @param srcLo     source address, low 64 bits
     * @param dstHi     destination address, high 64 bits
     * @param dstLo     destination address, low 64 bits
     * @param protocol  IP protocol number
     * @param srcPort   source port; for ICMP/ICMPv6 the message type (only the low 16 bits are used)
     * @param dstPort   destination port; for ICMP/ICMPv6 the message code (low 16 bits)
     * @return the id, {@code 1:} and 28 base64 characters
     */
    public String compute(int ipVersion, long srcHi, long srcLo, long dstHi, long dstLo,
                          int protocol, int srcPort, int dstPort) {
        protocol &= 0xFF;
        int sport = srcPort & 0xFFFF;
        int dport = dstPort & 0xFFFF;
        boolean hasPorts = protocol == PROTO_TCP || protocol == PROTO_UDP || protocol == PROTO_SCTP
                || protocol == PROTO_ICMP || protocol == PROTO_ICMPV6;
        boolean oneWay = false;
        if (protocol == PROTO_ICMP || protocol == PROTO_ICMPV6) {
            int counter = protocol == PROTO_ICMP ? icmpCounterType(sport) : icmp6CounterType(sport);
            if (counter >= 0) {
                dport = counter;
            } else {
                oneWay = true; // not a request/reply pair: type and code hashed as they are, no flip
            }
        }
        boolean v4 = ipVersion == 4;
        boolean swap = false;
        if (!oneWay) {
            int cmp = v4
                    ? Integer.compareUnsigned((int) srcLo, (int) dstLo)
                    : compareUnsigned128(srcHi, srcLo, dstHi, dstLo);
            swap = cmp > 0 || (cmp == 0 && hasPorts && sport > dport);
        }

        int n = 0;
        n = put16(input, n, seed);
        if (swap) {
            n = putAddress(input, n, v4, dstHi, dstLo);
            n = putAddress(input, n, v4, srcHi, srcLo);
        } else {
            n = putAddress(input, n, v4, srcHi, srcLo);
            n = putAddress(input, n, v4, dstHi, dstLo);
        }
        input[n++] = (byte) protocol;
        input[n++] = 0;
        if (hasPorts) {
            n = put16(input, n, swap ? dport : sport);
            n = put16(input, n, swap ? sport : dport);
        }

        sha1.update(input, 0, n);
        try {
            sha1.digest(digest, 0, SHA1_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-1 digest failed", e);
        }
        Base64.getEncoder().encode(digest, base64);
        System.arraycopy(base64, 0, text, 2, BASE64_CHARS);
        return new String(text, 0, text.length, StandardCharsets.ISO_8859_1);
    }

    /** ICMPv4 request/reply counterpart of a type (Zeek's mapping), or -1 when the type is one-way. */
    static int icmpCounterType(int type) {
        switch (type) {
            case 8: return 0;    // echo -> echo reply
            case 0: return 8;
            case 13: return 14;  // timestamp
            case 14: return 13;
            case 15: return 16;  // information
            case 16: return 15;
            case 10: return 9;   // router solicitation -> advertisement
            case 9: return 10;
            case 17: return 18;  // address mask
            case 18: return 17;
            default: return -1;
        }
    }

    /** ICMPv6 request/reply counterpart of a type (Zeek's mapping), or -1 when the type is one-way. */
    static int icmp6CounterType(int type) {
        switch (type) {
            case 128: return 129; // echo request -> reply
            case 129: return 128;
            case 130: return 131; // MLD query -> report
            case 131: return 130;
            case 133: return 134; // router solicitation -> advertisement
            case 134: return 133;
            case 135: return 136; // neighbor solicitation -> advertisement
            case 136: return 135;
            case 139: return 140; // who-are-you request -> reply
            case 140: return 139;
            case 144: return 145; // home agent address discovery
            case 145: return 144;
            default: return -1;
        }
    }

    private static int compareUnsigned128(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    private static int putAddress(byte[] b, int n, boolean v4, long hi, long lo) {
        if (v4) {
            return put32(b, n, (int) lo);
        }
        n = put32(b, n, (int) (hi >>> 32));
        n = put32(b, n, (int) hi);
        n = put32(b, n, (int) (lo >>> 32));
        return put32(b, n, (int) lo);
    }

    private static int put32(byte[] b, int n, int v) {
        b[n] = (byte) (v >>> 24);
        b[n + 1] = (byte) (v >>> 16);
        b[n + 2] = (byte) (v >>> 8);
        b[n + 3] = (byte) v;
        return n + 4;
    }

    private static int put16(byte[] b, int n, int v) {
        b[n] = (byte) (v >>> 8);
        b[n + 1] = (byte) v;
        return n + 2;
    }
}
