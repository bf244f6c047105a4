package io.portwatch.fleet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.datasketches.hll.Union;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * {@link PortWindow} in the state store and its changelog: a version byte, then the fields in a fixed
 * order, the sketch unions as DataSketches' compact images (4 KiB at most each at lgK 12, much less while
 * a port has few addresses). Binary rather than JSON: the store holds one per port and open window and is
 * read and written for every record.
 */
final class PortWindowSerde {

    private static final int VERSION = 1;

    private PortWindowSerde() {
    }

    static Serde<PortWindow> serde() {
        return Serdes.serdeFrom((topic, w) -> w == null ? null : write(w), (topic, b) -> b == null ? null : read(b));
    }

    static byte[] write(PortWindow w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            writeText(out, w.service);
            writeText(out, w.portClass);
            for (long c : w.counters) {
                out.writeLong(c);
            }
            out.writeBoolean(w.tcp != null);
            if (w.tcp != null) {
                for (long c : w.tcp) {
                    out.writeLong(c);
                }
            }
            out.writeInt(w.sensors.size());
            for (Map.Entry<String, long[]> e : w.sensors.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue()[0]);
                out.writeLong(e.getValue()[1]);
            }
            out.writeLong(w.untrackedSensorRecords);
            writeUnion(out, w.clients);
            writeUnion(out, w.servers);
            out.writeLong(w.sketchesSkipped);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static PortWindow read(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new SerializationException("port window of unknown version " + version);
            }
            PortWindow w = new PortWindow();
            w.service = readText(in);
            w.portClass = readText(in);
            for (int i = 0; i < w.counters.length; i++) {
                w.counters[i] = in.readLong();
            }
            if (in.readBoolean()) {
                w.tcp = new long[PortStatsIn.TCP_FIELDS.length];
                for (int i = 0; i < w.tcp.length; i++) {
                    w.tcp[i] = in.readLong();
                }
            }
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                w.sensors.put(in.readUTF(), new long[] {in.readLong(), in.readLong()});
            }
            w.untrackedSensorRecords = in.readLong();
            w.clients = readUnion(in);
            w.servers = readUnion(in);
            w.sketchesSkipped = in.readLong();
            return w;
        } catch (IOException e) {
            throw new SerializationException("cannot read a port window", e);
        }
    }

    private static void writeText(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readText(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeUnion(DataOutputStream out, Union u) throws IOException {
        if (u == null) {
            out.writeInt(0);
            return;
        }
        byte[] image = u.toCompactByteArray();
        out.writeInt(image.length);
        out.write(image);
    }

    private static Union readUnion(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == 0) {
            return null;
        }
        byte[] image = in.readNBytes(n);
        return Union.heapify(image);
    }
}
