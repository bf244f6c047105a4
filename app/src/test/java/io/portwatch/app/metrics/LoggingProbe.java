package io.portwatch.app.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A program for {@link LoggingTest}: writes a record to stdout and logs at every level under a Kafka
 * client's logger name and a portwatch one; with an argument, sets {@link Logging#verbose} to it
 * (after the loggers were made and used) and logs again.
 */
public final class LoggingProbe {

    private static final Logger KAFKA = LoggerFactory.getLogger("org.apache.kafka.clients.producer.ProducerConfig");
    private static final Logger OWN = LoggerFactory.getLogger("io.portwatch.app.cli.LiveCommand");

    private LoggingProbe() {
    }

    public static void main(String[] args) {
        System.out.println("{\"type\":\"record\"}");
        log("before");
        if (args.length > 0) {
            Logging.verbose(Boolean.parseBoolean(args[0]));
            log("after");
        }
        System.out.flush();
    }

    private static void log(String when) {
        KAFKA.debug("{} kafka debug", when);
        KAFKA.info("{} kafka info", when);
        KAFKA.warn("{} kafka warn", when);
        OWN.debug("{} portwatch debug", when);
        OWN.info("{} portwatch info", when);
    }
}
