package io.portwatch.capture.libpcap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The C library calls live capture makes besides libpcap's (JNA direct mapping): {@code poll}, to
 * wait for frames with a timeout that libpcap's blocking read does not honour on Linux,
 * {@code ioctl(SIOCGIFFLAGS)}, to see that the interface went down, which libpcap does not report, and
 * the user and group calls with which {@link PrivilegeDrop} gives root up (those that fail throw with errno).
 */
final class LiveLibc {

    /** {@code struct pollfd}: {@code int fd; short events; short revents;}. */
    static final int POLLFD_FD_OFFSET = 0;
    static final int POLLFD_EVENTS_OFFSET = 4;
    static final int POLLFD_REVENTS_OFFSET = 6;
    static final int POLLFD_SIZE = 8;
    static final short POLLIN = 0x1;

    /** {@code struct ifreq}: {@code char ifr_name[IFNAMSIZ]} then a union holding {@code short ifr_flags}. */
    static final int IFNAMSIZ = 16;
    static final int IFREQ_FLAGS_OFFSET = IFNAMSIZ;
    static final int IFREQ_SIZE = 40;
    static final int IFF_UP = 0x1;
    /** Linux's {@code SIOCGIFFLAGS}; other systems number it differently. */
    static final NativeLong SIOCGIFFLAGS = new NativeLong(0x8913);

    /** Linux {@code errno} values for a device that no longer exists. */
    static final int ENXIO = 6;
    static final int ENODEV = 19;
    static final int EINTR = 4;

    static {
        Native.register(LiveLibc.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LiveLibc() {
    }

    /** Whether the interface-flags check uses numbers valid on this system. */
    static boolean canReadInterfaceFlags() {
        return Platform.isLinux();
    }

    static native int poll(Pointer fds, NativeLong nfds, int timeoutMillis);

    static native int ioctl(int fd, NativeLong request, Pointer arg);

    static native Pointer getpwnam(String name);

    static native Pointer getgrnam(String name);

    static native int initgroups(String user, int group) throws LastErrorException;

    static native int setgroups(NativeLong size, Pointer list) throws LastErrorException;

    static native int setgid(int gid) throws LastErrorException;

    static native int setuid(int uid) throws LastErrorException;

    static native int getuid();

    static native int geteuid();

    static native int getgid();

    static native int getegid();
}
