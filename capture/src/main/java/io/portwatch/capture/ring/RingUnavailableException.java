package io.portwatch.capture.ring;

import io.portwatch.capture.source.CaptureException;

/**
 * The kernel ring cannot capture this interface here (not Linux, no permission, a hardware type whose frames
 * start with neither an Ethernet header nor the IP header, the kernel refused the ring): a reason to capture with libpcap
 * instead, which {@code portwatch live} does, saying so on one line.
 */
public final class RingUnavailableException extends CaptureException {

    /** @param message one line that starts with the interface name */
    public RingUnavailableException(String message) {
        super(Reason.UNAVAILABLE, message);
    }
}
