package io.portwatch.capture.libpcap;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.portwatch.capture.source.BpfFilter;

/**
 * The reference for {@link BpfFilter}: a BPF program in native memory run by libpcap's own
 * interpreter, {@code pcap_offline_filter}.
 */
final class LibpcapReferenceFilter implements AutoCloseable {

    private final Memory program = new Memory(LibpcapNative.PROGRAM_SIZE);
    private final Memory instructions;
    private final boolean compiled;
    private final Memory header = new Memory(LibpcapNative.PKTHDR_SIZE);
    private Memory packet = new Memory(64 * 1024);

    private LibpcapReferenceFilter(Memory instructions, boolean compiled) {
        this.instructions = instructions;
        this.compiled = compiled;
        header.clear();
    }

    /** Compiles with libpcap for a DLT, exactly as {@link BpfCompiler#compile} does; null when libpcap rejects it. */
    static LibpcapReferenceFilter compile(String expression, int linkType, int snaplen) {
        int dlt = BpfCompiler.linkTypeToDlt(linkType);
        LibpcapReferenceFilter f = new LibpcapReferenceFilter(null, true);
        f.program.clear();
        synchronized (BpfCompiler.COMPILE_LOCK) {
            Pointer p = LibpcapNative.pcap_open_dead(dlt, snaplen);
            try {
                if (LibpcapNative.pcap_compile(p, f.program, expression, 1, LibpcapNative.NETMASK_UNKNOWN) != 0) {
                    return null;
                }
            } finally {
                LibpcapNative.pcap_close(p);
            }
        }
        return f;
    }

    /** A program given instruction by instruction. */
    static LibpcapReferenceFilter of(short[] code, byte[] jt, byte[] jf, int[] k) {
        Memory insns = new Memory((long) code.length * LibpcapNative.INSN_SIZE);
        for (int i = 0; i < code.length; i++) {
            long at = (long) i * LibpcapNative.INSN_SIZE;
            insns.setShort(at, code[i]);
            insns.setByte(at + 2, jt[i]);
            insns.setByte(at + 3, jf[i]);
            insns.setInt(at + 4, k[i]);
        }
        LibpcapReferenceFilter f = new LibpcapReferenceFilter(insns, false);
        f.program.clear();
        f.program.setInt(0, code.length);
        f.program.setPointer(LibpcapNative.PROGRAM_INSNS_OFFSET, insns);
        return f;
    }

    /** The number of instructions. */
    int length() {
        return program.getInt(0);
    }

    /** The program's instructions, each {code, jt, jf, k} as {@code struct bpf_insn} holds them (unsigned but k). */
    int[][] instructions() {
        Pointer insns = program.getPointer(LibpcapNative.PROGRAM_INSNS_OFFSET);
        int[][] out = new int[length()][];
        for (int i = 0; i < out.length; i++) {
            long at = (long) i * LibpcapNative.INSN_SIZE;
            out[i] = new int[] {insns.getShort(at) & 0xFFFF, insns.getByte(at + 2) & 0xFF, insns.getByte(at + 3) & 0xFF,
                insns.getInt(at + 4)};
        }
        return out;
    }

    /** libpcap's return value for a frame of which the first {@code caplen} bytes were captured. */
    int run(byte[] frame, int caplen, int len) {
        if (packet.size() < Math.max(1, caplen)) {
            packet = new Memory(Math.max(caplen, 2 * packet.size()));
        }
        packet.write(0, frame, 0, caplen);
        header.setInt(LibpcapNative.PKTHDR_CAPLEN_OFFSET, caplen);
        header.setInt(LibpcapNative.PKTHDR_LEN_OFFSET, len);
        return LibpcapNative.pcap_offline_filter(program, header, packet);
    }

    @Override
    public void close() {
        if (compiled) {
            LibpcapNative.pcap_freecode(program);
        }
        if (instructions != null) {
            instructions.close();
        }
    }
}
