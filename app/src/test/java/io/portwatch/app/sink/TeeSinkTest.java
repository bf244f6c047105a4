package io.portwatch.app.sink;

import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TeeSinkTest {

    @Test
    void everySinkGetsEveryRecordEvenWhenOneFails() {
        QueuedSinkTest.Target broken = new QueuedSinkTest.Target(false);
        broken.failWith = "Broken pipe";
        QueuedSinkTest.Target ok = new QueuedSinkTest.Target(false);
        TeeSink tee = new TeeSink(List.of(broken, ok));
        assertThrows(UncheckedIOException.class, () -> tee.window(QueuedSinkTest.window(1)));
        assertThrows(UncheckedIOException.class, () -> tee.flow(SampleRecords.tcpFlow()));
        assertThrows(UncheckedIOException.class, () -> tee.alert(SampleRecords.alerts().get(0)));
        assertThrows(UncheckedIOException.class, () -> tee.summary(QueuedSinkTest.summary()));
        tee.close();
        assertEquals(4, ok.got.size(), "the healthy sink had every record");
        assertEquals(SampleRecords.alerts().get(0), ok.got.get(2), "the alert in its place");
        assertTrue(ok.closed && broken.closed, "both closed");
        assertThrows(IllegalArgumentException.class, () -> new TeeSink(List.of()));
    }
}
