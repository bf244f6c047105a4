package io.portwatch.capture.libpcap;

import static io.portwatch.capture.source.BpfFilter.A;
import static io.portwatch.capture.source.BpfFilter.ALU;
import static io.portwatch.capture.source.BpfFilter.DIV;
import static io.portwatch.capture.source.BpfFilter.JA;
import static io.portwatch.capture.source.BpfFilter.JMP;
import static io.portwatch.capture.source.BpfFilter.K;
import static io.portwatch.capture.source.BpfFilter.LSH;
import static io.portwatch.capture.source.BpfFilter.MEMWORDS;
import static io.portwatch.capture.source.BpfFilter.MOD;
import static io.portwatch.capture.source.BpfFilter.RET;
import static io.portwatch.capture.source.BpfFilter.RSH;
import static io.portwatch.capture.source.BpfFilter.ST;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.source.BpfFilter;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.testkit.Corpus;
import io.portwatch.testkit.FrameBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A coverage-guided fuzz target (Jazzer) for the BPF interpreter ({@link BpfFilter}): any program, on any
 * frame. The input is the number of instructions less one (1 byte), the frame's wire length (4 bytes,
 * big-endian), the instructions ({@code struct bpf_insn}: code 2 bytes, jt, jf, k 4 bytes, big-endian), then
 * the frame. Seeds: libpcap's programs for the expressions {@link BpfFilterTest} compares, on frames of the
 * shared corpus. See {@code CaptureFileFuzzer} for how the targets run.
 *
 * <p>What every program and frame must give: a verdict, never an exception and never a hang; the same verdict
 * with other bytes before the frame and past its captured end, and in a little-endian buffer; and, for a
 * program libpcap's own interpreter can run without undefined behaviour (known opcodes, jumps forward and
 * inside the program, a return at the end, scratch memory zeroed first, as this interpreter zeroes it),
 * libpcap's verdict ({@code pcap_offline_filter}).
 */
class BpfFilterFuzzer {

    private static final int HEADER = 5;
    private static final int INSN = 8;
    /** The opcodes libpcap 1.10's bpf_filter knows (it aborts on any other): those this interpreter runs. */
    private static final Set<Integer> LIBPCAP_OPCODES = Set.of(
            0x20, 0x28, 0x30, 0x80, 0x40, 0x48, 0x50, 0x00, 0x60, // ld
            0x81, 0xb1, 0x01, 0x61, // ldx
            0x02, 0x03, // st, stx
            0x05, 0x15, 0x25, 0x35, 0x45, 0x1d, 0x2d, 0x3d, 0x4d, // jumps
            0x04, 0x14, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0x94, 0xa4, // alu k
            0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x9c, 0xac, 0x84, // alu x, neg
            0x06, 0x16, // ret
            0x07, 0x87); // tax, txa

    @MethodSource("programs")
    @FuzzTest
    void run(byte[] input) {
        if (input.length < HEADER) {
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(input);
        int n = 1 + (in.get(0) & 0xFF);
        int len = in.getInt(1);
        if (input.length < HEADER + n * INSN) {
            return;
        }
        short[] code = new short[n];
        byte[] jt = new byte[n];
        byte[] jf = new byte[n];
        int[] k = new int[n];
        for (int i = 0; i < n; i++) {
            int at = HEADER + i * INSN;
            code[i] = in.getShort(at);
            jt[i] = in.get(at + 2);
            jf[i] = in.get(at + 3);
            k[i] = in.getInt(at + 4);
        }
        int frameAt = HEADER + n * INSN;
        int caplen = input.length - frameAt;
        BpfFilter filter = new BpfFilter("fuzz", LinkType.ETHERNET, code, jt, jf, k);

        // the frame after other bytes, the buffer's limit at its captured end (a read past it throws)
        int lead = 3;
        ByteBuffer tight = ByteBuffer.allocate(lead + caplen);
        for (int i = 0; i < lead; i++) {
            tight.put(i, (byte) 0xEE);
        }
        tight.put(lead, input, frameAt, caplen);
        int verdict = filter.run(tight, lead, caplen, len);
        assertEquals(verdict != 0, filter.matches(tight, lead, caplen, len), "matches() is run() != 0");

        // elsewhere, among other bytes that the limit no longer keeps out, and in a little-endian buffer
        int otherLead = 1 + (caplen & 7);
        ByteBuffer loose = ByteBuffer.allocate(otherLead + caplen + 64);
        for (int i = 0; i < loose.capacity(); i++) {
            loose.put(i, (byte) (0x5A ^ i * 13));
        }
        loose.put(otherLead, input, frameAt, caplen);
        assertEquals(verdict, filter.run(loose, otherLead, caplen, len), "reads stay inside the captured bytes");
        assertEquals(verdict, filter.run(loose.order(ByteOrder.LITTLE_ENDIAN), otherLead, caplen, len),
                "a little-endian buffer is read big-endian all the same");

        if (safeForLibpcap(code, jt, jf, k)) {
            // libpcap 1.10 leaves scratch memory as it finds it: zero it first (A is 0 at the start)
            int m = MEMWORDS + n;
            short[] c2 = new short[m];
            byte[] t2 = new byte[m];
            byte[] f2 = new byte[m];
            int[] k2 = new int[m];
            for (int i = 0; i < MEMWORDS; i++) {
                c2[i] = (short) ST;
                k2[i] = i;
            }
            System.arraycopy(code, 0, c2, MEMWORDS, n);
            System.arraycopy(jt, 0, t2, MEMWORDS, n);
            System.arraycopy(jf, 0, f2, MEMWORDS, n);
            System.arraycopy(k, 0, k2, MEMWORDS, n);
            assertEquals(verdict, new BpfFilter("fuzz", LinkType.ETHERNET, c2, t2, f2, k2).run(tight, lead, caplen, len),
                    "zeroed scratch memory is the interpreter's own");
            byte[] frame = java.util.Arrays.copyOfRange(input, frameAt, input.length);
            try (LibpcapReferenceFilter reference = LibpcapReferenceFilter.of(c2, t2, f2, k2)) {
                assertEquals(reference.run(frame, caplen, len), verdict, "libpcap's verdict");
            }
        }
    }

    /** Whether libpcap's interpreter runs the program without undefined behaviour (a jump out, an abort). */
    static boolean safeForLibpcap(short[] code, byte[] jt, byte[] jf, int[] k) {
        int n = code.length;
        int last = code[n - 1] & 0xFFFF;
        if (last != (RET | K) && last != (RET | A)) {
            return false;
        }
        for (int pc = 0; pc < n; pc++) {
            int op = code[pc] & 0xFFFF;
            if (!LIBPCAP_OPCODES.contains(op)) {
                return false;
            }
            int cls = op & 0x07;
            long ku = k[pc] & 0xFFFF_FFFFL;
            if ((op == 0x60 || op == 0x61 || op == 0x02 || op == 0x03) && ku >= MEMWORDS) {
                return false;
            }
            if (op == (ALU | DIV | K) || op == (ALU | MOD | K)) {
                if (ku == 0) {
                    return false;
                }
            }
            if ((op == (ALU | LSH | K) || op == (ALU | RSH | K)) && ku >= 32) {
                return false; // undefined in C; libpcap's compiler never emits it
            }
            if (op == (JMP | JA)) {
                if (k[pc] < 0 || pc + 1L + ku >= n) {
                    return false; // backward jumps may loop for ever in libpcap
                }
            } else if (cls == JMP && (pc + 1 + (jt[pc] & 0xFF) >= n || pc + 1 + (jf[pc] & 0xFF) >= n)) {
                return false;
            }
        }
        return true;
    }

    // ---- seeds

    /**
     * libpcap's programs for {@link BpfFilterTest#EXPRESSIONS}, on a built TCP frame and on frames of the corpus's
     * captures (those only where the corpus is present; CI has it).
     */
    static Stream<Arguments> programs() throws CaptureException {
        LibpcapTestSupport.requireLibpcap();
        List<byte[]> ethernet = new ArrayList<>();
        List<byte[]> raw = new ArrayList<>();
        ethernet.add(FrameBuilder.ethernet(FrameBuilder.ETHERTYPE_IPV4,
                new FrameBuilder.Ip4().build(FrameBuilder.tcp(40000, 80, FrameBuilder.SYN, 0))));
        Path root = Corpus.ifPresent().orElse(null);
        if (root != null) {
            for (String capture : List.of("http-sessions.pcap", "dns-queries.pcap", "vlan-qinq.pcap",
                    "ipv4-fragments.pcap", "nmap-syn-scan.pcap", "linktype-raw.pcap")) {
                frames(root.resolve("captures").resolve(capture), 3, ethernet, raw);
            }
        }
        List<Arguments> seeds = new ArrayList<>();
        for (String expression : BpfFilterTest.EXPRESSIONS) {
            for (int linkType : new int[] {LinkType.ETHERNET, LinkType.RAW}) {
                List<byte[]> frames = linkType == LinkType.ETHERNET ? ethernet : raw;
                if (frames.isEmpty()) {
                    continue;
                }
                try (LibpcapReferenceFilter compiled = LibpcapReferenceFilter.compile(expression, linkType,
                        BpfFilter.DEFAULT_SNAPLEN)) {
                    if (compiled == null || compiled.length() > 256) {
                        continue;
                    }
                    int[][] insns = compiled.instructions();
                    for (int i = 0; i < frames.size(); i++) {
                        byte[] frame = frames.get(i);
                        seeds.add(Arguments.of(Named.of(expression + " (" + linkType + ") #" + i,
                                input(insns, frame.length + (i % 2) * 100, frame))));
                    }
                }
            }
        }
        return seeds.stream();
    }

    /** A target's input: a program, a wire length and a frame. */
    static byte[] input(int[][] insns, int len, byte[] frame) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + insns.length * INSN + frame.length);
        b.put((byte) (insns.length - 1)).putInt(len);
        for (int[] insn : insns) {
            b.putShort((short) insn[0]).put((byte) insn[1]).put((byte) insn[2]).putInt(insn[3]);
        }
        return b.put(frame).array();
    }

    private static void frames(Path capture, int max, List<byte[]> ethernet, List<byte[]> raw) throws CaptureException {
        int[] n = {0};
        try (CaptureFileSource source = CaptureFileSource.open(capture.toString())) {
            source.run((linkType, ts, buffer, offset, captured, original) -> {
                if (n[0]++ >= max) {
                    source.stop();
                    return;
                }
                byte[] frame = new byte[captured];
                buffer.get(offset, frame);
                (linkType == LinkType.ETHERNET ? ethernet : raw).add(frame);
            });
        }
    }
}
