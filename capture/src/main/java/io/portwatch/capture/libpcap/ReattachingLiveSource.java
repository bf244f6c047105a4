package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.capture.source.PacketSource;

import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Captures an interface for as long as it is asked to, through its going down or away: when a capture
 * ({@link LibpcapLiveSource}, or the kernel ring's) fails, its handle is closed (its last counters kept), and the interface is
 * opened again on a {@link ReopenBackoff schedule}, with the same options and filter, until it can be (it
 * is up again, or made again with the same name) or until {@link #stop()}. Suricata's af-packet does the
 * same (it reopens the socket every half second, whatever the read error was); tcpdump and Zeek end
 * their capture instead.
 *
 * <p>Meanwhile the sink hears of the gap ({@link PacketSink#onCaptureDown}, {@link PacketSink#onCaptureUp},
 * on the wall clock) and gets {@link PacketSink#onIdle} as it does from a quiet capture, so that windows
 * go on closing on the clock. The counters ({@link #health()}) are those of every handle so far, added up,
 * so they only go up. One line says that capture stopped and why, one that it resumed; an attempt that
 * fails for another reason than the interface not being there (e.g. no permission any more, once
 * {@code live --user} gave up root) is said once per gap, and the attempts go on.
 *
 * <p>The reading is {@link LibpcapLiveSource}'s; this class only replaces it. Faults of the first
 * opening are the caller's, as with {@link LibpcapLiveSource#open}: an interface that never was there is
 * an error, one that goes away later is not.
 */
public final class ReattachingLiveSource implements PacketSource {

    private static final long IDLE_NANOS = PacketSink.IDLE_MILLIS * 1_000_000L;

    private final String iface;
    private final LiveOptions options;
    private final LiveCapture.Opener opener;
    private final ReopenBackoff backoff;
    private final Consumer<String> notices;
    private final int linkType;
    private final String warning;
    private final String method;
    /** Counted down by the first {@link #stop()}: cuts a wait between attempts short. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** The capture, or null while the interface is not captured; replaced under this object's lock. */
    private volatile LiveCapture current;
    /** The last counters of the handles closed so far, added up; under this object's lock. */
    private CaptureStats closedHandles = CaptureStats.NONE;
    private volatile boolean stopRequested;
    /** Attempts failed so far, carried over a capture that failed again soon (capture thread only). */
    private int failures;

    private ReattachingLiveSource(String iface, LiveOptions options, LiveCapture.Opener opener, ReopenBackoff backoff,
                                  Consumer<String> notices, LiveCapture first) {
        this.iface = iface;
        this.options = options;
        this.opener = opener;
        this.backoff = backoff;
        this.notices = notices;
        this.current = first;
        this.linkType = first.linkType();
        this.warning = first.warning();
        this.method = first.method();
    }

    /**
     * Opens an interface for capture, as {@link LibpcapLiveSource#open} does.
     *
     * @param notices takes the one-line notices of a gap (they start with the interface name); called on
     *                the capture thread
     * @throws CaptureException as {@link LibpcapLiveSource#open}: the interface must be there now
     */
    public static ReattachingLiveSource open(String iface, LiveOptions options, ReopenBackoff backoff,
                                             Consumer<String> notices) throws CaptureException {
        return open(iface, options, LibpcapLiveSource::open, backoff, notices);
    }

    /**
     * Opens an interface for capture with {@code opener} (libpcap's, or the kernel ring's), and again with it
     * after each fault.
     *
     * @throws CaptureException as the opener: the interface must be there now
     */
    public static ReattachingLiveSource open(String iface, LiveOptions options, LiveCapture.Opener opener,
                                             ReopenBackoff backoff, Consumer<String> notices) throws CaptureException {
        Objects.requireNonNull(opener, "opener");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(notices, "notices");
        return new ReattachingLiveSource(iface, options, opener, backoff, notices, opener.open(iface, options));
    }

    @Override
    public String name() {
        return iface;
    }

    /** The link type of the first capture's frames (each frame names its own). */
    public int linkType() {
        return linkType;
    }

    /** libpcap's warning on the first activation, or null. */
    public String warning() {
        return warning;
    }

    /** How the first capture captures ({@link LiveCapture#method()}); later ones are opened the same way. */
    public String method() {
        return method;
    }

    /** Whether the interface is being captured now (false while it is away, and once stopped). */
    public boolean capturing() {
        return current != null && !stopRequested;
    }

    /**
     * Delivers frames to the sink until {@link #stop()}, through any number of gaps.
     *
     * @throws CaptureException only when the source was closed before
     */
    @Override
    public void run(PacketSink sink) throws CaptureException {
        Objects.requireNonNull(sink, "sink");
        LiveCapture capture = current;
        if (capture == null) {
            throw new CaptureException(iface + ": source is closed");
        }
        for (;;) {
            long capturedFrom = System.nanoTime();
            String fault;
            try {
                capture.run(sink);
                return; // stopped
            } catch (CaptureException e) {
                fault = e.getMessage();
            }
            if (stopRequested) {
                return;
            }
            long downAt = wallClockNanos();
            retire(capture);
            sink.onCaptureDown(downAt);
            failures = backoff.failuresAfterCapture(failures, System.nanoTime() - capturedFrom);
            notices.accept(fault + "; opening it again " + backoff.describe());
            capture = reopen(sink);
            if (capture == null) {
                return; // stopped while away
            }
            long upAt = wallClockNanos();
            sink.onCaptureUp(upAt);
            notices.accept(iface + ": captured again, after " + ReopenBackoff.seconds(upAt - downAt) + " away");
        }
    }

    /** Closes a capture that failed and keeps its last counters. */
    private synchronized void retire(LiveCapture capture) {
        capture.close();
        closedHandles = closedHandles.plus(capture.health());
        current = null;
    }

    /**
     * Opens the interface again once it is there, waiting as the backoff says between attempts, the
     * clock going on meanwhile; null when stopped first.
     */
    private LiveCapture reopen(PacketSink sink) {
        boolean said = false;
        for (;;) {
            if (!idle(sink, backoff.delayNanos(failures))) {
                return null;
            }
            LiveCapture opened;
            try {
                opened = opener.open(iface, options);
            } catch (CaptureException e) {
                failures = Math.min(failures + 1, 62);
                if (!said && !(e instanceof InterfaceNotThereException)) {
                    said = true;
                    notices.accept(e.getMessage() + "; trying again " + backoff.describe() + " until stopped");
                }
                continue;
            }
            synchronized (this) {
                if (stopRequested) {
                    opened.close(); // nothing captured is read: its counters are not the window's
                    return null;
                }
                current = opened;
            }
            return opened;
        }
    }

    /**
     * Waits {@code nanos}, calling the sink's {@link PacketSink#onIdle} every {@link PacketSink#IDLE_MILLIS}
     * ms; false when stopped meanwhile.
     */
    private boolean idle(PacketSink sink, long nanos) {
        long end = System.nanoTime() + nanos;
        for (;;) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return !stopRequested;
            }
            try {
                if (stopped.await(Math.min(left, IDLE_NANOS), TimeUnit.NANOSECONDS)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            sink.onIdle(wallClockNanos());
        }
    }

    private static long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * The counters of every handle so far, added up: the closed ones' last, the open one's now (a system
     * call on Linux).
     */
    public synchronized CaptureStats health() {
        LiveCapture c = current;
        return c == null ? closedHandles : closedHandles.plus(c.health());
    }

    /**
     * Asks {@link #run} to return: at once while the interface is away, else as {@link LibpcapLiveSource#stop}
     * does. Safe from any thread (e.g. a signal handler); a stopped source stays stopped.
     */
    @Override
    public void stop() {
        stopRequested = true;
        stopped.countDown();
        synchronized (this) {
            if (current != null) {
                current.stop();
            }
        }
    }

    /** Stops and closes the capture (when {@link #run} is running, its handle once it returns). */
    @Override
    public void close() {
        stop();
        synchronized (this) {
            if (current != null) {
                current.close();
            }
        }
    }
}
