package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.ports.PortPeers;

import java.util.concurrent.locks.LockSupport;

import static io.portwatch.analysis.DetectionEvents.CLIENT_HI;
import static io.portwatch.analysis.DetectionEvents.CLIENT_LO;
import static io.portwatch.analysis.DetectionEvents.DETAIL;
import static io.portwatch.analysis.DetectionEvents.SERVER_HI;
import static io.portwatch.analysis.DetectionEvents.SERVER_LO;
import static io.portwatch.analysis.DetectionEvents.TIME;

/**
 * The thread that owns the detectors, the ports' distinct counters and the record sink, fed by packet
 * threads over {@link StageLink}s: {@link DetectionStage} for one packet thread, {@link MergingStage} for
 * several. What they share: the thread, how a failure there reaches the packet threads, and the detectors'
 * events, which both hand on alike.
 */
abstract class Stage {

    final Detection detection;
    final PortPeers peers;
    final RecordSink sink;
    private final Thread thread;
    private volatile Throwable failure;
    private volatile boolean failed;

    /**
     * @param detection the detectors (null when off), owned by the stage's thread from now on
     * @param peers     the ports' distinct clients and servers, owned by the stage's thread from now on
     * @param sink      where records go, called on the stage's thread only
     * @param name      names the thread
     */
    Stage(Detection detection, PortPeers peers, RecordSink sink, String name) {
        this.detection = detection;
        this.peers = peers;
        this.sink = sink;
        this.thread = new Thread(this::consume, "detect-" + name);
        thread.setDaemon(true); // a packet thread that fails leaves nothing waiting at exit
    }

    /** Starts the stage's thread; once its links are made. */
    final void start() {
        thread.start();
    }

    /** The stage's loop, on its thread, until every link stopped. */
    abstract void consume();

    /** A link wrote its last event (on that link's packet thread). */
    abstract void linkStopped();

    /** Records what failed on the stage's thread; the stage discards what follows. */
    final void fail(Throwable t) {
        failed = true;
        failure = t;
    }

    /** What failed on the stage's thread, once (to the first packet thread that asks); else null. */
    final Throwable takeFailure() {
        Throwable t = failure;
        if (t != null) {
            failure = null;
        }
        return t;
    }

    /** Whether anything failed on the stage's thread. */
    final boolean failed() {
        return failed;
    }

    final boolean isAlive() {
        return thread.isAlive();
    }

    /**
     * Cuts the stage's sleep short (from a packet thread about to wait for it): a stage sleeps up to
     * {@link DetectionStage#PARK_NANOS} or {@link BackoffIdleStrategy#STAGE_PARK_NANOS} (merging) between looks at
     * its rings, which a packet thread should not wait out at every window.
     */
    final void wake() {
        LockSupport.unpark(thread);
    }

    /** Waits for the stage's thread to end. */
    final void join() {
        join(thread);
    }

    /** Waits for a thread to end, an interrupt kept for after. */
    static void join(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Throws what failed on another thread on this one: as it is when unchecked, else wrapped. */
    static void rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    /**
     * Hands a detectors' event on (SYN ... FAILURE, TIME_TICK); false when {@code kind} is not one of them.
     */
    final boolean detectorEvent(int kind, long[] w, int i) {
        final Detection d = detection;
        final long cHi = w[i + CLIENT_HI], cLo = w[i + CLIENT_LO], sHi = w[i + SERVER_HI], sLo = w[i + SERVER_LO];
        final long x = w[i + DETAIL];
        final long t = w[i + TIME];
        switch (kind) {
            case DetectionEvents.SYN -> d.syn(cHi, cLo, sHi, sLo, DetectionEvents.port(x), t);
            case DetectionEvents.ESTABLISHED -> d.established(cHi, cLo, sHi, sLo, DetectionEvents.port(x), t);
            case DetectionEvents.TCP_ANSWER -> d.tcpAnswer(cHi, cLo, sHi, sLo, DetectionEvents.port(x),
                    DetectionEvents.flowFlags(x), DetectionEvents.flags(x), t);
            case DetectionEvents.UDP_ANSWER -> d.udpAnswer(cHi, cLo, sHi, sLo, DetectionEvents.port(x), t);
            case DetectionEvents.NEW_FLOW -> d.newFlow(DetectionEvents.protocol(x), cHi, cLo, sHi, sLo,
                    DetectionEvents.port(x), t);
            case DetectionEvents.FAILURE -> d.failure(DetectionEvents.protocol(x), cHi, cLo, sHi, sLo,
                    DetectionEvents.port(x), DetectionEvents.probeKind(x), t);
            case DetectionEvents.TIME_TICK -> d.onTime(t);
            default -> {
                return false;
            }
        }
        return true;
    }
}
