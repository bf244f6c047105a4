package io.portwatch.capture.libpcap;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

import java.nio.charset.StandardCharsets;

/**
 * The two things {@link LibpcapLiveSource} asks of the C library between reads of a non-blocking handle
 * ({@link LiveLibc}): waiting in {@code poll} on the handle's descriptor for frames, with a timeout that
 * libpcap's own blocking read does not honour on Linux, and checking with {@code ioctl(SIOCGIFFLAGS)} that
 * the interface is still up, which libpcap does not report. Its native structures are made once; a wait
 * or a check allocates nothing.
 */
final class LiveWait implements AutoCloseable {

    private static final NativeLong ONE = new NativeLong(1);

    private final int fd;
    private final Memory pollFds;
    /** A {@code struct ifreq} naming the interface, or null when its flags cannot be read (e.g. "any"). */
    private final Memory ifreq;

    private LiveWait(int fd, Memory pollFds, Memory ifreq) {
        this.fd = fd;
        this.pollFds = pollFds;
        this.ifreq = ifreq;
    }

    /** Waits on the descriptor {@code pcap_get_selectable_fd} gave for the interface's handle (0 or more). */
    static LiveWait open(String iface, int fd) {
        Memory ifreq = interfaceFlagsRequest(iface, fd);
        Memory pollFds = new Memory(LiveLibc.POLLFD_SIZE);
        pollFds.clear();
        pollFds.setInt(LiveLibc.POLLFD_FD_OFFSET, fd);
        pollFds.setShort(LiveLibc.POLLFD_EVENTS_OFFSET, LiveLibc.POLLIN);
        return new LiveWait(fd, pollFds, ifreq);
    }

    /** Waits in {@code poll} until frames come or the time passes; returns a fault, or null. */
    String waitForFrames(int millis) {
        pollFds.setShort(LiveLibc.POLLFD_REVENTS_OFFSET, (short) 0);
        if (LiveLibc.poll(pollFds, ONE, millis) < 0) {
            int errno = Native.getLastError();
            if (errno != LiveLibc.EINTR) {
                return "cannot wait for frames (poll: errno " + errno + ")";
            }
        }
        return null;
    }

    /** Null while the interface is up (or cannot be checked); otherwise what happened to it. */
    String interfaceState() {
        if (ifreq == null) {
            return null;
        }
        ifreq.setShort(LiveLibc.IFREQ_FLAGS_OFFSET, (short) 0);
        if (LiveLibc.ioctl(fd, LiveLibc.SIOCGIFFLAGS, ifreq) != 0) {
            int errno = Native.getLastError();
            return errno == LiveLibc.ENODEV || errno == LiveLibc.ENXIO ? "the interface disappeared" : null;
        }
        return (ifreq.getShort(LiveLibc.IFREQ_FLAGS_OFFSET) & LiveLibc.IFF_UP) == 0 ? "the interface went down" : null;
    }

    /** Frees the native structures; only when the source is not made (its handle is never read). */
    @Override
    public void close() {
        pollFds.close();
        if (ifreq != null) {
            ifreq.close();
        }
    }

    /** A reusable {@code struct ifreq} naming the interface, when its flags can be read; else null. */
    private static Memory interfaceFlagsRequest(String iface, int fd) {
        byte[] name = iface.getBytes(StandardCharsets.UTF_8);
        if (!LiveLibc.canReadInterfaceFlags() || name.length >= LiveLibc.IFNAMSIZ) {
            return null;
        }
        Memory ifreq = new Memory(LiveLibc.IFREQ_SIZE);
        ifreq.clear();
        ifreq.write(0, name, 0, name.length);
        if (LiveLibc.ioctl(fd, LiveLibc.SIOCGIFFLAGS, ifreq) != 0) {
            ifreq.close(); // e.g. "any": not one interface
            return null;
        }
        return ifreq;
    }

}
