package io.portwatch.app.metrics;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Log levels of the program. Log lines go to stderr ({@code logback.xml}); by default portwatch's own
 * loggers ({@code io.portwatch}) say INFO and up and libraries (kafka-clients, pcap4j) only WARN and up,
 * so a broker client's chatter never reaches a user's terminal. {@code --verbose} raises both.
 */
public final class Logging {

    /** portwatch's own loggers. */
    public static final String PORTWATCH = "io.portwatch";

    private Logging() {
    }

    /**
     * Sets the levels: verbose, portwatch DEBUG and libraries INFO; else portwatch INFO, libraries
     * WARN and kafka-clients off (the default: portwatch reports Kafka faults itself). Takes effect at once, for loggers made before and after.
     */
    public static void verbose(boolean on) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return; // another backend (a test classpath without logback): its own configuration rules
        }
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(on ? Level.INFO : Level.WARN);
        context.getLogger(PORTWATCH).setLevel(on ? Level.DEBUG : Level.INFO);
        context.getLogger("org.apache.kafka").setLevel(on ? Level.INFO : Level.OFF);
    }
}
