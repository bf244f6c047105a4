package io.portwatch.capture.ring;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import io.portwatch.capture.source.CaptureException;

import java.nio.charset.StandardCharsets;

/**
 * How a ring reader waits while the kernel holds every block: in {@code poll} on the packet socket, which
 * wakes when the next block is handed over, the timeout passes, or the socket has an error (the interface
 * went down or away: the kernel sets {@code ENETDOWN} on a bound packet socket then). Also checks that the
 * interface is still there and up, as {@code LiveWait} does for libpcap, since the kernel says nothing
 * more once it reported the error.
 *
 * <p>A policy apart from {@link PacketRing}, as an Agrona idle strategy is apart from its reader: the ring
 * only says whether a block is ready. {@code poll} rather than spinning: a spin costs a core while the
 * traffic is light, and at 200,000 frames/s a 1 MiB block of 256-byte frames fills in about 15 ms, so a
 * wakeup per block costs nothing that shows. Its native structures are made once; a wait allocates nothing.
 */
final class RingWait implements AutoCloseable {

    private final RingSocket socket;
    private final byte[] name;
    private final Memory pollFds = new Memory(RingLibc.POLLFD_SIZE);
    private final Memory ifreq = new Memory(RingLibc.IFREQ_SIZE);

    RingWait(RingSocket socket) {
        this.socket = socket;
        this.name = socket.iface().getBytes(StandardCharsets.UTF_8);
        pollFds.clear();
        pollFds.setInt(RingLibc.POLLFD_FD_OFFSET, socket.fd());
        pollFds.setShort(RingLibc.POLLFD_EVENTS_OFFSET, RingLibc.POLLIN);
    }

    /** Waits until a block is handed over, an error comes, or the time passes; returns a fault, or null. */
    String waitForBlock(int millis) {
        pollFds.setShort(RingLibc.POLLFD_REVENTS_OFFSET, (short) 0);
        int rc = RingLibc.poll(pollFds, 1, millis);
        if (rc < 0) {
            int errno = Native.getLastError();
            return errno == RingLibc.EINTR ? null : "cannot wait for frames (poll: errno " + errno + ")";
        }
        if (rc > 0 && (pollFds.getShort(RingLibc.POLLFD_REVENTS_OFFSET) & RingLibc.POLLERR) != 0) {
            int error = socket.takeError();
            String state = interfaceState();
            if (state != null) {
                return state;
            }
            if (error == RingLibc.ENETDOWN) {
                return "the interface went down";
            }
            return error == 0 ? null : "socket error (errno " + error + ")";
        }
        return null;
    }

    /** Null while the interface is there and up; otherwise what happened to it. */
    String interfaceState() {
        int index = RingLibc.if_nametoindex(socket.iface());
        if (index == 0 || index != socket.ifindex()) {
            return "the interface disappeared"; // gone, or made again with the same name
        }
        int flags;
        try {
            flags = RingSocket.ifreqShort(socket.fd(), ifreq, name, RingLibc.SIOCGIFFLAGS);
        } catch (CaptureException e) {
            return e instanceof io.portwatch.capture.libpcap.InterfaceNotThereException ? "the interface disappeared" : null;
        }
        return (flags & RingLibc.IFF_UP) == 0 ? "the interface went down" : null;
    }

    @Override
    public void close() {
        pollFds.close();
        ifreq.close();
    }
}
