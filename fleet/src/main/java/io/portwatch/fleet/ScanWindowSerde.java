package io.portwatch.fleet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** {@link ScanWindow} in the state store and its changelog: a version byte, then the fields in a fixed order. */
final class ScanWindowSerde {

    private static final int VERSION = 1;

    private ScanWindowSerde() {
    }

    static Serde<ScanWindow> serde() {
        return Serdes.serdeFrom((topic, w) -> w == null ? null : write(w), (topic, b) -> b == null ? null : read(b));
    }

    static byte[] write(ScanWindow w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(w.sensors.size());
            for (Map.Entry<String, long[]> e : w.sensors.entrySet()) {
                out.writeUTF(e.getKey());
                for (long v : e.getValue()) {
                    out.writeLong(v);
                }
                out.writeDouble(w.sensorRatios.get(e.getKey()));
            }
            out.writeDouble(w.ratio);
            out.writeLong(w.failed);
            out.writeLong(w.answered);
            out.writeLong(w.targetsSum);
            out.writeLong(w.portsSum);
            writeSet(out, w.targets);
            writeSet(out, w.ports);
            out.writeBoolean(w.targetsExact);
            out.writeBoolean(w.portsExact);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static ScanWindow read(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new SerializationException("scan window of unknown version " + version);
            }
            ScanWindow w = new ScanWindow();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String sensor = in.readUTF();
                w.sensors.put(sensor, new long[] {in.readLong(), in.readLong(), in.readLong(), in.readLong()});
                w.sensorRatios.put(sensor, in.readDouble());
            }
            w.ratio = in.readDouble();
            w.failed = in.readLong();
            w.answered = in.readLong();
            w.targetsSum = in.readLong();
            w.portsSum = in.readLong();
            readSet(in, w.targets);
            readSet(in, w.ports);
            w.targetsExact = in.readBoolean();
            w.portsExact = in.readBoolean();
            return w;
        } catch (IOException e) {
            throw new SerializationException("cannot read a scan window", e);
        }
    }

    private static void writeSet(DataOutputStream out, Set<String> set) throws IOException {
        out.writeInt(set.size());
        for (String s : set) {
            out.writeUTF(s);
        }
    }

    private static void readSet(DataInputStream in, Set<String> set) throws IOException {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            set.add(in.readUTF());
        }
    }
}
