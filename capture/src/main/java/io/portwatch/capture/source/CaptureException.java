package io.portwatch.capture.source;

/**
 * A capture input could not be opened or read. The message is one line meant for a user: it names
 * the input and says what is wrong with it (e.g. {@code "x.pcap: truncated record at byte 4096"}); the
 * {@link Reason} says whose the fault is, for the command's exit status.
 */
public class CaptureException extends Exception {

    /** Whose the fault is. */
    public enum Reason {
        /** The input itself: missing, not a capture, truncated, corrupt. */
        INPUT,
        /** What was asked: an invalid filter, an interface that does not exist or is down. */
        USAGE,
        /** The machine: libpcap missing, no permission to capture. */
        UNAVAILABLE
    }

    private final Reason reason;

    /** A fault of the input. */
    public CaptureException(String message) {
        this(Reason.INPUT, message, null);
    }

    /** A fault of the input. */
    public CaptureException(String message, Throwable cause) {
        this(Reason.INPUT, message, cause);
    }

    public CaptureException(Reason reason, String message) {
        this(reason, message, null);
    }

    public CaptureException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** Collapses a text (an exception's or a native library's message) to one line; null reads "unknown error". */
    public static String oneLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        return s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
