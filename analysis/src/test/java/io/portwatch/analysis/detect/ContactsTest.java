package io.portwatch.analysis.detect;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A source's first contacts: each once, in order, by scan or by index, bounded by the cap. */
class ContactsTest {

    private static final class Set extends Contacts {
        Set(int cap) {
            super(cap);
        }

        @Override
        long retainedBytes() {
            return contactBytes();
        }
    }

    @Test
    void eachContactOnceInTheOrderFirstSeenUpToTheCap() {
        Set s = new Set(1000);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 3000; i++) {
                long hi = i % 7 == 0 ? 0x2001_0db8_0000_0000L : 0;
                long lo = 0x0000_ffff_0a00_0000L | (i / 10);
                boolean first = s.add(hi, lo, i % 10); // 300 targets, 10 ports each
                if (i < 1000) {
                    assertEquals(round == 0, first, "contact " + i + ", round " + round);
                } else {
                    assertTrue(first, "past the cap every contact counts as a first one");
                }
                if (round == 0 && i == 5) {
                    assertEquals(6, s.contacts(), "a scan finds the first few");
                }
            }
        }
        assertEquals(1000, s.contacts());
        assertFalse(s.exact());
        for (int i = 0; i < 1000; i++) {
            assertEquals(i % 7 == 0 ? 0x2001_0db8_0000_0000L : 0, s.hi(i));
            assertEquals(0x0000_ffff_0a00_0000L | (i / 10), s.lo(i));
            assertEquals(i % 10, s.port(i));
        }
        Set one = new Set(10);
        assertTrue(one.add(1, 2, 3));
        assertFalse(one.add(1, 2, 3));
        assertTrue(one.add(1, 2, 4), "another port is another contact");
        assertTrue(one.exact());
        assertEquals(0, new Set(10).contactBytes(), "the first contact is in the entry's own fields");
    }
}
