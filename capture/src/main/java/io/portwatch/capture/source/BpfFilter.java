package io.portwatch.capture.source;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A libpcap filter expression compiled for one link type (by libpcap, see {@link BpfFilterSet.Compiler}),
 * run by a pure-Java classic BPF interpreter with libpcap's semantics: a load outside the captured bytes, a
 * division or modulo by zero, a bad scratch-memory index, an unknown opcode or a jump out of the program
 * rejects the frame.
 *
 * <p>The interpreter is apart from the compiler so that it needs neither libpcap nor JNA: only compiling
 * an expression does, once per link type; matching frames is this class alone.
 *
 * <p>Instances keep scratch memory for {@link #matches}: use one per thread.
 */
public final class BpfFilter {

    /** libpcap's default snapshot length; a filter compiled with it accepts a frame with this value. */
    public static final int DEFAULT_SNAPLEN = 262144;

    // Instruction classes, sizes, modes, operations and sources (bpf.h), public for programs written by hand.
    public static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06,
            MISC = 0x07;
    public static final int W = 0x00, H = 0x08, B = 0x10;
    public static final int IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0;
    public static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60,
            RSH = 0x70, NEG = 0x80, MOD = 0x90, XOR = 0xa0;
    public static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
    public static final int K = 0x00, X = 0x08, A = 0x10;
    public static final int TAX = 0x00, TXA = 0x80;
    /** Scratch memory words ({@code BPF_MEMWORDS}). */
    public static final int MEMWORDS = 16;
    /** As libpcap: backward unconditional jumps allowed per packet before the packet is rejected. */
    public static final int MAX_BACKWARD_JUMPS = 64;

    private static final long U32 = 0xFFFF_FFFFL;

    private final String expression;
    private final int linkType;
    private final short[] code;
    private final byte[] jt;
    private final byte[] jf;
    private final int[] k;
    private final boolean usesMemory;
    private final int[] mem = new int[MEMWORDS];

    /**
     * A program given as its instructions' fields ({@code struct bpf_insn}), copied.
     *
     * @param expression the expression it was compiled from, for messages
     * @param linkType   the frames' link type it was compiled for
     * @throws IllegalArgumentException when there is no instruction or the arrays differ in length
     */
    public BpfFilter(String expression, int linkType, short[] code, byte[] jt, byte[] jf, int[] k) {
        if (code.length == 0 || jt.length != code.length || jf.length != code.length || k.length != code.length) {
            throw new IllegalArgumentException("a BPF program needs at least one instruction and equal arrays");
        }
        this.expression = expression;
        this.linkType = linkType;
        this.code = code.clone();
        this.jt = jt.clone();
        this.jf = jf.clone();
        this.k = k.clone();
        boolean memory = false;
        for (short c : code) {
            int cls = c & 0x07;
            int mode = c & 0xe0;
            memory |= cls == ST || cls == STX || ((cls == LD || cls == LDX) && mode == MEM);
        }
        this.usesMemory = memory;
    }

    /** The expression this filter was compiled from. */
    public String expression() {
        return expression;
    }

    /** The link type the program was compiled for. */
    public int linkType() {
        return linkType;
    }

    /** The number of BPF instructions. */
    public int length() {
        return code.length;
    }

    /**
     * The program as the kernel's array of {@code struct sock_filter} ({@code u16 code; u8 jt; u8 jf; u32 k}, 8
     * bytes each) in {@code order}, for {@code SO_ATTACH_FILTER}: the same instructions, run by the kernel.
     */
    public byte[] sockFilter(ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocate(code.length * 8).order(order);
        for (int i = 0; i < code.length; i++) {
            b.putShort(code[i]).put(jt[i]).put(jf[i]).putInt(k[i]);
        }
        return b.array();
    }

    /**
     * Runs the program on one frame.
     *
     * @param buf            holds the frame (absolute reads, big-endian whatever its order; bytes
     *                       past its limit count as not captured)
     * @param offset         where the frame starts in {@code buf}
     * @param capturedLength bytes of the frame present (loads past them reject the frame)
     * @param originalLength the frame's length on the wire ({@code len} in filters)
     * @return true when the program returns non-zero
     */
    public boolean matches(ByteBuffer buf, int offset, int capturedLength, int originalLength) {
        return run(buf, offset, capturedLength, originalLength) != 0;
    }

    /** The program's return value (an unsigned 32-bit value in an int; 0 = reject), as libpcap's would be. */
    public int run(ByteBuffer buf, int offset, int capturedLength, int originalLength) {
        // Never read outside the buffer, whatever the caller says is there.
        long buflen = offset < 0 ? 0 : Math.max(0, Math.min(capturedLength & U32, (long) buf.limit() - offset));
        final boolean swap = buf.order() != ByteOrder.BIG_ENDIAN;
        int a = 0;
        int x = 0;
        if (usesMemory) {
            Arrays.fill(mem, 0);
        }
        final short[] code = this.code;
        final int n = code.length;
        int backwardJumps = 0;
        int pc = 0;
        while (pc >= 0 && pc < n) {
            int op = code[pc] & 0xFFFF;
            int kk = k[pc];
            long ku = kk & U32;
            switch (op) {
                case RET | K:
                    return kk;
                case RET | A:
                    return a;
                case LD | W | ABS:
                    if (ku + 4 > buflen) {
                        return 0;
                    }
                    a = word(buf, offset + kk, swap);
                    break;
                case LD | H | ABS:
                    if (ku + 2 > buflen) {
                        return 0;
                    }
                    a = half(buf, offset + kk, swap);
                    break;
                case LD | B | ABS:
                    if (ku >= buflen) {
                        return 0;
                    }
                    a = buf.get(offset + kk) & 0xFF;
                    break;
                case LD | W | LEN:
                    a = originalLength;
                    break;
                case LDX | W | LEN:
                    x = originalLength;
                    break;
                case LD | W | IND: {
                    long at = (x & U32) + ku;
                    if (at + 4 > buflen) {
                        return 0;
                    }
                    a = word(buf, offset + (int) at, swap);
                    break;
                }
                case LD | H | IND: {
                    long at = (x & U32) + ku;
                    if (at + 2 > buflen) {
                        return 0;
                    }
                    a = half(buf, offset + (int) at, swap);
                    break;
                }
                case LD | B | IND: {
                    long at = (x & U32) + ku;
                    if (at >= buflen) {
                        return 0;
                    }
                    a = buf.get(offset + (int) at) & 0xFF;
                    break;
                }
                case LDX | MSH | B:
                    if (ku >= buflen) {
                        return 0;
                    }
                    x = (buf.get(offset + kk) & 0xF) << 2;
                    break;
                case LD | IMM:
                    a = kk;
                    break;
                case LDX | IMM:
                    x = kk;
                    break;
                case LD | MEM:
                    if (ku >= MEMWORDS) {
                        return 0;
                    }
                    a = mem[kk];
                    break;
                case LDX | MEM:
                    if (ku >= MEMWORDS) {
                        return 0;
                    }
                    x = mem[kk];
                    break;
                case ST:
                    if (ku >= MEMWORDS) {
                        return 0;
                    }
                    mem[kk] = a;
                    break;
                case STX:
                    if (ku >= MEMWORDS) {
                        return 0;
                    }
                    mem[kk] = x;
                    break;
                case JMP | JA: {
                    // k is signed here, as libpcap reads it (backward jumps implement "protochain").
                    long target = (long) pc + 1 + kk;
                    if (target < 0 || target >= n || kk == -1) {
                        return 0;
                    }
                    if (kk < 0 && backwardJumps++ >= MAX_BACKWARD_JUMPS) {
                        return 0;
                    }
                    pc = (int) target;
                    continue;
                }
                case JMP | JGT | K:
                    pc += 1 + ((a & U32) > ku ? jt[pc] & 0xFF : jf[pc] & 0xFF);
                    continue;
                case JMP | JGE | K:
                    pc += 1 + ((a & U32) >= ku ? jt[pc] & 0xFF : jf[pc] & 0xFF);
                    continue;
                case JMP | JEQ | K:
                    pc += 1 + (a == kk ? jt[pc] & 0xFF : jf[pc] & 0xFF);
                    continue;
                case JMP | JSET | K:
                    pc += 1 + ((a & kk) != 0 ? jt[pc] & 0xFF : jf[pc] & 0xFF);
                    continue;
                case JMP | JGT | X:
                    pc += 1 + (Integer.compareUnsigned(a, x) > 0 ? jt[pc] & 0xFF : jf[pc] & 0xFF);
                    continue;
                case JMP | JGE | X:
                    pc += 1 + (Integer.compareUnsigned(a, x) >= 0 ? jt[pc] & 0xFF : jf[pc] & 0xFF);
                    continue;
                case JMP | JEQ | X:
                    pc += 1 + (a == x ? jt[pc] & 0xFF : jf[pc] & 0xFF);
                    continue;
                case JMP | JSET | X:
                    pc += 1 + ((a & x) != 0 ? jt[pc] & 0xFF : jf[pc] & 0xFF);
                    continue;
                case ALU | ADD | X:
                    a += x;
                    break;
                case ALU | SUB | X:
                    a -= x;
                    break;
                case ALU | MUL | X:
                    a *= x;
                    break;
                case ALU | DIV | X:
                    if (x == 0) {
                        return 0;
                    }
                    a = Integer.divideUnsigned(a, x);
                    break;
                case ALU | MOD | X:
                    if (x == 0) {
                        return 0;
                    }
                    a = Integer.remainderUnsigned(a, x);
                    break;
                case ALU | AND | X:
                    a &= x;
                    break;
                case ALU | OR | X:
                    a |= x;
                    break;
                case ALU | XOR | X:
                    a ^= x;
                    break;
                case ALU | LSH | X:
                    a = Integer.compareUnsigned(x, 32) < 0 ? a << x : 0;
                    break;
                case ALU | RSH | X:
                    a = Integer.compareUnsigned(x, 32) < 0 ? a >>> x : 0;
                    break;
                case ALU | ADD | K:
                    a += kk;
                    break;
                case ALU | SUB | K:
                    a -= kk;
                    break;
                case ALU | MUL | K:
                    a *= kk;
                    break;
                case ALU | DIV | K:
                    if (kk == 0) {
                        return 0;
                    }
                    a = Integer.divideUnsigned(a, kk);
                    break;
                case ALU | MOD | K:
                    if (kk == 0) {
                        return 0;
                    }
                    a = Integer.remainderUnsigned(a, kk);
                    break;
                case ALU | AND | K:
                    a &= kk;
                    break;
                case ALU | OR | K:
                    a |= kk;
                    break;
                case ALU | XOR | K:
                    a ^= kk;
                    break;
                case ALU | LSH | K:
                    a = ku < 32 ? a << kk : 0;
                    break;
                case ALU | RSH | K:
                    a = ku < 32 ? a >>> kk : 0;
                    break;
                case ALU | NEG:
                    a = -a;
                    break;
                case MISC | TAX:
                    x = a;
                    break;
                case MISC | TXA:
                    a = x;
                    break;
                default:
                    return 0;
            }
            pc++;
        }
        return 0;
    }

    private static int word(ByteBuffer buf, int at, boolean swap) {
        int v = buf.getInt(at);
        return swap ? Integer.reverseBytes(v) : v;
    }

    private static int half(ByteBuffer buf, int at, boolean swap) {
        short v = buf.getShort(at);
        return (swap ? Short.reverseBytes(v) : v) & 0xFFFF;
    }

    @Override
    public String toString() {
        return "BpfFilter[\"" + expression + "\", linktype " + linkType + ", " + code.length + " instructions]";
    }
}
