package io.portwatch.app.sink;

/**
 * The output cannot be written: a broker that cannot be reached, a topic that does not exist. The
 * message is one line for the user, with no credentials in it.
 */
public final class OutputUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OutputUnavailableException(String message) {
        super(message);
    }
}
