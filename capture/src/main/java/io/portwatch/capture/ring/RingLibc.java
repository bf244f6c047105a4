package io.portwatch.capture.ring;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The C library calls of ring capture (JNA direct mapping, Linux on a 64-bit JVM only): the packet socket,
 * its options, {@code bind}, {@code mmap}, and {@code poll} for waiting. They are made to set a ring up, to
 * wait and to read the kernel's counters; never per frame. The setup calls throw with errno.
 *
 * <p>Numbers are Linux's ({@code <linux/if_packet.h>}, {@code <linux/if_ether.h>}, {@code <asm/socket.h>},
 * x86-64 and arm64 alike); other systems never load this class ({@link #available()}).
 */
final class RingLibc {

    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int SOL_SOCKET = 1;
    static final int SOL_PACKET = 263;
    /** {@code ETH_P_ALL}, every protocol; in network order in {@code socket} and {@code sockaddr_ll}. */
    static final int ETH_P_ALL = 0x0003;

    static final int SO_ERROR = 4;
    static final int SO_ATTACH_FILTER = 26;
    /** Asks for nanosecond timestamps: the kernel then stamps every frame on arrival (net_enable_timestamp). */
    static final int SO_TIMESTAMPNS = 35;
    static final int PACKET_ADD_MEMBERSHIP = 1;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_FANOUT = 18;
    static final int TPACKET_V3 = 2;
    /** {@code struct packet_mreq}: ifindex, type, address length, address (8 bytes). */
    static final int PACKET_MREQ_SIZE = 16;
    static final int PACKET_MR_PROMISC = 1;

    static final int PACKET_FANOUT_HASH = 0;
    /** The member a classic BPF program ({@code PACKET_FANOUT_DATA}) picks. */
    static final int PACKET_FANOUT_CBPF = 6;
    static final int PACKET_FANOUT_DATA = 22;
    static final int PACKET_FANOUT_FLAG_DEFRAG = 0x8000;
    /** With id 0: the kernel gives the new group an id no group of the namespace has (Linux 4.8 and later). */
    static final int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;

    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final int POLLFD_FD_OFFSET = 0;
    static final int POLLFD_EVENTS_OFFSET = 4;
    static final int POLLFD_REVENTS_OFFSET = 6;
    static final int POLLFD_SIZE = 8;

    /** {@code struct ifreq}: name, then a union (flags, or a {@code struct sockaddr} whose family is the ARPHRD). */
    static final int IFNAMSIZ = 16;
    static final int IFREQ_UNION_OFFSET = IFNAMSIZ;
    static final int IFREQ_SIZE = 40;
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCGIFHWADDR = 0x8927;
    static final int IFF_UP = 0x1;
    static final int ARPHRD_ETHER = 1;
    static final int ARPHRD_LOOPBACK = 772;
    /** A device without a link-layer header: its frames start with the IP header (tun, WireGuard). */
    static final int ARPHRD_NONE = 0xFFFE;
    /** Raw IP (some cellular modems), as ARPHRD_NONE. */
    static final int ARPHRD_RAWIP = 519;

    /** {@code struct sock_fprog}: {@code unsigned short len}, then the pointer to the instructions. */
    static final int SOCK_FPROG_LEN_OFFSET = 0;
    static final int SOCK_FPROG_FILTER_OFFSET = 8;
    static final int SOCK_FPROG_SIZE = 16;

    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int ENXIO = 6;
    static final int EACCES = 13;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENETDOWN = 100;

    private static final boolean AVAILABLE = Platform.isLinux() && Platform.is64Bit();

    static {
        if (AVAILABLE) {
            Native.register(RingLibc.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }
    }

    private RingLibc() {
    }

    /** Whether this system has the calls with these numbers: Linux, 64-bit. */
    static boolean available() {
        return AVAILABLE;
    }

    /** {@code htons} for the 16-bit protocol numbers of {@code socket} and {@code sockaddr_ll}. */
    static int htons(int v) {
        return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN ? v & 0xFFFF
                : ((v & 0xFF) << 8) | ((v >> 8) & 0xFF);
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, Pointer value, int length) throws LastErrorException;

    static native int getsockopt(int fd, int level, int name, Pointer value, Pointer length) throws LastErrorException;

    static native int bind(int fd, Pointer address, int length) throws LastErrorException;

    static native Pointer mmap(Pointer address, long length, int prot, int flags, int fd, long offset)
            throws LastErrorException;

    static native int munmap(Pointer address, long length);

    static native int close(int fd);

    static native int poll(Pointer fds, long nfds, int timeoutMillis);

    static native int ioctl(int fd, long request, Pointer arg);

    static native int if_nametoindex(String name);

    static native int getpagesize();
}
