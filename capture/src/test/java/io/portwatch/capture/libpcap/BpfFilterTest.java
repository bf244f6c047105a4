package io.portwatch.capture.libpcap;

import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.source.BpfFilter;
import io.portwatch.capture.source.CaptureException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.portwatch.capture.source.BpfFilter.A;
import static io.portwatch.capture.source.BpfFilter.ABS;
import static io.portwatch.capture.source.BpfFilter.ADD;
import static io.portwatch.capture.source.BpfFilter.ALU;
import static io.portwatch.capture.source.BpfFilter.AND;
import static io.portwatch.capture.source.BpfFilter.B;
import static io.portwatch.capture.source.BpfFilter.DIV;
import static io.portwatch.capture.source.BpfFilter.H;
import static io.portwatch.capture.source.BpfFilter.IMM;
import static io.portwatch.capture.source.BpfFilter.IND;
import static io.portwatch.capture.source.BpfFilter.JA;
import static io.portwatch.capture.source.BpfFilter.JEQ;
import static io.portwatch.capture.source.BpfFilter.JGE;
import static io.portwatch.capture.source.BpfFilter.JGT;
import static io.portwatch.capture.source.BpfFilter.JMP;
import static io.portwatch.capture.source.BpfFilter.JSET;
import static io.portwatch.capture.source.BpfFilter.K;
import static io.portwatch.capture.source.BpfFilter.LD;
import static io.portwatch.capture.source.BpfFilter.LDX;
import static io.portwatch.capture.source.BpfFilter.LEN;
import static io.portwatch.capture.source.BpfFilter.LSH;
import static io.portwatch.capture.source.BpfFilter.MEM;
import static io.portwatch.capture.source.BpfFilter.MISC;
import static io.portwatch.capture.source.BpfFilter.MOD;
import static io.portwatch.capture.source.BpfFilter.MSH;
import static io.portwatch.capture.source.BpfFilter.MUL;
import static io.portwatch.capture.source.BpfFilter.NEG;
import static io.portwatch.capture.source.BpfFilter.OR;
import static io.portwatch.capture.source.BpfFilter.RET;
import static io.portwatch.capture.source.BpfFilter.RSH;
import static io.portwatch.capture.source.BpfFilter.ST;
import static io.portwatch.capture.source.BpfFilter.STX;
import static io.portwatch.capture.source.BpfFilter.SUB;
import static io.portwatch.capture.source.BpfFilter.TAX;
import static io.portwatch.capture.source.BpfFilter.TXA;
import static io.portwatch.capture.source.BpfFilter.W;
import static io.portwatch.capture.source.BpfFilter.X;
import static io.portwatch.capture.source.BpfFilter.XOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BpfFilterTest {

    /** Expressions run on every frame, covering every load mode, ALU operation and jump libpcap emits. */
    static final List<String> EXPRESSIONS = List.of(
            "tcp",
            "udp",
            "udp port 53",
            "tcp[tcpflags] & tcp-syn != 0",
            "ip6",
            "vlan and tcp",
            "net 127.0.0.0/8",
            "ip[6:2] & 0x1fff != 0",
            "greater 100",
            "less 60",
            "icmp or icmp6",
            "arp",
            "tcp port 8080 or udp port 5353",
            "ip6 and tcp",
            "ip6 protochain 6",
            "mpls",
            "pppoes and ip",
            "ip[0] & 0xf > 5",
            "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
            "len % 3 = 0",
            "tcp[0] / (tcp[1] & 1) = 1",
            "udp[0] % (udp[1] & 1) = 0",
            "ip[0] << 2 = 0x114",
            "ip[2:2] - 20 > 100 and -len != 0",
            "tcp[13] ^ 0xff = 0xed",
            "len * 3 > 200 or len / 7 = 9",
            "ether broadcast or ether multicast",
            "not ip and not ip6",
            "portrange 1-1024");

    @BeforeAll
    static void libpcap() throws CaptureException {
        LibpcapTestSupport.requireLibpcap();
    }

    /** Verdict counters of one expression over all frames. */
    static final class Tally {
        long compared;
        long matched;
    }

    @Test
    void everyCorpusFrameGetsLibpcapsVerdict() throws Exception {
        Map<String, Tally> tallies = compareOn(LibpcapTestSupport.captureFiles());
        for (String e : List.of("tcp", "udp", "tcp[tcpflags] & tcp-syn != 0", "vlan and tcp",
                "net 127.0.0.0/8", "ip[6:2] & 0x1fff != 0", "greater 100", "tcp port 8080 or udp port 5353")) {
            Tally t = tallies.get(e);
            assertTrue(t.matched > 0 && t.matched < t.compared,
                    e + " should match some but not all corpus frames: " + t.matched + " of " + t.compared);
        }
    }

    @Test
    void everyTcpdumpTestFrameGetsLibpcapsVerdict() throws Exception {
        Map<String, Tally> tallies = compareOn(LibpcapTestSupport.tcpdumpTestFiles());
        for (Map.Entry<String, Tally> e : tallies.entrySet()) {
            assertTrue(e.getValue().compared > 1000, e.getKey() + ": " + e.getValue().compared + " frames");
        }
        // The expressions that ended up exercising both verdicts, so the comparison means something.
        for (String e : List.of("tcp", "ip6", "ip6 protochain 6", "mpls", "udp port 53", "arp", "vlan and tcp",
                "ip[6:2] & 0x1fff != 0", "tcp[0] / (tcp[1] & 1) = 1")) {
            assertTrue(tallies.get(e).matched > 0, e + " matched no frame of tcpdump-tests");
        }
    }

    /**
     * Reads every frame of the files, and for every expression and link type compares the
     * interpreter's return value with libpcap's on the whole frame and on its first half.
     */
    private static Map<String, Tally> compareOn(List<Path> files) throws Exception {
        Map<String, Tally> tallies = new LinkedHashMap<>();
        EXPRESSIONS.forEach(e -> tallies.put(e, new Tally()));
        Map<Integer, Map<String, Object[]>> byLinkType = new TreeMap<>();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        int files0 = 0;
        for (Path file : files) {
            List<LibpcapFileSourceTest.Frame> frames;
            try {
                frames = LibpcapFileSourceTest.read(file.toString(), null).frames();
            } catch (CaptureException e) {
                continue; // not a capture; LibpcapFileSourceTest checks those messages
            }
            files0++;
            for (LibpcapFileSourceTest.Frame f : frames) {
                Map<String, Object[]> programs = byLinkType.computeIfAbsent(f.linkType(), BpfFilterTest::programsFor);
                int offset = (int) (f.timestampNanos() & 15); // frames at varying offsets in the buffer
                buf.clear();
                buf.put(offset, f.bytes());
                for (Map.Entry<String, Object[]> p : programs.entrySet()) {
                    BpfFilter java = (BpfFilter) p.getValue()[0];
                    LibpcapReferenceFilter ref = (LibpcapReferenceFilter) p.getValue()[1];
                    Tally t = tallies.get(p.getKey());
                    String where = file.getFileName() + " \"" + p.getKey() + "\" linktype " + f.linkType()
                            + " ts " + f.timestampNanos();
                    int expected = ref.run(f.bytes(), f.capturedLength(), f.originalLength());
                    assertEquals(expected, java.run(buf, offset, f.capturedLength(), f.originalLength()), where);
                    assertEquals(expected != 0, java.matches(buf, offset, f.capturedLength(), f.originalLength()));
                    t.compared++;
                    if (expected != 0) {
                        t.matched++;
                    }
                    int half = f.capturedLength() / 2;
                    assertEquals(ref.run(f.bytes(), half, f.originalLength()),
                            java.run(buf, offset, half, f.originalLength()), where + " first half");
                }
            }
        }
        for (Map<String, Object[]> programs : byLinkType.values()) {
            for (Object[] p : programs.values()) {
                ((LibpcapReferenceFilter) p[1]).close();
            }
        }
        assertTrue(files0 > 0, "no capture read");
        return tallies;
    }

    /** For one link type, every expression libpcap compiles for it: {BpfFilter, reference}. */
    private static Map<String, Object[]> programsFor(int linkType) {
        Map<String, Object[]> programs = new LinkedHashMap<>();
        for (String e : EXPRESSIONS) {
            LibpcapReferenceFilter ref = LibpcapReferenceFilter.compile(e, linkType, BpfFilter.DEFAULT_SNAPLEN);
            BpfFilter java;
            try {
                java = BpfCompiler.compile(e, linkType, BpfFilter.DEFAULT_SNAPLEN);
            } catch (CaptureException ex) {
                assertEquals(null, ref, "libpcap compiles \"" + e + "\" for " + linkType + " but: " + ex.getMessage());
                continue;
            }
            if (ref == null) {
                fail("\"" + e + "\" compiled for linktype " + linkType + " though libpcap rejects it");
            }
            assertEquals(ref.length(), java.length(), e);
            programs.put(e, new Object[] {java, ref});
        }
        return programs;
    }

    // ---- the interpreter on hand-made programs, against libpcap's interpreter ----

    /** A program under construction. */
    static final class Prog {
        final List<int[]> insns = new ArrayList<>();

        Prog op(int code, int k) {
            return jump(code, 0, 0, k);
        }

        Prog jump(int code, int jt, int jf, int k) {
            insns.add(new int[] {code, jt, jf, k});
            return this;
        }

        BpfFilter java() {
            int n = insns.size();
            short[] c = new short[n];
            byte[] t = new byte[n];
            byte[] f = new byte[n];
            int[] k = new int[n];
            for (int i = 0; i < n; i++) {
                c[i] = (short) insns.get(i)[0];
                t[i] = (byte) insns.get(i)[1];
                f[i] = (byte) insns.get(i)[2];
                k[i] = insns.get(i)[3];
            }
            return new BpfFilter("test", LinkType.ETHERNET, c, t, f, k);
        }

        LibpcapReferenceFilter reference() {
            int n = insns.size();
            short[] c = new short[n];
            byte[] t = new byte[n];
            byte[] f = new byte[n];
            int[] k = new int[n];
            for (int i = 0; i < n; i++) {
                c[i] = (short) insns.get(i)[0];
                t[i] = (byte) insns.get(i)[1];
                f[i] = (byte) insns.get(i)[2];
                k[i] = insns.get(i)[3];
            }
            return LibpcapReferenceFilter.of(c, t, f, k);
        }
    }

    /** Runs a program on a packet in both interpreters, asserts they agree, returns the value. */
    static int both(Prog p, byte[] packet, int caplen, int len) {
        ByteBuffer buf = ByteBuffer.allocate(packet.length + 3);
        buf.put(3, packet);
        int java = p.java().run(buf, 3, caplen, len);
        try (LibpcapReferenceFilter ref = p.reference()) {
            assertEquals(ref.run(packet, caplen, len), java);
        }
        return java;
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void loadsReadBigEndianWithinTheCapturedBytes() {
        byte[] pkt = bytes(0x81, 0x02, 0x03, 0x04, 0x45, 0x06);
        assertEquals(0x81020304, both(new Prog().op(LD | W | ABS, 0).op(RET | A, 0), pkt, 6, 60));
        assertEquals(0x0304, both(new Prog().op(LD | H | ABS, 2).op(RET | A, 0), pkt, 6, 60));
        assertEquals(0x45, both(new Prog().op(LD | B | ABS, 4).op(RET | A, 0), pkt, 6, 60));
        assertEquals(60, both(new Prog().op(LD | W | LEN, 0).op(RET | A, 0), pkt, 6, 60));
        assertEquals(60, both(new Prog().op(LDX | W | LEN, 0).op(MISC | TXA, 0).op(RET | A, 0), pkt, 6, 60));
        // ldx 4*([4]&0xf) = 20, then indirect loads at x + k
        assertEquals(20, both(new Prog().op(LDX | MSH | B, 4).op(MISC | TXA, 0).op(RET | A, 0), pkt, 6, 60));
        assertEquals(0x0203, both(new Prog().op(LDX | IMM, 1).op(LD | H | IND, 0).op(RET | A, 0), pkt, 6, 60));
        assertEquals(0x02030445, both(new Prog().op(LDX | IMM, 1).op(LD | W | IND, 0).op(RET | A, 0), pkt, 6, 60));
        assertEquals(0x06, both(new Prog().op(LDX | IMM, 2).op(LD | B | IND, 3).op(RET | A, 0), pkt, 6, 60));
    }

    @Test
    void loadsPastTheCapturedBytesReject() {
        byte[] pkt = bytes(1, 2, 3, 4, 5, 6, 7, 8);
        for (int caplen = 0; caplen <= 8; caplen++) {
            both(new Prog().op(LD | W | ABS, 4).op(RET | K, 1), pkt, caplen, 100);
            both(new Prog().op(LD | H | ABS, 6).op(RET | K, 1), pkt, caplen, 100);
            both(new Prog().op(LD | B | ABS, 7).op(RET | K, 1), pkt, caplen, 100);
            both(new Prog().op(LDX | MSH | B, 7).op(RET | K, 1), pkt, caplen, 100);
            both(new Prog().op(LDX | IMM, 3).op(LD | W | IND, 1).op(RET | K, 1), pkt, caplen, 100);
            both(new Prog().op(LDX | IMM, 3).op(LD | H | IND, 3).op(RET | K, 1), pkt, caplen, 100);
            both(new Prog().op(LDX | IMM, 3).op(LD | B | IND, 4).op(RET | K, 1), pkt, caplen, 100);
        }
        // offsets that overflow 32 bits when added
        both(new Prog().op(LD | W | ABS, 0xFFFFFFFE).op(RET | K, 1), pkt, 8, 100);
        both(new Prog().op(LDX | IMM, 0xFFFFFFFF).op(LD | B | IND, 2).op(RET | K, 1), pkt, 8, 100);
        both(new Prog().op(LDX | IMM, 2).op(LD | H | IND, 0xFFFFFFFF).op(RET | K, 1), pkt, 8, 100);
        assertEquals(0, new Prog().op(LD | B | ABS, 7).op(RET | K, 1).java().run(ByteBuffer.wrap(pkt), 0, 7, 100));
        assertEquals(1, new Prog().op(LD | B | ABS, 7).op(RET | K, 1).java().run(ByteBuffer.wrap(pkt), 0, 8, 100));
    }

    @Test
    void aBufferShorterThanTheClaimedLengthNeverThrows() {
        BpfFilter f = new Prog().op(LD | W | ABS, 4).op(RET | A, 0).java();
        ByteBuffer small = ByteBuffer.allocate(6);
        assertEquals(0, f.run(small, 0, 100, 100));
        assertEquals(0, f.run(small, 4, 8, 8));
        assertEquals(0, f.run(small, -1, 8, 8));
        assertEquals(0, f.run(small, 50, 8, 8));
        ByteBuffer limited = ByteBuffer.allocate(64).limit(6);
        assertEquals(0, f.run(limited, 0, 64, 64));
    }

    @Test
    void aLittleEndianBufferIsStillReadBigEndian() {
        BpfFilter f = new Prog().op(LD | W | ABS, 0).op(RET | A, 0).java();
        byte[] pkt = bytes(0x11, 0x22, 0x33, 0x44);
        assertEquals(f.run(ByteBuffer.wrap(pkt), 0, 4, 4),
                f.run(ByteBuffer.wrap(pkt).order(ByteOrder.LITTLE_ENDIAN), 0, 4, 4));
        assertEquals(both(new Prog().op(LD | W | ABS, 0).op(RET | A, 0), pkt, 4, 4),
                f.run(ByteBuffer.wrap(pkt).order(ByteOrder.LITTLE_ENDIAN), 0, 4, 4));
    }

    @Test
    void arithmeticMatchesLibpcap() {
        byte[] pkt = bytes(0xF0, 0x0F, 0x80, 0x01);
        int[] values = {0, 1, 3, 7, 31, 32, 33, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xF00F8001};
        int[] ops = {ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, LSH, RSH};
        for (int op : ops) {
            for (int a : values) {
                for (int x : values) {
                    // A = a, X = x, A op= X; ret A
                    both(new Prog().op(LD | IMM, a).op(LDX | IMM, x).op(ALU | op | X, 0).op(RET | A, 0), pkt, 4, 4);
                    boolean constantDivByZero = (op == DIV || op == MOD) && x == 0;
                    boolean constantShiftTooFar = (op == LSH || op == RSH) && Integer.compareUnsigned(x, 32) >= 0;
                    if (!constantDivByZero && !constantShiftTooFar) {
                        // libpcap's validator rejects these constant forms; they are tested below
                        both(new Prog().op(LD | IMM, a).op(ALU | op | K, x).op(RET | A, 0), pkt, 4, 4);
                    }
                }
            }
        }
        for (int a : values) {
            both(new Prog().op(LD | IMM, a).op(ALU | NEG, 0).op(RET | A, 0), pkt, 4, 4);
        }
    }

    @Test
    void divisionOrModuloByZeroRejects() {
        ByteBuffer pkt = ByteBuffer.wrap(bytes(1, 2, 3, 4));
        // by X = 0: libpcap agrees
        assertEquals(0, both(new Prog().op(LD | IMM, 9).op(LDX | IMM, 0).op(ALU | DIV | X, 0).op(RET | K, 1),
                bytes(1, 2, 3, 4), 4, 4));
        assertEquals(0, both(new Prog().op(LD | IMM, 9).op(LDX | IMM, 0).op(ALU | MOD | X, 0).op(RET | K, 1),
                bytes(1, 2, 3, 4), 4, 4));
        // by K = 0: what libpcap 1.10's validator forbids, the interpreter rejects at run time, as newer libpcap does
        assertEquals(0, new Prog().op(LD | IMM, 9).op(ALU | DIV | K, 0).op(RET | K, 1).java().run(pkt, 0, 4, 4));
        assertEquals(0, new Prog().op(LD | IMM, 9).op(ALU | MOD | K, 0).op(RET | K, 1).java().run(pkt, 0, 4, 4));
        // and shifts by a constant of 32 or more give 0, as for X
        assertEquals(0, new Prog().op(LD | IMM, 9).op(ALU | LSH | K, 32).op(RET | A, 0).java().run(pkt, 0, 4, 4));
        assertEquals(0, new Prog().op(LD | IMM, -1).op(ALU | RSH | K, 40).op(RET | A, 0).java().run(pkt, 0, 4, 4));
    }

    @Test
    void scratchMemoryAndRegisterMovesMatchLibpcap() {
        byte[] pkt = bytes(0x12, 0x34, 0x56, 0x78);
        // mem[3] = [0]; x = 5; mem[15] = x; a = mem[15]; x = mem[3]; a += x; tax; txa; ret a
        assertEquals(0x12345678 + 5, both(new Prog()
                .op(LD | W | ABS, 0).op(ST, 3).op(LDX | IMM, 5).op(STX, 15).op(LD | MEM, 15).op(LDX | MEM, 3)
                .op(ALU | ADD | X, 0).op(MISC | TAX, 0).op(LD | IMM, 0).op(MISC | TXA, 0).op(RET | A, 0), pkt, 4, 4));
        // scratch memory starts at zero for every packet
        Prog readFirst = new Prog().op(LD | MEM, 7).op(RET | A, 0);
        BpfFilter f = readFirst.java();
        assertEquals(0, f.run(ByteBuffer.wrap(pkt), 0, 4, 4));
        // an index past the 16 words rejects
        assertEquals(0, new Prog().op(LD | IMM, 1).op(ST, 16).op(RET | K, 1).java().run(ByteBuffer.wrap(pkt), 0, 4, 4));
        assertEquals(0, new Prog().op(LD | MEM, 16).op(RET | K, 1).java().run(ByteBuffer.wrap(pkt), 0, 4, 4));
    }

    @Test
    void jumpsMatchLibpcap() {
        int[] values = {0, 1, 0x7F, 0x80, 0xFF, 0x80000000, 0xFFFFFFFF};
        int[] ops = {JEQ, JGT, JGE, JSET};
        for (int op : ops) {
            for (int a : values) {
                for (int k : values) {
                    // a op k ? ret 1 : ret 2, with K and with X
                    both(new Prog().op(LD | IMM, a).jump(JMP | op | K, 0, 1, k).op(RET | K, 1).op(RET | K, 2),
                            new byte[1], 1, 1);
                    both(new Prog().op(LD | IMM, a).op(LDX | IMM, k).jump(JMP | op | X, 1, 0, 0)
                            .op(RET | K, 3).op(RET | K, 4), new byte[1], 1, 1);
                }
            }
        }
        // ja skips; a jump past the end or a fall off the end rejects
        assertEquals(7, both(new Prog().op(JMP | JA, 1).op(RET | K, 5).op(RET | K, 7), new byte[1], 1, 1));
        assertEquals(0, new Prog().op(JMP | JA, 5).op(RET | K, 5).java().run(ByteBuffer.allocate(1), 0, 1, 1));
        assertEquals(0, new Prog().jump(JMP | JEQ | K, 3, 3, 0).op(RET | K, 5).java().run(ByteBuffer.allocate(1), 0, 1, 1));
        assertEquals(0, new Prog().op(LD | IMM, 1).java().run(ByteBuffer.allocate(1), 0, 1, 1));
        // backward ja (libpcap uses them for protochain) loops a bounded number of times
        assertEquals(0, new Prog().op(LD | IMM, 1).op(JMP | JA, -2).op(RET | K, 1).java().run(ByteBuffer.allocate(1), 0, 1, 1));
        assertEquals(0, new Prog().op(JMP | JA, -1).op(RET | K, 1).java().run(ByteBuffer.allocate(1), 0, 1, 1));
        // an unknown opcode rejects
        assertEquals(0, new Prog().op(0x0F, 0).op(RET | K, 1).java().run(ByteBuffer.allocate(1), 0, 1, 1));
    }

    @Test
    void randomProgramsMatchLibpcap() {
        Random rnd = new Random(0x5EED);
        int[] loads = {LD | W | ABS, LD | H | ABS, LD | B | ABS, LD | W | IND, LD | H | IND, LD | B | IND,
            LD | W | LEN, LDX | W | LEN, LDX | MSH | B, LD | IMM, LDX | IMM, LD | MEM, LDX | MEM, ST, STX,
            MISC | TAX, MISC | TXA, ALU | NEG};
        int[] alu = {ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, LSH, RSH};
        int[] jumps = {JEQ, JGT, JGE, JSET};
        byte[] pkt = new byte[96];
        int nonZero = 0;
        for (int round = 0; round < 3000; round++) {
            rnd.nextBytes(pkt);
            int caplen = rnd.nextInt(pkt.length + 1);
            int len = caplen + rnd.nextInt(3) * rnd.nextInt(1000);
            int n = 2 + rnd.nextInt(30);
            Prog p = new Prog();
            // libpcap 1.10 leaves scratch memory uninitialized (newer libpcap and this interpreter zero it)
            p.op(LD | IMM, rnd.nextInt());
            for (int m = 0; m < BpfFilter.MEMWORDS; m++) {
                p.op(ST, m);
            }
            for (int i = 0; i < n - 1; i++) {
                // the farthest a jump may go and stay in the program (libpcap 1.10 does not check)
                int remaining = n - 2 - i;
                switch (rnd.nextInt(4)) {
                    case 0 -> {
                        int code = loads[rnd.nextInt(loads.length)];
                        int k = (code == (LD | MEM) || code == (LDX | MEM) || code == ST || code == STX)
                                ? rnd.nextInt(16) : smallOrAny(rnd, pkt.length);
                        p.op(code, k);
                    }
                    case 1 -> {
                        int op = alu[rnd.nextInt(alu.length)];
                        if (rnd.nextBoolean()) {
                            p.op(ALU | op | X, 0);
                        } else {
                            int k = smallOrAny(rnd, 40);
                            if ((op == DIV || op == MOD) && k == 0) {
                                k = 1;
                            }
                            if ((op == LSH || op == RSH) && Integer.compareUnsigned(k, 32) >= 0) {
                                k &= 31;
                            }
                            p.op(ALU | op | K, k);
                        }
                    }
                    case 2 -> p.jump(JMP | jumps[rnd.nextInt(jumps.length)] | (rnd.nextBoolean() ? X : K),
                            rnd.nextInt(remaining + 1), rnd.nextInt(remaining + 1), smallOrAny(rnd, 256));
                    default -> {
                        if (rnd.nextInt(4) == 0) {
                            p.op(rnd.nextBoolean() ? RET | A : RET | K, rnd.nextInt());
                        } else {
                            p.op(JMP | JA, rnd.nextInt(remaining + 1));
                        }
                    }
                }
            }
            p.op(RET | A, 0);
            if (both(p, pkt, caplen, len) != 0) {
                nonZero++;
            }
        }
        assertTrue(nonZero > 300, "random programs returned non-zero " + nonZero + " times");
    }

    private static int smallOrAny(Random rnd, int small) {
        return switch (rnd.nextInt(5)) {
            case 0 -> rnd.nextInt();
            case 1 -> -rnd.nextInt(4);
            default -> rnd.nextInt(small + 8);
        };
    }

    // ---- compiling ----

    @Test
    void anInvalidExpressionCarriesLibpcapsText() throws Exception {
        CaptureException e = assertThrows(CaptureException.class,
                () -> BpfCompiler.compile("tcp prt 80", LinkType.ETHERNET, BpfFilter.DEFAULT_SNAPLEN));
        String prefix = "invalid filter \"tcp prt 80\": ";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assumeTrue(LibpcapTestSupport.hasTool("tcpdump"), "tcpdump is not installed");
        String err = LibpcapTestSupport.run(List.of("tcpdump", "-d", "tcp prt 80")).stderr();
        String text = err.lines().filter(l -> l.startsWith("tcpdump: ")).reduce((a, b) -> b).orElseThrow()
                .substring("tcpdump: ".length());
        assertEquals(prefix + text, e.getMessage());
    }

    @Test
    void fileLinkTypesCompileForLibpcapsDlt() throws Exception {
        Path raw = LibpcapTestSupport.captures().resolve("linktype-raw.pcap");
        assertEquals(LinkType.RAW, LibpcapTestSupport.pcapHeaderLinkType(raw));
        List<LibpcapFileSourceTest.Frame> frames = LibpcapFileSourceTest.readAll(raw, null);
        BpfFilter fromFile = BpfCompiler.compile("tcp port 25", LinkType.RAW, BpfFilter.DEFAULT_SNAPLEN);
        BpfFilter fromDlt = BpfCompiler.compile("tcp port 25", LinkType.RAW_DLT, BpfFilter.DEFAULT_SNAPLEN);
        assertEquals(LinkType.RAW, fromFile.linkType());
        long matched = 0;
        for (LibpcapFileSourceTest.Frame f : frames) {
            ByteBuffer b = ByteBuffer.wrap(f.bytes());
            boolean m = fromDlt.matches(b, 0, f.capturedLength(), f.originalLength());
            assertEquals(m, fromFile.matches(b, 0, f.capturedLength(), f.originalLength()));
            matched += m ? 1 : 0;
        }
        assertEquals(LibpcapTestSupport.hasTool("tcpdump") ? LibpcapTestSupport.tcpdumpCount(raw, "tcp port 25")
                : frames.size(), matched);
        // the flag bits above the low 16 of a pcap header's link type field do not change the link type
        assertEquals(LinkType.ETHERNET, BpfCompiler.linkTypeToDlt(0x0400_0000 | LinkType.ETHERNET));
    }

    @Test
    void matchingAllocatesNothing() throws Exception {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        Path capture = LibpcapTestSupport.captures().resolve("http-sessions.pcap");
        List<LibpcapFileSourceTest.Frame> frames = LibpcapFileSourceTest.readAll(capture, null);
        BpfFilter f = BpfCompiler.compile("tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420 or ip6 protochain 6",
                LinkType.ETHERNET, BpfFilter.DEFAULT_SNAPLEN);
        ByteBuffer[] bufs = frames.stream().map(fr -> ByteBuffer.wrap(fr.bytes())).toArray(ByteBuffer[]::new);
        long matched = 0;
        for (int warm = 0; warm < 20; warm++) {
            for (int i = 0; i < bufs.length; i++) {
                matched += f.matches(bufs[i], 0, bufs[i].capacity(), bufs[i].capacity()) ? 1 : 0;
            }
        }
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < bufs.length; i++) {
            matched += f.matches(bufs[i], 0, bufs[i].capacity(), bufs[i].capacity()) ? 1 : 0;
        }
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(matched > 0);
        assertTrue(allocated < 1024, allocated + " bytes allocated for " + bufs.length + " frames");
    }
}
