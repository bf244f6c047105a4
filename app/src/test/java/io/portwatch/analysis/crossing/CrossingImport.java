package io.portwatch.analysis.crossing;

import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A class of the analysis packages that reaches into Kafka, as no class of analysis may: the
 * architecture test checks that its rules catch it. Test code only, never on the main class path.
 */
public final class CrossingImport {

    private CrossingImport() {
    }

    static Object record() {
        return new ProducerRecord<>("topic", "value");
    }
}
