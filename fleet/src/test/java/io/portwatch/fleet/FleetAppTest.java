package io.portwatch.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class FleetAppTest {

    @Test
    void settingsGoOverTheDefaultsButExactlyOnceStays() {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", "kafka:9093");
        kafka.put("security.protocol", "SASL_SSL");
        kafka.put("application.id", "fleet-eu");
        kafka.put("processing.guarantee", "at_least_once");
        Properties p = FleetApp.streamsConfig(kafka);
        assertEquals("kafka:9093", p.get("bootstrap.servers"));
        assertEquals("SASL_SSL", p.get("security.protocol"));
        assertEquals("fleet-eu", p.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(FleetApp.DEFAULT_APPLICATION_ID,
                FleetApp.streamsConfig(new Properties()).get(StreamsConfig.APPLICATION_ID_CONFIG));
    }

    @Test
    void withoutBootstrapServersItSaysWhatIsMissing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FleetApp(FleetConfig.defaults(), new Properties()));
        assertTrue(e.getMessage().contains("--kafka"), e.getMessage());
    }
}
