package io.portwatch.capture.ring;

import io.portwatch.capture.libpcap.InterfaceNotThereException;
import io.portwatch.capture.libpcap.LiveCapture;
import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.PacketSink;

import java.time.Instant;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * Captures an Ethernet, loopback or raw IP interface on Linux from the kernel's TPACKET_V3 ring, read in place: the
 * socket and the ring are set up once ({@link RingSocket}), then frames are handed to the sink as slices of
 * the mapping ({@link PacketRing}), with no native call and no copy per frame. libpcap
 * ({@code LibpcapLiveSource}) reads the same kind of ring, but portwatch reaches it through a JNA call and a
 * copy per frame: capturing and decoding cost the capture thread 0.26-0.28 µs per frame through libpcap,
 * 0.07-0.08 µs from this source (bench/capture-cost, 100,000 and 200,000 frames/s, results/capture-cost-*).
 * The rest of portwatch's cost per packet (flows, ports, detection, output) is the analysis's, the same
 * either way.
 *
 * <p>{@link #run} reads on the calling thread until {@link #stop()}: each block the kernel handed over is
 * delivered and given back at once; when none is ready the thread waits in {@code poll} ({@link RingWait}) for
 * at most {@value #IDLE_MILLIS} ms, and whenever that long passed without a frame the interface is checked
 * and the sink gets {@link PacketSink#onIdle}. A block the kernel has not filled is handed over after the
 * block timeout ({@link RingGeometry#retireMillis()}), so a stop first reads for that long, and so does a
 * fault (the interface went down or away), so that the frames captured before are delivered.
 *
 * <p>Frames are those libpcap gives on the same interface (the loopback's sent copies skipped, VLAN tags put
 * back, cut at the snapshot length), with libpcap's link type: a packet socket's frames start with the
 * Ethernet header on Ethernet, veth and loopback (zero MACs) interfaces, and with the IP header on a device
 * that has no link-layer header (tun, WireGuard: raw IP, {@code DLT_RAW}); other hardware types are refused
 * ({@link RingUnavailableException}), and libpcap captures them (in its cooked mode, where it has one). Faults are one-line
 * {@link CaptureException}s that start with the interface name; {@code ReattachingLiveSource} opens the
 * interface again after one, with {@link #open} as its opener.
 *
 * <p>The counters ({@link #health()}) are the kernel's {@code PACKET_STATISTICS}, as libpcap's
 * {@code pcap_stats} reports them on Linux: received counts every frame that passed the filter, the dropped
 * ones among them; a frame the filter refused is not counted. The ring's freezes (every block was still this
 * reader's when a frame came) are counted beside them.
 */
public final class RingLiveSource implements LiveCapture {

    /** The longest wait for a block, hence the longest time between idle calls and a stop's latency. */
    static final int IDLE_MILLIS = PacketSink.IDLE_MILLIS;
    private static final long IDLE_NANOS = IDLE_MILLIS * 1_000_000L;
    /** Beyond the block timeout, how long a stop waits for the kernel's last block. */
    private static final int DRAIN_MARGIN_MILLIS = 20;

    private final String iface;
    private final RingSocket socket;
    private final PacketRing ring;
    private final RingWait wait;
    private final long drainNanos;
    private volatile boolean stopRequested;
    private boolean reading;
    private boolean closeRequested;
    private boolean released;

    private RingLiveSource(String iface, RingSocket socket, LiveOptions options) {
        this.iface = iface;
        this.socket = socket;
        RingGeometry g = socket.geometry();
        this.ring = new PacketRing(socket.buffer(), g.blockSize(), g.blockCount(), options.snaplen(),
                socket.linkType(), socket.loopback());
        this.wait = new RingWait(socket);
        this.drainNanos = (g.retireMillis() + DRAIN_MARGIN_MILLIS) * 1_000_000L;
    }

    /**
     * Opens an interface with a ring of {@code --buffer-size} bytes ({@link RingGeometry#of}), the filter in
     * the kernel; frames are read by {@link #run}.
     *
     * @throws InterfaceNotThereException when there is no such interface or it is down
     * @throws RingUnavailableException   when the ring cannot capture it here (not Linux, no permission, a
     *                                    hardware type other than Ethernet, loopback or raw IP): libpcap may
     * @throws CaptureException           when the filter is invalid; messages start with the interface name
     */
    public static RingLiveSource open(String iface, LiveOptions options) throws CaptureException {
        return open(iface, options, -1, null);
    }

    /**
     * As {@link #open(String, LiveOptions)}, joining a fanout group ({@code PACKET_FANOUT}'s argument, unsigned)
     * or not (-1), with the group's program for the interface's link-layer header length (or null: the mode needs
     * none).
     */
    static RingLiveSource open(String iface, LiveOptions options, long fanout, IntFunction<byte[]> fanoutProgram)
            throws CaptureException {
        Objects.requireNonNull(iface, "iface");
        Objects.requireNonNull(options, "options");
        RingSocket socket = RingSocket.open(iface, options, fanout, fanoutProgram);
        try {
            return new RingLiveSource(iface, socket, options);
        } catch (RuntimeException | Error e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return iface;
    }

    /** Ethernet, or raw IP on a device without a link-layer header: see the class comment. */
    @Override
    public int linkType() {
        return socket.linkType();
    }

    @Override
    public String warning() {
        return null;
    }

    /** {@code kernel ring, 64 blocks of 512 KiB}. */
    @Override
    public String method() {
        RingGeometry g = socket.geometry();
        return "kernel ring, " + g.blockCount() + " blocks of " + g.blockSize() / 1024 + " KiB";
    }

    /** The ring's shape: blocks, block size, block timeout. */
    public RingGeometry geometry() {
        return socket.geometry();
    }

    /**
     * Delivers frames (that pass the filter) to the sink until {@link #stop()}, and calls
     * {@link PacketSink#onIdle} at most every {@value #IDLE_MILLIS} ms whenever no frame is waiting.
     *
     * @throws CaptureException when the interface goes down or disappears, after the frames captured before;
     *                          the message starts with the interface name
     */
    @Override
    public void run(PacketSink sink) throws CaptureException {
        Objects.requireNonNull(sink, "sink");
        beginRead();
        try {
            String fault = read(sink);
            if (fault != null) {
                throw new CaptureException(iface + ": " + fault);
            }
        } finally {
            endRead();
        }
    }

    /** The read loop; returns the fault, or null after a stop. */
    private String read(PacketSink sink) {
        final PacketRing r = ring;
        long nextIdle = System.nanoTime() + IDLE_NANOS;
        long drainEnd = 0;
        boolean draining = false;
        String fault = null;
        for (;;) {
            if (!draining && stopRequested) {
                draining = true;
                drainEnd = System.nanoTime() + drainNanos;
            }
            if (r.readBlock(sink) >= 0) {
                if (draining && System.nanoTime() - drainEnd >= 0) {
                    return fault; // the time is up, even while frames keep coming
                }
                continue;
            }
            // No block is ready: everything handed over so far has been delivered.
            long now = System.nanoTime();
            if (draining) {
                long left = drainEnd - now;
                if (left <= 0) {
                    return fault;
                }
                wait.waitForBlock((int) ((left + 999_999) / 1_000_000));
                continue;
            }
            long idleIn = nextIdle - now;
            if (idleIn <= 0) {
                fault = wait.interfaceState();
                if (fault == null) {
                    sink.onIdle(wallClockNanos());
                    nextIdle = System.nanoTime() + IDLE_NANOS;
                    continue;
                }
            } else {
                fault = wait.waitForBlock((int) ((idleIn + 999_999) / 1_000_000));
            }
            if (fault != null) {
                draining = true; // the kernel still hands over the block it was filling
                drainEnd = System.nanoTime() + drainNanos;
            }
        }
    }

    private static long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * The capture's counters now ({@code PACKET_STATISTICS}, a system call, added up since the opening):
     * cheap enough once per report window. After {@link #close()}, the last ones.
     */
    @Override
    public CaptureStats health() {
        return socket.health();
    }

    /** Whether the source's socket is still open (a fanout member then still holds its group). */
    boolean socketOpen() {
        return !socket.isClosed();
    }

    /** The id of the fanout group this source is a member of, as the kernel says, or -1. */
    int fanoutGroup() {
        return socket.fanoutGroup();
    }

    /** Blocks handed back early because an offset or length in them did not fit (never seen from a kernel). */
    public long malformedBlocks() {
        return ring.malformedBlocks();
    }

    /**
     * Asks a running {@link #run} to return, within about {@value #IDLE_MILLIS} ms after reading, for up to the
     * block timeout, what the kernel still holds; safe from any thread. A stopped source stays stopped.
     */
    @Override
    public void stop() {
        stopRequested = true;
    }

    /** Unmaps the ring and closes the socket; when {@link #run} is running, once it returns. */
    @Override
    public void close() {
        stop();
        synchronized (this) {
            closeRequested = true;
            if (!reading) {
                release();
            }
        }
    }

    private synchronized void beginRead() throws CaptureException {
        if (closeRequested) {
            throw new CaptureException(iface + ": source is closed");
        }
        if (reading) {
            throw new IllegalStateException(iface + ": run() is already running");
        }
        reading = true;
    }

    private synchronized void endRead() {
        reading = false;
        if (closeRequested) {
            release();
        }
    }

    private void release() {
        if (!released) {
            released = true;
            wait.close();
            socket.close();
        }
    }
}
