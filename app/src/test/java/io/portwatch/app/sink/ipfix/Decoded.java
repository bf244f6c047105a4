package io.portwatch.app.sink.ipfix;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tests' own reading of IPFIX messages, written from RFC 7011 (not from the exporter's classes): the
 * templates a message defines and its data records, each a map from element ID (plus 0x10000 for an RFC
 * 5103 reverse element) to the field's bytes. Templates are kept across messages, as a collector does.
 */
final class Decoded {

    static final int REVERSE = 0x10000;

    record Message(int length, long exportTime, long sequence, long domain, List<Integer> templates,
                   List<Map<Integer, byte[]>> records) {
    }

    /** Template ID: (element key, length) in order. */
    final Map<Integer, List<int[]>> templates = new HashMap<>();

    Message read(byte[] m) {
        ByteBuffer b = ByteBuffer.wrap(m);
        assertEquals(10, b.getShort(0), "version");
        int length = b.getShort(2) & 0xFFFF;
        assertEquals(m.length, length, "length");
        List<Integer> defined = new ArrayList<>();
        List<Map<Integer, byte[]>> records = new ArrayList<>();
        int at = 16;
        while (at < length) {
            int id = b.getShort(at) & 0xFFFF;
            int setLength = b.getShort(at + 2) & 0xFFFF;
            assertTrue(setLength >= 4 && at + setLength <= length, "set within the message");
            int end = at + setLength;
            int p = at + 4;
            if (id == 2) {
                while (p + 4 <= end) {
                    int tid = b.getShort(p) & 0xFFFF;
                    int count = b.getShort(p + 2) & 0xFFFF;
                    p += 4;
                    List<int[]> fields = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        int e = b.getShort(p) & 0xFFFF;
                        int len = b.getShort(p + 2) & 0xFFFF;
                        p += 4;
                        int key = e & 0x7FFF;
                        if ((e & 0x8000) != 0) {
                            assertEquals(29305, b.getInt(p), "only RFC 5103 reverse elements");
                            key |= REVERSE;
                            p += 4;
                        }
                        fields.add(new int[]{key, len});
                    }
                    templates.put(tid, fields);
                    defined.add(tid);
                }
            } else {
                List<int[]> fields = templates.get(id);
                assertNotNull(fields, "template " + id + " before its data");
                while (p < end) {
                    Map<Integer, byte[]> r = new LinkedHashMap<>();
                    for (int[] f : fields) {
                        int len = f[1];
                        if (len == 0xFFFF) {
                            len = b.get(p++) & 0xFF;
                        }
                        byte[] v = new byte[len];
                        b.get(p, v);
                        p += len;
                        r.put(f[0], v);
                    }
                    records.add(r);
                }
                assertEquals(end, p, "records fill their set");
            }
            at = end;
        }
        return new Message(length, b.getInt(4) & 0xFFFFFFFFL, b.getInt(8) & 0xFFFFFFFFL, b.getInt(12) & 0xFFFFFFFFL,
                defined, records);
    }

    static long number(byte[] v) {
        long n = 0;
        for (byte x : v) {
            n = n << 8 | (x & 0xFF);
        }
        return n;
    }
}
