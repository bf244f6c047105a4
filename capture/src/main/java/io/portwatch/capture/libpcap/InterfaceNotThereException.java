package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureException;

/**
 * The interface is not there to capture: no such interface, or it is down. What opening an interface that
 * went away gives until it is back, which {@link ReattachingLiveSource} does not report; whichever capture
 * (libpcap's, or the kernel ring's) opened it.
 */
public class InterfaceNotThereException extends CaptureException {

    /** @param message one line that starts with the interface name */
    public InterfaceNotThereException(String message) {
        super(Reason.USAGE, message);
    }
}
