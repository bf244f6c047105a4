package io.portwatch.capture.ring;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.libpcap.BpfCompiler;
import io.portwatch.capture.libpcap.CaptureInterfaces;
import io.portwatch.capture.libpcap.InterfaceNotThereException;
import io.portwatch.capture.libpcap.LiveCapture;
import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.source.BpfFilter;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.Downtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * A packet socket with a TPACKET_V3 receive ring mapped into this process: set up once with a handful of
 * system calls, read by {@link PacketRing} without any, closed once ({@code munmap}, {@code close}).
 *
 * <p>The order of the setup is libpcap's, and keeps out what the filter would not let in: the socket is made
 * with protocol 0, so that it receives nothing until {@code bind}; the filter is attached before the bind, so
 * that no frame reaches the ring unfiltered and no drain is needed afterwards (libpcap, which sets the filter
 * after activation, filters the blocks filled before in user space instead). Without a filter expression
 * the socket still gets one, {@code ret #snaplen}, so that the kernel cuts frames at the snapshot length and
 * the ring holds more of them (libpcap's own comment suggests it; it cuts in user space). A socket that joins
 * a fanout group gets a filter that drops every frame until it has joined (joining needs a bound socket, and
 * until then it would get every frame of the interface besides the group), then the real one.
 *
 * <p>The counters ({@code PACKET_STATISTICS}) are reset by each read: they are added up here, under this
 * object's lock, with the interface's own drops ({@code rx_missed_errors + rx_fifo_errors} in sysfs since the
 * socket was opened), as libpcap counts {@code ps_ifdrop}.
 */
final class RingSocket {

    /** The Ethernet header's length: where a sent frame's network header is, for the fanout program. */
    private static final int ETHERNET_HEADER = 14;
    /** {@code ret #0}: drop every frame (until a fanout member has joined its group). */
    private static final byte[] DROP_ALL = sockFilter(0x06, 0);

    private final String iface;
    private final int fd;
    private final int ifindex;
    private final boolean loopback;
    /** {@link LinkType#ETHERNET}, or {@link LinkType#RAW} for a device whose frames start with the IP header. */
    private final int linkType;
    private final RingGeometry geometry;
    private final Pointer mapping;
    private final Memory stats = new Memory(TpacketStatsV3.LENGTH);
    private final Memory statsLength = new Memory(4);
    private final long ifdropBase;
    private long received;
    private long dropped;
    private long freezes;
    private long ifdrops;
    private boolean closed;

    private RingSocket(String iface, int fd, int ifindex, int hardware, RingGeometry geometry, Pointer mapping) {
        this.iface = iface;
        this.fd = fd;
        this.ifindex = ifindex;
        this.loopback = hardware == RingLibc.ARPHRD_LOOPBACK;
        this.linkType = linkType(hardware);
        this.geometry = geometry;
        this.mapping = mapping;
        this.ifdropBase = interfaceDrops(iface);
    }

    /**
     * Opens the interface with a ring shaped for the options.
     *
     * @param fanout {@code id | (mode | flags) << 16} for {@code PACKET_FANOUT} (an unsigned 32-bit value), or -1
     *               for none
     * @param fanoutProgram the group's classic BPF program ({@code PACKET_FANOUT_CBPF}) for frames whose link-layer
     *                      header is the given number of bytes (14 on Ethernet, 0 on a raw IP device), or null
     * @throws InterfaceNotThereException when there is no such interface or it is down
     * @throws RingUnavailableException   when the ring cannot capture it here (then libpcap may)
     * @throws CaptureException           when the filter is invalid
     */
    static RingSocket open(String iface, LiveOptions options, long fanout, IntFunction<byte[]> fanoutProgram)
            throws CaptureException {
        if (!RingLibc.available()) {
            throw new RingUnavailableException(iface + ": the kernel ring needs Linux and a 64-bit JVM");
        }
        byte[] name = iface.getBytes(StandardCharsets.UTF_8);
        if ("any".equals(iface) || name.length >= RingLibc.IFNAMSIZ || name.length == 0) {
            throw new RingUnavailableException(iface + ": the kernel ring reads a single interface, not this one");
        }
        int fd;
        try {
            fd = RingLibc.socket(RingLibc.AF_PACKET, RingLibc.SOCK_RAW, 0);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            throw new RingUnavailableException(errno == RingLibc.EPERM || errno == RingLibc.EACCES
                    ? iface + ": no permission to capture: " + LiveCapture.permissionAdvice()
                    : iface + ": cannot open a packet socket (errno " + errno + ")");
        }
        Pointer map = null;
        RingGeometry g = RingGeometry.of(options, pageSize());
        try (Memory ifreq = new Memory(RingLibc.IFREQ_SIZE)) {
            int index = RingLibc.if_nametoindex(iface);
            if (index == 0) {
                String names = CaptureInterfaces.namesOrNull();
                throw new InterfaceNotThereException(iface + ": no such interface"
                        + (names == null ? "" : " (interfaces: " + names + ")"));
            }
            int hardware = ifreqShort(fd, ifreq, name, RingLibc.SIOCGIFHWADDR);
            int linkType = linkType(hardware);
            if (linkType < 0) {
                throw new RingUnavailableException(iface + ": hardware type " + hardware
                        + " is not read by the kernel ring (Ethernet, loopback and raw IP are)");
            }
            byte[] filter = filterProgram(iface, options, linkType);
            if ((ifreqShort(fd, ifreq, name, RingLibc.SIOCGIFFLAGS) & RingLibc.IFF_UP) == 0) {
                throw new InterfaceNotThereException(iface + ": the interface is down");
            }
            setInt(fd, RingLibc.SOL_PACKET, RingLibc.PACKET_VERSION, RingLibc.TPACKET_V3, iface, "TPACKET_V3");
            // The kernel stamps each frame as it arrives, once for every socket that sees it; without a socket that
            // asks, each ring stamped a frame as it copied it in, so that two rings' times of one frame differed
            // by hundreds of nanoseconds (a fanout group's members and a plain ring, CaptureMethodsIT).
            setInt(fd, RingLibc.SOL_SOCKET, RingLibc.SO_TIMESTAMPNS, 1, iface, "timestamps");
            attach(fd, fanout >= 0 ? DROP_ALL : filter, iface);
            try (Memory req = TpacketReq3.of(g)) {
                RingLibc.setsockopt(fd, RingLibc.SOL_PACKET, RingLibc.PACKET_RX_RING, req, TpacketReq3.LENGTH);
            } catch (LastErrorException e) {
                throw new RingUnavailableException(iface + ": the kernel refused a ring of " + g.blockCount()
                        + " blocks of " + g.blockSize() + " bytes (errno " + e.getErrorCode() + ")");
            }
            try {
                map = RingLibc.mmap(null, g.bytes(), RingLibc.PROT_READ | RingLibc.PROT_WRITE, RingLibc.MAP_SHARED, fd, 0);
            } catch (LastErrorException e) {
                throw new RingUnavailableException(iface + ": cannot map the ring (errno " + e.getErrorCode() + ")");
            }
            if (map == null || Pointer.nativeValue(map) == -1L) {
                map = null;
                throw new RingUnavailableException(iface + ": cannot map the ring");
            }
            bind(fd, index, iface);
            if (options.promiscuous()) {
                promiscuous(fd, index, iface);
            }
            if (fanout >= 0) {
                setInt(fd, RingLibc.SOL_PACKET, RingLibc.PACKET_FANOUT, (int) fanout, iface, "fanout group");
                if (fanoutProgram != null) {
                    program(fd, RingLibc.SOL_PACKET, RingLibc.PACKET_FANOUT_DATA,
                            fanoutProgram.apply(linkType == LinkType.ETHERNET ? ETHERNET_HEADER : 0), iface,
                            "the fanout program");
                }
                attach(fd, filter, iface);
            }
            return new RingSocket(iface, fd, index, hardware, g, map);
        } catch (CaptureException | RuntimeException | Error e) {
            if (map != null) {
                RingLibc.munmap(map, g.bytes());
            }
            RingLibc.close(fd);
            throw e;
        }
    }

    String iface() {
        return iface;
    }

    int fd() {
        return fd;
    }

    int ifindex() {
        return ifindex;
    }

    /** The link type of the frames: {@link LinkType#ETHERNET} or {@link LinkType#RAW}. */
    int linkType() {
        return linkType;
    }

    /** Whether the interface is a loopback one (what it sends comes again as received). */
    boolean loopback() {
        return loopback;
    }

    RingGeometry geometry() {
        return geometry;
    }

    /** The ring as a buffer over the mapping (position 0, the ring's size). */
    ByteBuffer buffer() {
        return mapping.getByteBuffer(0, geometry.bytes());
    }

    /**
     * The counters since the socket was opened: the kernel's (read and reset, then added up) and the
     * interface's drops; after {@link #close()} the last ones.
     */
    synchronized CaptureStats health() {
        if (!closed) {
            statsLength.setInt(0, TpacketStatsV3.LENGTH);
            try {
                RingLibc.getsockopt(fd, RingLibc.SOL_PACKET, RingLibc.PACKET_STATISTICS, stats, statsLength);
                received += stats.getInt(TpacketStatsV3.PACKETS_OFFSET) & 0xFFFF_FFFFL;
                dropped += stats.getInt(TpacketStatsV3.DROPS_OFFSET) & 0xFFFF_FFFFL;
                freezes += stats.getInt(TpacketStatsV3.FREEZE_Q_CNT_OFFSET) & 0xFFFF_FFFFL;
            } catch (LastErrorException e) {
                // keep the last counters
            }
            long now = interfaceDrops(iface);
            if (now >= ifdropBase) {
                ifdrops = now - ifdropBase;
            }
        }
        return new CaptureStats(received, dropped, ifdrops, freezes, Downtime.NONE);
    }

    /**
     * The id of the fanout group the socket is a member of, as the kernel says ({@code PACKET_FANOUT}: the id in
     * the low 16 bits, the mode above, 0 for no group: portwatch's mode is never 0), or -1 when it is in none.
     */
    int fanoutGroup() {
        try {
            int v = intOption(RingLibc.SOL_PACKET, RingLibc.PACKET_FANOUT);
            return v == 0 ? -1 : v & 0xFFFF;
        } catch (LastErrorException e) {
            return -1;
        }
    }

    /** A pending socket error ({@code SO_ERROR}, which reading clears), or 0. */
    int takeError() {
        try {
            return intOption(RingLibc.SOL_SOCKET, RingLibc.SO_ERROR);
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    /** An int socket option ({@code getsockopt}). */
    private int intOption(int level, int name) {
        try (Memory value = new Memory(4); Memory length = new Memory(4)) {
            length.setInt(0, 4);
            RingLibc.getsockopt(fd, level, name, value, length);
            return value.getInt(0);
        }
    }

    /** Whether the socket was closed. */
    synchronized boolean isClosed() {
        return closed;
    }

    /** Keeps the last counters, then unmaps the ring and closes the socket; once. */
    synchronized void close() {
        if (!closed) {
            health();
            closed = true;
            RingLibc.munmap(mapping, geometry.bytes());
            RingLibc.close(fd);
        }
    }

    /**
     * The link type of a packet socket's frames on a device of this hardware type ({@code ARPHRD_*}), as the
     * libpcap path gives it; -1 for a type the ring does not read. Ethernet, veth and loopback frames start with an
     * Ethernet header (zero MACs on loopback); a device without a link-layer header (tun, WireGuard, raw IP modems)
     * gives the IP packet alone: raw IP ({@code LINKTYPE_RAW}; libpcap's {@code DLT_RAW}).
     */
    static int linkType(int hardware) {
        return switch (hardware) {
            case RingLibc.ARPHRD_ETHER, RingLibc.ARPHRD_LOOPBACK -> LinkType.ETHERNET;
            case RingLibc.ARPHRD_NONE, RingLibc.ARPHRD_RAWIP -> LinkType.RAW;
            default -> -1;
        };
    }

    /** The kernel filter: the expression compiled by libpcap for the link type, or {@code ret #snaplen}. */
    private static byte[] filterProgram(String iface, LiveOptions options, int linkType) throws CaptureException {
        if (options.filter() == null) {
            return sockFilter(0x06, options.snaplen());
        }
        try {
            BpfFilter f = BpfCompiler.compile(options.filter(), linkType, options.snaplen());
            return f.sockFilter(ByteOrder.nativeOrder());
        } catch (CaptureException e) {
            throw new CaptureException(e.reason(), iface + ": " + e.getMessage());
        }
    }

    /** A one-instruction program: {@code code k}. */
    private static byte[] sockFilter(int code, int k) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putShort((short) code).put((byte) 0)
                .put((byte) 0).putInt(k).array();
    }

    private static void attach(int fd, byte[] program, String iface) throws CaptureException {
        program(fd, RingLibc.SOL_SOCKET, RingLibc.SO_ATTACH_FILTER, program, iface, "the filter");
    }

    /** Gives the kernel a classic BPF program ({@code struct sock_fprog}) through this socket option. */
    private static void program(int fd, int level, int option, byte[] program, String iface, String what)
            throws CaptureException {
        int n = program.length / 8;
        try (Memory insns = new Memory(program.length); Memory fprog = new Memory(RingLibc.SOCK_FPROG_SIZE)) {
            insns.write(0, program, 0, program.length);
            fprog.clear();
            fprog.setShort(RingLibc.SOCK_FPROG_LEN_OFFSET, (short) n);
            fprog.setPointer(RingLibc.SOCK_FPROG_FILTER_OFFSET, insns);
            RingLibc.setsockopt(fd, level, option, fprog, RingLibc.SOCK_FPROG_SIZE);
        } catch (LastErrorException e) {
            throw new RingUnavailableException(iface + ": the kernel refused " + what + " (errno " + e.getErrorCode()
                    + ")");
        }
    }

    private static void bind(int fd, int ifindex, String iface) throws CaptureException {
        try (Memory sll = new Memory(SockaddrLl.LENGTH)) {
            sll.clear();
            sll.setShort(SockaddrLl.FAMILY_OFFSET, (short) RingLibc.AF_PACKET);
            sll.setShort(SockaddrLl.PROTOCOL_OFFSET, (short) RingLibc.htons(RingLibc.ETH_P_ALL));
            sll.setInt(SockaddrLl.IFINDEX_OFFSET, ifindex);
            RingLibc.bind(fd, sll, SockaddrLl.LENGTH);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            if (errno == RingLibc.ENODEV || errno == RingLibc.ENXIO) {
                throw new InterfaceNotThereException(iface + ": no such interface");
            }
            if (errno == RingLibc.ENETDOWN) {
                throw new InterfaceNotThereException(iface + ": the interface is down");
            }
            throw new RingUnavailableException(iface + ": cannot bind the packet socket (errno " + errno + ")");
        }
    }

    private static void promiscuous(int fd, int ifindex, String iface) throws CaptureException {
        try (Memory mreq = new Memory(RingLibc.PACKET_MREQ_SIZE)) {
            mreq.clear();
            mreq.setInt(0, ifindex);
            mreq.setShort(4, (short) RingLibc.PACKET_MR_PROMISC);
            RingLibc.setsockopt(fd, RingLibc.SOL_PACKET, RingLibc.PACKET_ADD_MEMBERSHIP, mreq, RingLibc.PACKET_MREQ_SIZE);
        } catch (LastErrorException e) {
            throw new RingUnavailableException(iface + ": cannot set promiscuous mode (errno " + e.getErrorCode() + ")");
        }
    }

    private static void setInt(int fd, int level, int option, int value, String iface, String what)
            throws CaptureException {
        try (Memory v = new Memory(4)) {
            v.setInt(0, value);
            RingLibc.setsockopt(fd, level, option, v, 4);
        } catch (LastErrorException e) {
            throw new RingUnavailableException(iface + ": the kernel refused the " + what + " (errno "
                    + e.getErrorCode() + ")");
        }
    }

    /** The short an {@code ioctl} puts at the start of the {@code ifreq} union (flags, or the hardware type). */
    static int ifreqShort(int fd, Memory ifreq, byte[] name, long request) throws CaptureException {
        ifreq.clear();
        ifreq.write(0, name, 0, name.length);
        if (RingLibc.ioctl(fd, request, ifreq) != 0) {
            int errno = Native.getLastError();
            String iface = new String(name, StandardCharsets.UTF_8);
            if (errno == RingLibc.ENODEV || errno == RingLibc.ENXIO) {
                throw new InterfaceNotThereException(iface + ": no such interface");
            }
            throw new RingUnavailableException(iface + ": cannot read the interface (errno " + errno + ")");
        }
        return ifreq.getShort(RingLibc.IFREQ_UNION_OFFSET) & 0xFFFF;
    }

    /** What libpcap counts as the interface's drops: {@code rx_missed_errors + rx_fifo_errors}; 0 if unknown. */
    static long interfaceDrops(String iface) {
        return sysfsCounter(iface, "rx_missed_errors") + sysfsCounter(iface, "rx_fifo_errors");
    }

    private static long sysfsCounter(String iface, String name) {
        try {
            return Long.parseLong(Files.readString(Path.of("/sys/class/net", iface, "statistics", name)).strip());
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static int pageSize() {
        return RingLibc.getpagesize(); // blocks are a power of two of at least a page
    }
}
