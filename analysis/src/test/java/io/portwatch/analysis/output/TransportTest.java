package io.portwatch.analysis.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.portwatch.capture.decode.DecodedPacket;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransportTest {

    /** Records were ordered by the transport's name before they held the value: the two orders must agree. */
    @Test
    void ordersAsItsName() {
        List<Transport> byName = Arrays.stream(Transport.values()).sorted(Comparator.comparing(Transport::key)).toList();
        assertEquals(List.of(Transport.values()), byName);
        for (Transport a : Transport.values()) {
            for (Transport b : Transport.values()) {
                assertEquals(Integer.signum(a.key().compareTo(b.key())), Integer.signum(a.compareTo(b)), a + " " + b);
            }
        }
    }

    @Test
    void namesAndNumbers() {
        assertEquals("tcp", Transport.TCP.key());
        assertEquals("udp", Transport.UDP.key());
        assertEquals(6, Transport.TCP.protocol());
        assertEquals(17, Transport.UDP.protocol());
        for (Transport t : Transport.values()) {
            assertEquals(t.key(), t.toString(), "text made from a transport reads as output does");
            assertEquals(t, Transport.of(t.protocol()));
            assertEquals(t, Transport.parse(t.key()));
        }
        assertEquals(Transport.TCP, Transport.of(DecodedPacket.PROTO_TCP));
        assertEquals(Transport.UDP, Transport.of(DecodedPacket.PROTO_UDP));
    }

    @Test
    void parsesWhatFilesWrite() {
        assertEquals(Transport.TCP, Transport.parse("TCP"));
        assertEquals(Transport.UDP, Transport.parse("Udp"));
        for (String s : List.of("", "icmp", "any", "*", "tcp ", "6", "sctp")) {
            assertNull(Transport.parse(s), s);
        }
    }
}
