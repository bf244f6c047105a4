package io.portwatch.capture.libpcap;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.PacketSink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Objects;

/**
 * Captures frames from a network interface through the system's libpcap ({@code pcap_create},
 * {@code pcap_activate}), with nanosecond timestamps where the platform gives them.
 *
 * <p>{@link #run} reads on the calling thread until {@link #stop()}: frames are copied into one
 * reusable big-endian buffer, allocating nothing per frame. The handle is non-blocking and the thread
 * waits in {@code poll} for at most {@value #IDLE_MILLIS} ms at a time, because libpcap's own blocking
 * read on Linux (TPACKET_V3) does not return while no frame comes, whatever the timeout. Each wakeup
 * reads every frame the kernel has handed over. Whenever the kernel buffer is empty and
 * {@value #IDLE_MILLIS} ms have passed since the last call, the sink gets {@link PacketSink#onIdle} with
 * the wall clock; on Linux the interface is then also checked to be up, since libpcap keeps waiting on
 * an interface that was taken down.
 *
 * <p>Buffered (not immediate) mode, the default, costs far less per frame than immediate mode: on Linux
 * libpcap then uses TPACKET_V3, where the kernel fills blocks of frames and wakes the reader once a block
 * is full or its timeout ({@link LiveOptions#timeoutMillis()}) has passed, while immediate mode wakes it
 * for every frame. A stop therefore first reads what the kernel hands over within that timeout, so that
 * the frames captured before the stop are delivered.
 *
 * <p>Faults are one-line {@link CaptureException}s that start with the interface name; the capture then
 * ends. {@link ReattachingLiveSource} opens the interface again after one, with a new source.
 *
 * <p>This class is the reading; opening the interface is {@link LiveActivation}'s, waiting in {@code poll}
 * and checking the interface {@link LiveWait}'s, and the handle's lifecycle (stop, close, release)
 * {@link PcapHandle}'s.
 */
public final class LibpcapLiveSource implements LiveCapture {

    /** The longest wait for frames, hence the longest time between idle calls and a stop's latency. */
    static final int IDLE_MILLIS = PacketSink.IDLE_MILLIS;
    private static final long IDLE_NANOS = IDLE_MILLIS * 1_000_000L;
    private static final int MIN_BUFFER = 2048;
    /** Beyond the buffer timeout, how long a stop waits for the kernel's last block. */
    private static final int DRAIN_MARGIN_MILLIS = 20;
    private static final int MAX_INITIAL_BUFFER = 256 * 1024;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final String iface;
    private final int linkType;
    private final boolean nanoTimestamps;
    private final String warning;
    /** How long a stop keeps reading for frames the kernel still holds in a block. */
    private final long drainNanos;
    /** {@code pcap_pkthdr} as 32-bit words, read with one call per frame (sized once libpcap is loaded). */
    private final int[] headerWords = new int[LibpcapNative.PKTHDR_SIZE / 4];
    private final long[] pointers = new long[2];
    private final Memory outPointers = new Memory(2L * Native.POINTER_SIZE);
    /** Waits for frames and checks the interface, where libpcap gives a descriptor; else null (blocking reads). */
    private final LiveWait wait;
    private final Pointer header = new Pointer(0);
    private final Pointer data = new Pointer(0);

    private final PcapHandle handle;
    private ByteBuffer buffer;

    private LibpcapLiveSource(String iface, PcapHandle handle, int snaplen, String warning, LiveWait wait,
                              long drainNanos) {
        this.iface = iface;
        this.drainNanos = drainNanos;
        this.handle = handle;
        this.warning = warning;
        this.wait = wait;
        this.linkType = handle.linkType();
        this.nanoTimestamps =
                LibpcapNative.pcap_get_tstamp_precision(handle.pointer()) == LibpcapNative.TSTAMP_PRECISION_NANO;
        this.buffer = ByteBuffer.allocate(Math.max(MIN_BUFFER, Math.min(snaplen, MAX_INITIAL_BUFFER)));
    }

    /**
     * Opens an interface for capture and starts capturing into the kernel buffer; frames are read by
     * {@link #run}.
     *
     * @param iface   the interface, as {@link CaptureInterfaces#list()} names it (e.g. {@code eth0},
     *                {@code any})
     * @param options snapshot length, promiscuous and immediate modes, buffer size, timeout, filter
     * @throws CaptureException when libpcap is missing, the interface does not exist or is down, this
     *                          process may not capture, or the filter is invalid; the message names
     *                          the interface and, where it helps, what to do
     */
    public static LibpcapLiveSource open(String iface, LiveOptions options) throws CaptureException {
        Objects.requireNonNull(iface, "iface");
        Objects.requireNonNull(options, "options");
        Libpcap.load();
        LiveActivation.Activated a = LiveActivation.activate(iface, options);
        LiveWait wait = null;
        try {
            wait = a.fd() >= 0 ? LiveWait.open(iface, a.fd()) : null;
            long drain = options.immediate() ? 0 : (options.timeoutMillis() + DRAIN_MARGIN_MILLIS) * 1_000_000L;
            return new LibpcapLiveSource(iface, a.handle(), options.snaplen(), a.warning(), wait, drain);
        } catch (RuntimeException | Error e) {
            a.handle().close();
            if (wait != null) {
                wait.close();
            }
            throw e;
        }
    }

    @Override
    public String name() {
        return iface;
    }

    /** The link type of the frames, as {@link PacketSink#onPacket} reports it (e.g. 1 for Ethernet). */
    @Override
    public int linkType() {
        return linkType;
    }

    /** Whether the timestamps come with nanosecond precision (else microseconds, scaled). */
    public boolean nanosecondTimestamps() {
        return nanoTimestamps;
    }

    /** libpcap's warning on activation (e.g. promiscuous mode not supported), or null. */
    @Override
    public String warning() {
        return warning;
    }

    /**
     * Delivers frames (that pass the filter) to the sink until {@link #stop()}, and calls
     * {@link PacketSink#onIdle} at most every {@value #IDLE_MILLIS} ms whenever no frame is waiting.
     *
     * @throws CaptureException when the interface goes down or disappears, or libpcap fails, after the
     *                          frames captured before; the message starts with the interface name
     */
    @Override
    public void run(PacketSink sink) throws CaptureException {
        Objects.requireNonNull(sink, "sink");
        Pointer p = handle.beginRead();
        try {
            String fault = wait != null ? readPolling(p, sink) : readBlocking(p, sink);
            if (fault != null) {
                throw new CaptureException(iface + ": " + fault);
            }
        } finally {
            handle.endRead();
        }
    }

    /**
     * Non-blocking reads, waiting in {@code poll}; returns the fault, or null after a stop. After a stop
     * it keeps reading until the kernel buffer is empty once the drain time has passed.
     */
    private String readPolling(Pointer p, PacketSink sink) {
        final Pointer headerOut = outPointers.share(0);
        final Pointer dataOut = outPointers.share(Native.POINTER_SIZE);
        long nextIdle = System.nanoTime() + IDLE_NANOS;
        boolean draining = false;
        long drainEnd = 0;
        for (;;) {
            if (handle.stopRequested()) {
                if (!draining) {
                    draining = true;
                    drainEnd = System.nanoTime() + drainNanos;
                } else if (System.nanoTime() - drainEnd >= 0) {
                    return null; // the time is up, even while frames keep coming
                }
            }
            int rc = LibpcapNative.pcap_next_ex(p, headerOut, dataOut);
            if (rc == 1) {
                deliver(sink);
                continue;
            }
            if (rc == LibpcapNative.ERROR_BREAK) {
                continue; // stop() called pcap_breakloop
            }
            if (rc != 0) {
                return LibpcapNative.lastError(p);
            }
            // The kernel buffer is empty: everything captured so far has been delivered.
            if (draining) {
                long left = drainEnd - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                String fault = wait.waitForFrames((int) ((left + 999_999) / 1_000_000));
                if (fault != null) {
                    return fault;
                }
                continue;
            }
            long idleIn = nextIdle - System.nanoTime();
            if (idleIn <= 0) {
                String down = wait.interfaceState();
                if (down != null) {
                    return down;
                }
                sink.onIdle(wallClockNanos());
                nextIdle = System.nanoTime() + IDLE_NANOS;
                continue;
            }
            String fault = wait.waitForFrames((int) ((idleIn + 999_999) / 1_000_000));
            if (fault != null) {
                return fault;
            }
        }
    }

    /** Blocking reads, where libpcap gives no descriptor to wait on; returns the fault, or null after a stop. */
    private String readBlocking(Pointer p, PacketSink sink) {
        final Pointer headerOut = outPointers.share(0);
        final Pointer dataOut = outPointers.share(Native.POINTER_SIZE);
        long nextIdle = System.nanoTime() + IDLE_NANOS;
        while (!handle.stopRequested()) {
            int rc = LibpcapNative.pcap_next_ex(p, headerOut, dataOut);
            if (rc == 1) {
                deliver(sink);
            } else if (rc == 0) {
                if (System.nanoTime() - nextIdle >= 0) {
                    sink.onIdle(wallClockNanos());
                    nextIdle = System.nanoTime() + IDLE_NANOS;
                }
            } else if (rc != LibpcapNative.ERROR_BREAK) {
                return LibpcapNative.lastError(p);
            }
        }
        return null;
    }

    private static long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * Hands the frame {@code pcap_next_ex} returned to the sink: three native reads (the two pointers,
     * the header, the frame), not one per field.
     */
    private void deliver(PacketSink sink) {
        final long[] ptr = pointers;
        if (Native.POINTER_SIZE == 8) {
            outPointers.read(0, ptr, 0, 2);
        } else {
            ptr[0] = outPointers.getInt(0) & 0xFFFF_FFFFL;
            ptr[1] = outPointers.getInt(Native.POINTER_SIZE) & 0xFFFF_FFFFL;
        }
        Pointer.nativeValue(header, ptr[0]);
        Pointer.nativeValue(data, ptr[1]);
        final int[] h = headerWords;
        header.read(0, h, 0, h.length);
        long seconds = nativeLong(h, LibpcapNative.PKTHDR_TV_SEC_OFFSET / 4);
        long fraction = nativeLong(h, LibpcapNative.PKTHDR_TV_FRAC_OFFSET / 4);
        int capturedLength = h[LibpcapNative.PKTHDR_CAPLEN_OFFSET / 4];
        int originalLength = h[LibpcapNative.PKTHDR_LEN_OFFSET / 4];
        if (capturedLength < 0) {
            return; // libpcap caps caplen far below 2^31; never seen, but never index with it
        }
        ByteBuffer buf = buffer;
        if (capturedLength > buf.capacity()) {
            buf = ByteBuffer.allocate(Math.max(capturedLength, 2 * buf.capacity()));
            buffer = buf;
        }
        data.read(0, buf.array(), 0, capturedLength);
        if (originalLength < capturedLength) {
            originalLength = capturedLength;
        }
        long nanos = nanoTimestamps ? fraction : fraction * 1000L;
        sink.onPacket(linkType, seconds * 1_000_000_000L + nanos, buf, 0, capturedLength, originalLength);
    }

    /** A C {@code long} of the header, from its 32-bit words in native order. */
    private static long nativeLong(int[] words, int at) {
        if (NativeLong.SIZE == 4) {
            return words[at];
        }
        long first = words[at] & 0xFFFF_FFFFL;
        long second = words[at + 1] & 0xFFFF_FFFFL;
        return LITTLE_ENDIAN ? (second << 32) | first : (first << 32) | second;
    }

    /**
     * The capture's counters now ({@code pcap_stats}, a system call on Linux): cheap enough to call
     * once per report window. After {@link #close()}, or if libpcap cannot tell, the last known ones.
     */
    @Override
    public CaptureStats health() {
        return handle.health();
    }

    /**
     * Asks a running {@link #run} to return, within about {@value #IDLE_MILLIS} ms (in buffered mode
     * after reading, for up to the buffer timeout, what the kernel still holds); safe from any thread
     * (e.g. a signal handler). A stopped source stays stopped.
     */
    @Override
    public void stop() {
        handle.stop();
    }

    /**
     * Closes the libpcap handle; when {@link #run} is running on another thread it is stopped and the
     * handle is closed when it returns.
     */
    @Override
    public void close() {
        handle.close();
    }
}
