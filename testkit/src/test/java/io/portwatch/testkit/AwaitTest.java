package io.portwatch.testkit;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AwaitTest {

    @Test
    void aConditionThatHoldsReturnsAtOnce() {
        AtomicInteger checks = new AtomicInteger();
        long t0 = System.nanoTime();
        Await.until(Duration.ofSeconds(10), () -> checks.incrementAndGet() > 0, "nothing");
        assertEquals(1, checks.get());
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
    }

    @Test
    void returnsSoonAfterTheConditionComesTrueOnAnotherThread() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(100); // another thread's work, not a wait
            } catch (InterruptedException e) {
                return;
            }
            done.set(true);
        });
        long t0 = System.nanoTime();
        t.start();
        Await.until(Duration.ofSeconds(20), done::get, "the other thread");
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(took >= 100 && took < 5_000, took + " ms");
        t.join();
    }

    @Test
    void failsAtTheBoundSayingWhatItWaitedFor() {
        long t0 = System.nanoTime();
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> Await.until(Duration.ofMillis(200), () -> false, "the moon"));
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("waited 200 ms for the moon", e.getMessage());
        assertTrue(took >= 200 && took < 5_000, took + " ms");
        e = assertThrows(AssertionFailedError.class,
                () -> Await.until(Duration.ofSeconds(1), () -> false, () -> "a message made at the bound"));
        assertEquals("waited 1 s for a message made at the bound", e.getMessage());
    }

    @Test
    void anExceptionOfTheConditionFailsAtOnceWithItsCause() {
        long t0 = System.nanoTime();
        AssertionError e = assertThrows(AssertionError.class, () -> Await.until(Duration.ofSeconds(30), () -> {
            throw new IOException("no such file");
        }, "a file"));
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
        assertEquals("checking a file: java.io.IOException: no such file", e.getMessage());
        assertInstanceOf(IOException.class, e.getCause());
    }
}
