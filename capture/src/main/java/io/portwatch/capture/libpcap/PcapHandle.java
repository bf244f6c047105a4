package io.portwatch.capture.libpcap;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureStats;

/**
 * One libpcap handle ({@code pcap_t}) and its lifecycle, the same for a file and an interface: opened
 * ({@code pcap_open_offline}, or {@code pcap_create} then activated by the live source), given a filter,
 * read by one thread at a time, stopped from any thread ({@code pcap_breakloop}), closed from any thread,
 * and released ({@code pcap_close}) by whichever of the closer and the reader comes last, so that the
 * handle is never closed under a read.
 *
 * <p>The sources keep the reading itself (their loops differ: a file reads to its end, an interface waits
 * in {@code poll}); they take the pointer from {@link #beginRead} and give the handle back with
 * {@link #endRead}. Messages start with the name the handle was opened for (a path or an interface).
 */
final class PcapHandle {

    private final String name;
    /** Counters are read from an interface's handle only: libpcap has none for a file. */
    private final boolean live;
    /** Run after {@code pcap_close}, once (e.g. deleting a decompressed copy), or null. */
    private final Runnable afterRelease;
    /** {@code struct pcap_stat}, for live handles. */
    private final Memory stats;

    private Pointer pointer;
    private volatile boolean stopRequested;
    private boolean reading;
    private boolean closeRequested;
    private CaptureStats lastHealth = CaptureStats.NONE;

    private PcapHandle(String name, Pointer pointer, boolean live, Runnable afterRelease) {
        this.name = name;
        this.pointer = pointer;
        this.live = live;
        this.afterRelease = afterRelease;
        this.stats = live ? new Memory(LibpcapNative.STAT_SIZE) : null;
    }

    /**
     * Opens a capture file, with nanosecond timestamps; libpcap must be loaded.
     *
     * @param name         the input as the user named it, for messages
     * @param readPath     the file libpcap reads (a decompressed copy, or the path itself, or {@code -})
     * @param afterRelease run once after the handle is closed, or null
     * @throws CaptureException {@code NAME: <libpcap's reason>} when it cannot be opened or is not a capture
     */
    static PcapHandle openOffline(String name, String readPath, Runnable afterRelease) throws CaptureException {
        try (Memory errbuf = new Memory(LibpcapNative.ERRBUF_SIZE)) {
            errbuf.setByte(0, (byte) 0);
            Pointer p = LibpcapNative.pcap_open_offline_with_tstamp_precision(readPath,
                    LibpcapNative.TSTAMP_PRECISION_NANO, errbuf);
            if (p == null) {
                throw new CaptureException(name + ": " + stripPath(errbuf.getString(0), readPath));
            }
            return new PcapHandle(name, p, false, afterRelease);
        }
    }

    /**
     * Creates a handle for an interface, not yet activated: the live source sets its options and activates
     * it through {@link #pointer()}, and closes it on a failure; libpcap must be loaded.
     *
     * @throws CaptureException {@code IFACE: <libpcap's reason>}
     */
    static PcapHandle create(String iface) throws CaptureException {
        try (Memory errbuf = new Memory(LibpcapNative.ERRBUF_SIZE)) {
            errbuf.setByte(0, (byte) 0);
            Pointer p = LibpcapNative.pcap_create(iface, errbuf);
            if (p == null) {
                throw new CaptureException(CaptureException.Reason.USAGE, iface + ": " + CaptureException.oneLine(errbuf.getString(0)));
            }
            return new PcapHandle(iface, p, true, null);
        }
    }

    /** The name messages start with. */
    String name() {
        return name;
    }

    /** The handle, for setting it up before it is read; null once released. */
    synchronized Pointer pointer() {
        return pointer;
    }

    /** The link type of the frames, as capture files number it (see {@link #linkTypeOfDlt}). */
    int linkType() {
        return linkTypeOfDlt(LibpcapNative.pcap_datalink(pointer()));
    }

    /** The handle's last error message, on one line. */
    String lastError() {
        return LibpcapNative.lastError(pointer());
    }

    /**
     * Compiles a filter expression ({@code pcap_compile}, optimized) and sets it on the handle, so that
     * libpcap (or the kernel, live) drops the frames that do not match.
     *
     * @param netmask the IPv4 netmask for {@code ip broadcast}, or {@link LibpcapNative#NETMASK_UNKNOWN}
     * @throws CaptureException {@code NAME: invalid filter "EXPR": <libpcap's text>}, or cannot set it
     */
    void setFilter(String expression, int netmask) throws CaptureException {
        Pointer p = pointer();
        try (Memory program = new Memory(LibpcapNative.PROGRAM_SIZE)) {
            program.clear();
            synchronized (BpfCompiler.COMPILE_LOCK) {
                if (LibpcapNative.pcap_compile(p, program, expression, 1, netmask) != 0) {
                    throw new CaptureException(CaptureException.Reason.USAGE,
                            name + ": invalid filter \"" + expression + "\": " + LibpcapNative.lastError(p));
                }
            }
            try {
                if (LibpcapNative.pcap_setfilter(p, program) != 0) {
                    throw new CaptureException(CaptureException.Reason.USAGE,
                            name + ": cannot set filter \"" + expression + "\": " + LibpcapNative.lastError(p));
                }
            } finally {
                LibpcapNative.pcap_freecode(program);
            }
        }
    }

    /**
     * Takes the handle for a {@code run}: it is released after {@link #endRead}, not under the read.
     *
     * @throws CaptureException       {@code NAME: source is closed}
     * @throws IllegalStateException  when another read holds it
     */
    synchronized Pointer beginRead() throws CaptureException {
        if (pointer == null || closeRequested) {
            throw new CaptureException(name + ": source is closed");
        }
        if (reading) {
            throw new IllegalStateException(name + ": run() is already running");
        }
        reading = true;
        return pointer;
    }

    /** Gives the handle back after a read; releases it if it was closed meanwhile. */
    synchronized void endRead() {
        reading = false;
        if (closeRequested) {
            release();
        }
    }

    /**
     * Takes the handle for a merge's cursor, which reads it a frame at a time until {@link #closeFromReader}.
     *
     * @throws IllegalStateException when it is closed or already being read
     */
    synchronized Pointer beginCursor() {
        if (pointer == null || closeRequested || reading) {
            throw new IllegalStateException(name + (reading ? " is already running" : " is closed"));
        }
        reading = true;
        return pointer;
    }

    /** The reader is done with the handle for good (a merge's cursor closing): releases it. */
    synchronized void closeFromReader() {
        reading = false;
        closeRequested = true;
        release();
    }

    /** Whether {@link #stop()} was called; the read loops check it between frames. */
    boolean stopRequested() {
        return stopRequested;
    }

    /** Asks the read to return ({@code pcap_breakloop}); from any thread; a stopped handle stays stopped. */
    void stop() {
        stopRequested = true;
        synchronized (this) {
            if (pointer != null) {
                LibpcapNative.pcap_breakloop(pointer);
            }
        }
    }

    /** Stops and releases the handle, now, or when the read holding it returns. */
    void close() {
        stop();
        synchronized (this) {
            closeRequested = true;
            if (!reading) {
                release();
            }
        }
    }

    /**
     * The capture's counters now ({@code pcap_stats}) for an interface; after release, or when libpcap
     * cannot tell, the last known ones; none for a file.
     */
    synchronized CaptureStats health() {
        if (live && pointer != null && LibpcapNative.pcap_stats(pointer, stats) == 0) {
            lastHealth = new CaptureStats(
                    stats.getInt(LibpcapNative.STAT_RECV_OFFSET) & 0xFFFF_FFFFL,
                    stats.getInt(LibpcapNative.STAT_DROP_OFFSET) & 0xFFFF_FFFFL,
                    stats.getInt(LibpcapNative.STAT_IFDROP_OFFSET) & 0xFFFF_FFFFL);
        }
        return lastHealth;
    }

    private void release() {
        if (pointer != null) {
            health(); // keep an interface's final counters for after the close
            LibpcapNative.pcap_close(pointer);
            pointer = null;
            if (afterRelease != null) {
                afterRelease.run();
            }
        }
    }

    /** Drops libpcap's own "path: " prefix, so that the path is named once. */
    private static String stripPath(String message, String readPath) {
        String m = CaptureException.oneLine(message);
        String prefix = readPath + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /**
     * The file's LINKTYPE_ value for libpcap's DLT_ value: libpcap maps the few link types whose DLT_
     * numbers differ between platforms to the local DLT_; frames are reported with the value the file
     * holds, as the pure-Java reader reports them.
     */
    static int linkTypeOfDlt(int dlt) {
        return switch (dlt) {
            case 11 -> 100; // ATM_RFC1483
            case 12, 14 -> 101; // RAW
            case 15 -> 102; // SLIP_BSDOS
            case 16 -> 103; // PPP_BSDOS
            case 19 -> 106; // ATM_CLIP (Linux)
            default -> dlt;
        };
    }
}
