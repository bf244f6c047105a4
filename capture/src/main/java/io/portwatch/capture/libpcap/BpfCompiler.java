package io.portwatch.capture.libpcap;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.portwatch.capture.source.BpfFilter;
import io.portwatch.capture.source.BpfFilterSet;
import io.portwatch.capture.source.CaptureException;

/**
 * Compiles libpcap filter expressions into {@link BpfFilter} programs with libpcap's own compiler
 * ({@code pcap_compile}), so that the Java reader's filter means exactly what tcpdump's does; the
 * programs are then run by {@link BpfFilter} without libpcap. {@link #compile} is a
 * {@link BpfFilterSet.Compiler}.
 */
public final class BpfCompiler {

    /** Serializes the {@code pcap_compile} calls of this package: older libpcap's compiler is not thread-safe. */
    static final Object COMPILE_LOCK = new Object();

    private BpfCompiler() {
    }

    /**
     * Compiles an expression with libpcap ({@code pcap_open_dead} and {@code pcap_compile}, optimized,
     * netmask unknown) and copies the program out.
     *
     * @param expression a libpcap filter expression, e.g. {@code "tcp port 80"}
     * @param linkType   the frames' link type: a LINKTYPE as in capture files or libpcap's DLT
     * @param snaplen    the snapshot length the program assumes, usually {@link BpfFilter#DEFAULT_SNAPLEN}
     * @throws CaptureException when libpcap is missing or rejects the expression; the message is
     *                          {@code invalid filter "EXPR": <libpcap's text>}
     */
    public static BpfFilter compile(String expression, int linkType, int snaplen) throws CaptureException {
        Libpcap.load();
        int dlt = linkTypeToDlt(linkType);
        synchronized (COMPILE_LOCK) {
            Pointer p = LibpcapNative.pcap_open_dead(dlt, snaplen);
            if (p == null) {
                throw new CaptureException(CaptureException.Reason.USAGE, "invalid filter \"" + expression + "\": libpcap cannot open a handle for "
                        + "link type " + linkType);
            }
            try (Memory program = new Memory(LibpcapNative.PROGRAM_SIZE)) {
                program.clear();
                if (LibpcapNative.pcap_compile(p, program, expression, 1, LibpcapNative.NETMASK_UNKNOWN) != 0) {
                    throw new CaptureException(CaptureException.Reason.USAGE, "invalid filter \"" + expression + "\": " + LibpcapNative.lastError(p));
                }
                try {
                    return copyProgram(expression, linkType, program);
                } finally {
                    LibpcapNative.pcap_freecode(program);
                }
            } finally {
                LibpcapNative.pcap_close(p);
            }
        }
    }

    private static BpfFilter copyProgram(String expression, int linkType, Pointer program) {
        int n = program.getInt(0);
        Pointer insns = program.getPointer(LibpcapNative.PROGRAM_INSNS_OFFSET);
        short[] code = new short[n];
        byte[] jt = new byte[n];
        byte[] jf = new byte[n];
        int[] k = new int[n];
        for (int i = 0; i < n; i++) {
            long at = (long) i * LibpcapNative.INSN_SIZE;
            code[i] = insns.getShort(at);
            jt[i] = insns.getByte(at + 2);
            jf[i] = insns.getByte(at + 3);
            k[i] = insns.getInt(at + 4);
        }
        return new BpfFilter(expression, linkType, code, jt, jf, k);
    }

    /**
     * The DLT libpcap compiles for, given a LINKTYPE from a capture file (or a DLT, which maps to
     * itself). Only the low 16 bits name the link type; the rest of a pcap header's field is flags.
     */
    static int linkTypeToDlt(int linkType) {
        int lt = linkType & 0xFFFF;
        return switch (lt) {
            case 100 -> 11;         // ATM_RFC1483
            case 101, 14 -> 12;     // RAW (LINKTYPE_RAW, and OpenBSD's DLT_RAW as LinkType treats it)
            case 102 -> 15;         // SLIP_BSDOS
            case 103 -> 16;         // PPP_BSDOS
            case 106 -> 19;         // ATM_CLIP
            default -> lt;
        };
    }
}
