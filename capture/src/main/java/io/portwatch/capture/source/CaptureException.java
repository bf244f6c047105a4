package io.portwatch.capture.source;

/**
 * A capture input could not be opened or read. The message is one line meant for a user: it names
 * the input and says what is wrong with it (e.g. {@code "x.pcap: truncated record at byte 4096"}).
 */
public class CaptureException extends Exception {

    public CaptureException(String message) {
        super(message);
    }

    public CaptureException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Collapses a text (an exception's or a native library's message) to one line; null reads "unknown error". */
    public static String oneLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        return s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
