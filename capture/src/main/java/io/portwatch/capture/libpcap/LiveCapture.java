package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.PacketSource;

/**
 * One capture of a live interface, whichever way it reads: libpcap's ({@link LibpcapLiveSource}) or the
 * kernel's TPACKET_V3 ring read in place ({@code io.portwatch.capture.ring.RingLiveSource}).
 * {@link ReattachingLiveSource} replaces one that failed with a new one from its {@link Opener}.
 */
public interface LiveCapture extends PacketSource {

    /** The link type of the frames, as {@code PacketSink#onPacket} reports it (e.g. 1 for Ethernet). */
    int linkType();

    /** A warning of the opening (e.g. promiscuous mode not supported), or null. */
    String warning();

    /** The capture's counters now, since it was opened; after {@link #close()} the last known ones. */
    CaptureStats health();

    /** How it captures, in a few words for the "listening on" line, e.g. {@code libpcap}. */
    default String method() {
        return "libpcap";
    }

    /**
     * What to do about a permission failure, as every live capture says it: {@code run as root, or grant the
     * capabilities with: setcap cap_net_raw,cap_net_admin=eip <this java binary>}.
     */
    static String permissionAdvice() {
        return LiveActivation.permissionAdvice();
    }

    /** Opens an interface for capture with the given options; how a capture is made again after a fault. */
    @FunctionalInterface
    interface Opener {

        /**
         * @throws CaptureException one line that starts with the interface name; an
         *                          {@link InterfaceNotThereException} while it is down or away
         */
        LiveCapture open(String iface, LiveOptions options) throws CaptureException;
    }
}
