package io.portwatch.capture.ring;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The classic BPF program by which the kernel picks a fanout group's member for each frame
 * ({@code PACKET_FANOUT_CBPF}): a hash of the frame's pair of IP addresses, the same both ways (their sum,
 * word by word, times an odd multiplier drawn for the group, its high bits down), so that both directions of a
 * flow, every fragment of a datagram and the ICMP errors between two hosts go to the same member, as
 * {@code read --threads} shares a capture out. The kernel takes the result modulo the members. Frames other
 * than IPv4 and IPv6 go to the first member.
 *
 * <p>Why not the kernel's own {@code PACKET_FANOUT_HASH}: it hashes a fragment by its addresses and the rest
 * of its flow by addresses and ports, so a datagram's fragments could go to another member than its flow,
 * unless {@code PACKET_FANOUT_FLAG_DEFRAG} reassembles them first, when the member then sees one packet where
 * the wire carried several (a replay of the corpus with fragments counted 5,561 frames of 5,563).
 *
 * <p>The program runs on a received frame from its network header (the kernel's packet handlers see it so), on a
 * sent one from its link-layer header (14 bytes on Ethernet, none on a raw IP device): IPv4's addresses at 12 and
 * 16 past the network header, IPv6's at 8 and 24. A VLAN tag the interface did not strip makes the frame "other".
 */
final class FanoutProgram {

    // Instruction codes (linux/filter.h, bpf_common.h).
    private static final int LD_W_ABS = 0x20;
    private static final int LD_W_IND = 0x40;
    private static final int LD_MEM = 0x60;
    private static final int LDX_IMM = 0x01;
    private static final int LDX_MEM = 0x61;
    private static final int ST = 0x02;
    private static final int STX = 0x03;
    private static final int TAX = 0x07;
    private static final int ADD_X = 0x0c;
    private static final int XOR_X = 0xac;
    private static final int MUL_K = 0x24;
    private static final int RSH_K = 0x74;
    private static final int JEQ_K = 0x15;
    private static final int JA = 0x05;
    private static final int RET_A = 0x16;
    private static final int RET_K = 0x06;
    /** {@code SKF_AD_OFF + SKF_AD_PROTOCOL}: the frame's ethertype, as an absolute load. */
    private static final int AD_PROTOCOL = -0x1000;
    /** {@code SKF_AD_OFF + SKF_AD_PKTTYPE}: which way the frame went. */
    private static final int AD_PKTTYPE = -0x1000 + 4;
    /** {@code PACKET_OUTGOING}: a frame this host sent, seen from its link-layer header. */
    private static final int PACKET_OUTGOING = 4;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    /** Where the addresses are, from the network header. */
    private static final int IPV4_ADDRESSES = 12;
    private static final int IPV4_ADDRESS_WORDS = 2;
    private static final int IPV6_ADDRESSES = 8;
    private static final int IPV6_ADDRESS_WORDS = 8;
    /** Scratch words: the sum so far, and where the network header is. */
    private static final int SUM = 0;
    private static final int BASE = 1;
    /** How far the high bits come down in each mixing step, so that the kernel's modulo sees them. */
    private static final int MIX_SHIFT = 16;
    /** The mixing steps' second multiplier (MurmurHash3's 32-bit finalizer's). */
    private static final int SECOND_MULTIPLIER = 0xC2B2AE35;
    /** Instructions of the mixing, before the return of its result. */
    private static final int MIX = 11;
    /** Bytes an instruction: code (16 bits), jt, jf, k (32 bits), in the host's order. */
    static final int INSTRUCTION = 8;
    /** Instructions a word of the addresses takes (see {@link #sumWords}). */
    private static final int PER_WORD = 6;

    private FanoutProgram() {
    }

    /**
     * The program for a group whose hash multiplies by {@code multiplier} (made odd), on an interface whose
     * link-layer header is {@code linkHeader} bytes (the kernel holds VLAN tags apart). A received frame is seen
     * from its network header, a sent one from its link-layer header: the base of the loads is kept in a scratch
     * word.
     */
    static byte[] of(int multiplier, int linkHeader) {
        final int ipv4Words = IPV4_ADDRESS_WORDS * PER_WORD;
        final int ipv6Words = IPV6_ADDRESS_WORDS * PER_WORD;
        ByteBuffer b = ByteBuffer.allocate(64 * INSTRUCTION + (ipv4Words + ipv6Words) * INSTRUCTION)
                .order(ByteOrder.nativeOrder());
        insn(b, LD_W_ABS, 0, 0, AD_PKTTYPE);
        insn(b, JEQ_K, 0, 2, PACKET_OUTGOING);
        insn(b, LDX_IMM, 0, 0, linkHeader);                              // sent: after the link-layer header
        insn(b, JA, 0, 0, 1);
        insn(b, LDX_IMM, 0, 0, 0);                                       // received: from the network header
        insn(b, STX, 0, 0, BASE);
        insn(b, LDX_IMM, 0, 0, 0);
        insn(b, STX, 0, 0, SUM);
        insn(b, LD_W_ABS, 0, 0, AD_PROTOCOL);
        // IPv4: its words, then to the hash (over the IPv6 test and words); else to the IPv6 test
        insn(b, JEQ_K, 0, ipv4Words + 1, ETHERTYPE_IPV4);
        sumWords(b, IPV4_ADDRESSES, IPV4_ADDRESS_WORDS);
        insn(b, JA, 0, 0, 1 + ipv6Words);
        // IPv6: its words, then the hash; else the first member
        insn(b, JEQ_K, 0, ipv6Words + MIX + 1, ETHERTYPE_IPV6);
        sumWords(b, IPV6_ADDRESSES, IPV6_ADDRESS_WORDS);
        // the sum's bits mixed (as MurmurHash3's finalizer does, with the group's multiplier): the kernel takes
        // the result modulo the members, which sees only its low bits
        insn(b, TAX, 0, 0, 0);
        insn(b, RSH_K, 0, 0, MIX_SHIFT);
        insn(b, XOR_X, 0, 0, 0);
        insn(b, MUL_K, 0, 0, multiplier | 1);
        insn(b, TAX, 0, 0, 0);
        insn(b, RSH_K, 0, 0, MIX_SHIFT);
        insn(b, XOR_X, 0, 0, 0);
        insn(b, MUL_K, 0, 0, SECOND_MULTIPLIER);
        insn(b, TAX, 0, 0, 0);
        insn(b, RSH_K, 0, 0, MIX_SHIFT);
        insn(b, XOR_X, 0, 0, 0);
        insn(b, RET_A, 0, 0, 0);
        insn(b, RET_K, 0, 0, 0);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /**
     * Adds {@code words} 32-bit words from {@code offset} past the network header to the sum; leaves the sum in
     * A. Addition is what makes the hash the same both ways: the two addresses' words in either order.
     */
    private static void sumWords(ByteBuffer b, int offset, int words) {
        for (int w = 0; w < words; w++) {
            insn(b, LDX_MEM, 0, 0, BASE);
            insn(b, LD_W_IND, 0, 0, offset + 4 * w);
            insn(b, TAX, 0, 0, 0);
            insn(b, LD_MEM, 0, 0, SUM);
            insn(b, ADD_X, 0, 0, 0);
            insn(b, ST, 0, 0, SUM);
        }
    }

    private static void insn(ByteBuffer b, int code, int jt, int jf, int k) {
        b.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
    }
}
