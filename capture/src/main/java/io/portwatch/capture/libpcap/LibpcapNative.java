package io.portwatch.capture.libpcap;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import io.portwatch.capture.source.CaptureException;

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

    /** {@code PCAP_TSTAMP_PRECISION_MICRO}. */
    static final int TSTAMP_PRECISION_MICRO = 0;
    /** {@code PCAP_WARNING}: {@code pcap_activate} succeeded with a warning in {@code pcap_geterr}. */
    static final int WARNING = 1;
    /** {@code PCAP_WARNING_PROMISC_NOTSUP}: activated, but the device cannot be put in promiscuous mode. */
    static final int WARNING_PROMISC_NOTSUP = 2;
    /** {@code PCAP_WARNING_TSTAMP_TYPE_NOTSUP}: activated, with another time stamp type than asked. */
    static final int WARNING_TSTAMP_TYPE_NOTSUP = 3;
    /** {@code PCAP_ERROR_NO_SUCH_DEVICE}. */
    static final int ERROR_NO_SUCH_DEVICE = -5;
    /** {@code PCAP_ERROR_PERM_DENIED}. */
    static final int ERROR_PERM_DENIED = -8;
    /** {@code PCAP_ERROR_IFACE_NOT_UP}. */
    static final int ERROR_IFACE_NOT_UP = -9;
    /** {@code PCAP_ERROR_PROMISC_PERM_DENIED}. */
    static final int ERROR_PROMISC_PERM_DENIED = -11;

    /** {@code struct pcap_stat}: {@code u_int ps_recv; u_int ps_drop; u_int ps_ifdrop;} (Windows adds a field). */
    static final int STAT_RECV_OFFSET = 0;
    static final int STAT_DROP_OFFSET = 4;
    static final int STAT_IFDROP_OFFSET = 8;
    static final int STAT_SIZE = 16;

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

    // Live capture: pcap_create, the pcap_set_* options, pcap_activate, then reading non-blocking.

    static native Pointer pcap_create(String source, Pointer errbuf);

    static native int pcap_set_snaplen(Pointer p, int snaplen);

    static native int pcap_set_promisc(Pointer p, int promisc);

    static native int pcap_set_buffer_size(Pointer p, int bufferSize);

    static native int pcap_set_immediate_mode(Pointer p, int immediate);

    static native int pcap_set_timeout(Pointer p, int timeoutMillis);

    static native int pcap_set_tstamp_precision(Pointer p, int precision);

    static native int pcap_get_tstamp_precision(Pointer p);

    static native int pcap_activate(Pointer p);

    static native int pcap_setnonblock(Pointer p, int nonblock, Pointer errbuf);

    static native int pcap_get_selectable_fd(Pointer p);

    static native int pcap_stats(Pointer p, Pointer stats);

    /** The IPv4 network and netmask of a device, in network byte order, for {@code pcap_compile}. */
    static native int pcap_lookupnet(String device, Pointer netOut, Pointer maskOut, Pointer errbuf);

    /** libpcap's text for a {@code PCAP_ERROR_*} or {@code PCAP_WARNING_*} code. */
    static native String pcap_statustostr(int status);

    /** Runs a compiled program on one packet: the program's return value, 0 = reject. */
    static native int pcap_offline_filter(Pointer program, Pointer header, Pointer packet);

    /** A time value read in place, as a {@code long} whatever the size of the C {@code long}. */
    static long readNativeLong(Pointer p, long offset) {
        return NativeLong.SIZE == 8 ? p.getLong(offset) : p.getInt(offset);
    }

    /** The handle's last error message, on one line. */
    static String lastError(Pointer p) {
        Pointer e = pcap_geterr(p);
        return CaptureException.oneLine(e == null ? null : e.getString(0));
    }
}
