package io.portwatch.capture.libpcap;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.portwatch.capture.source.CaptureException;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Opens an interface for {@link LibpcapLiveSource}: {@code pcap_create}, the options ({@code pcap_set_*}),
 * {@code pcap_activate}, the filter and non-blocking reads. libpcap's failures become one-line messages
 * that name the interface and what to do (no such interface: the ones there are; no permission: the
 * {@code setcap} line for this very java binary), its warnings a line the user is shown.
 *
 * <p>Apart from the source, which reads the activated handle: opening is a sequence of libpcap calls and
 * their messages, run once; reading is the loop run for every frame.
 */
final class LiveActivation {

    /**
     * An activated handle.
     *
     * @param handle  the handle, capturing into the kernel buffer
     * @param warning libpcap's warning on activation, or null
     * @param fd      the descriptor to wait on in {@code poll} (the handle is then non-blocking), or -1
     */
    record Activated(PcapHandle handle, String warning, int fd) {
    }

    /**
     * The interface is not there to capture: no such interface, or it is down. What opening an interface
     * that went away gives until it is back, which {@link ReattachingLiveSource} does not report.
     */
    static final class NotThere extends InterfaceNotThereException {
        NotThere(String message) {
            super(message);
        }
    }

    private LiveActivation() {
    }

    /**
     * Creates, sets up and activates a handle for the interface; closes it on a failure. libpcap must be loaded.
     *
     * @throws CaptureException when the interface does not exist or is down, this process may not capture,
     *                          an option or the filter is refused; the message starts with the interface
     */
    static Activated activate(String iface, LiveOptions options) throws CaptureException {
        PcapHandle handle = PcapHandle.create(iface);
        Pointer p = handle.pointer();
        try {
            set(p, iface, "snapshot length", LibpcapNative.pcap_set_snaplen(p, options.snaplen()));
            set(p, iface, "promiscuous mode", LibpcapNative.pcap_set_promisc(p, options.promiscuous() ? 1 : 0));
            set(p, iface, "buffer size", LibpcapNative.pcap_set_buffer_size(p, options.bufferSizeBytes()));
            set(p, iface, "immediate mode", LibpcapNative.pcap_set_immediate_mode(p, options.immediate() ? 1 : 0));
            set(p, iface, "timeout", LibpcapNative.pcap_set_timeout(p, options.timeoutMillis()));
            // PCAP_ERROR_TSTAMP_PRECISION_NOTSUP leaves microseconds, which the frames are then read in.
            LibpcapNative.pcap_set_tstamp_precision(p, LibpcapNative.TSTAMP_PRECISION_NANO);
            int rc = LibpcapNative.pcap_activate(p);
            if (rc < 0) {
                throw activationFailure(iface, p, rc);
            }
            String warning = rc > 0 ? activationWarning(p, rc) : null;
            if (options.filter() != null) {
                handle.setFilter(options.filter(), netmask(iface));
            }
            int fd = LibpcapNative.pcap_get_selectable_fd(p);
            if (fd >= 0) {
                try (Memory errbuf = new Memory(LibpcapNative.ERRBUF_SIZE)) {
                    errbuf.setByte(0, (byte) 0);
                    if (LibpcapNative.pcap_setnonblock(p, 1, errbuf) != 0) {
                        throw new CaptureException(CaptureException.Reason.USAGE, iface + ": cannot read without blocking: "
                                + CaptureException.oneLine(errbuf.getString(0)));
                    }
                }
            }
            return new Activated(handle, warning, fd);
        } catch (CaptureException | RuntimeException | Error e) {
            handle.close();
            throw e;
        }
    }

    private static void set(Pointer p, String iface, String what, int rc) throws CaptureException {
        if (rc != 0) {
            throw new CaptureException(CaptureException.Reason.USAGE, iface + ": cannot set the " + what + ": " + statusText(p, rc));
        }
    }

    private static CaptureException activationFailure(String iface, Pointer p, int rc) {
        switch (rc) {
            case LibpcapNative.ERROR_NO_SUCH_DEVICE: {
                String names = CaptureInterfaces.namesOrNull();
                return new NotThere(iface + ": no such interface"
                        + (names == null ? "" : " (interfaces: " + names + ")"));
            }
            case LibpcapNative.ERROR_PERM_DENIED:
                return new CaptureException(CaptureException.Reason.UNAVAILABLE, iface + ": no permission to capture: " + permissionAdvice());
            case LibpcapNative.ERROR_PROMISC_PERM_DENIED:
                return new CaptureException(CaptureException.Reason.UNAVAILABLE,
                        iface + ": no permission to capture in promiscuous mode: "
                        + permissionAdvice());
            case LibpcapNative.ERROR_IFACE_NOT_UP:
                return new NotThere(iface + ": the interface is down");
            default:
                return new CaptureException(CaptureException.Reason.USAGE, iface + ": " + statusText(p, rc));
        }
    }

    /** What to do about a permission failure, naming the real java binary for {@code setcap}. */
    static String permissionAdvice() {
        return "run as root, or grant the capabilities with: setcap cap_net_raw,cap_net_admin=eip " + javaBinary();
    }

    /** The running JVM's {@code java} executable with symbolic links resolved ({@code setcap} needs the file). */
    static String javaBinary() {
        String command = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        try {
            return Path.of(command).toRealPath().toString();
        } catch (IOException | InvalidPathException | SecurityException e) {
            return command;
        }
    }

    private static String activationWarning(Pointer p, int rc) {
        String text = LibpcapNative.lastError(p);
        boolean blank = text.isBlank() || "unknown error".equals(text);
        return switch (rc) {
            case LibpcapNative.WARNING_PROMISC_NOTSUP -> "promiscuous mode is not supported" + (blank ? "" : ": " + text);
            case LibpcapNative.WARNING_TSTAMP_TYPE_NOTSUP -> "the time stamp type is not supported";
            default -> blank ? statusText(p, rc) : text;
        };
    }

    /** libpcap's message for the handle, or its text for the status code when the handle has none. */
    private static String statusText(Pointer p, int rc) {
        String text = p == null ? "" : LibpcapNative.lastError(p);
        if (text.isBlank() || "unknown error".equals(text)) {
            text = CaptureException.oneLine(LibpcapNative.pcap_statustostr(rc));
        }
        return text;
    }

    /** The device's IPv4 netmask, for {@code ip broadcast}; unknown when it has no IPv4 address. */
    private static int netmask(String iface) {
        try (Memory net = new Memory(4); Memory mask = new Memory(4);
             Memory errbuf = new Memory(LibpcapNative.ERRBUF_SIZE)) {
            return LibpcapNative.pcap_lookupnet(iface, net, mask, errbuf) == 0
                    ? mask.getInt(0) : LibpcapNative.NETMASK_UNKNOWN;
        }
    }
}
