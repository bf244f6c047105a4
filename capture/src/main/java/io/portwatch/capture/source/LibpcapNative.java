package io.portwatch.capture.source;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * The few libpcap functions this package calls directly (JNA direct mapping), bound to the library
 * {@link Libpcap#load()} chose. Touch this class only after {@code Libpcap.load()} succeeded.
 */
final class LibpcapNative {

    /** {@code PCAP_ERRBUF_SIZE}. */
    static final int ERRBUF_SIZE = 256;
    /** {@code PCAP_TSTAMP_PRECISION_NANO}. */
    static final int TSTAMP_PRECISION_NANO = 1;
    /** {@code PCAP_NETMASK_UNKNOWN}. */
    static final int NETMASK_UNKNOWN = 0xFFFFFFFF;
    /** {@code PCAP_ERROR_BREAK}: end of file, or {@code pcap_breakloop} was called. */
    static final int ERROR_BREAK = -2;

    /** {@code struct bpf_program}: {@code u_int bf_len; struct bpf_insn *bf_insns;}. */
    static final int PROGRAM_SIZE = 2 * Native.POINTER_SIZE;
    static final int PROGRAM_INSNS_OFFSET = Native.POINTER_SIZE;
    /** {@code struct bpf_insn}: {@code u_short code; u_char jt; u_char jf; bpf_u_int32 k;}, native byte order. */
    static final int INSN_SIZE = 8;

    /** {@code struct pcap_pkthdr}: {@code struct timeval ts; bpf_u_int32 caplen; bpf_u_int32 len;}. */
    static final int PKTHDR_TV_SEC_OFFSET = 0;
    static final int PKTHDR_TV_FRAC_OFFSET = NativeLong.SIZE;
    static final int PKTHDR_CAPLEN_OFFSET = 2 * NativeLong.SIZE;
    static final int PKTHDR_LEN_OFFSET = 2 * NativeLong.SIZE + 4;
    static final int PKTHDR_SIZE = 2 * NativeLong.SIZE + 8;

    static {
        Native.register(LibpcapNative.class, NativeLibrary.getInstance(Libpcap.libraryName()));
    }

    private LibpcapNative() {
    }

    static native Pointer pcap_open_offline_with_tstamp_precision(String fname, int precision, Pointer errbuf);

    static native Pointer pcap_open_dead(int linktype, int snaplen);

    static native int pcap_datalink(Pointer p);

    static native int pcap_compile(Pointer p, Pointer program, String expression, int optimize, int netmask);

    static native int pcap_setfilter(Pointer p, Pointer program);

    static native void pcap_freecode(Pointer program);

    static native int pcap_next_ex(Pointer p, Pointer headerOut, Pointer dataOut);

    static native void pcap_breakloop(Pointer p);

    static native Pointer pcap_geterr(Pointer p);

    static native void pcap_close(Pointer p);

    /** Runs a compiled program on one packet: the program's return value, 0 = reject. */
    static native int pcap_offline_filter(Pointer program, Pointer header, Pointer packet);

    /** A time value read in place, as a {@code long} whatever the size of the C {@code long}. */
    static long readNativeLong(Pointer p, long offset) {
        return NativeLong.SIZE == 8 ? p.getLong(offset) : p.getInt(offset);
    }

    /** The handle's last error message, on one line. */
    static String lastError(Pointer p) {
        Pointer e = pcap_geterr(p);
        return Libpcap.oneLine(e == null ? null : e.getString(0));
    }
}
