package io.portwatch.capture.source;

import static io.portwatch.capture.source.PcapLayout.FILE_HEADER_LENGTH;
import static io.portwatch.capture.source.PcapLayout.MAGIC_MODIFIED;
import static io.portwatch.capture.source.PcapLayout.MAGIC_NANOS;
import static io.portwatch.capture.source.PcapLayout.MODIFIED_RECORD_HEADER_LENGTH;
import static io.portwatch.capture.source.PcapLayout.RECORD_HEADER_LENGTH;

import java.nio.ByteBuffer;

/**
 * Reads classic pcap: microsecond and nanosecond magic in either byte order, and the modified
 * (Kuznetsov) format with 24-byte record headers. Like libpcap and Wireshark it accepts files whose
 * version (before 2.3, some 2.3, and DG/UX's 543) puts the original length before the captured one.
 */
final class PcapRecordReader extends RecordReader {

    private static final int LENGTHS_IN_ORDER = 0;
    private static final int LENGTHS_SWAPPED = 1;
    private static final int LENGTHS_MAYBE_SWAPPED = 2;

    private final boolean swap;
    private final int headerLength;
    private final long nanosPerFractionUnit;
    private final int linkType;
    private final int maxCapturedLength;
    /** The file's snapshot length as libpcap takes it: longer records are cut to it on delivery. */
    private final int snapshot;
    private final int lengthOrder;

    private PcapRecordReader(CaptureInput in, boolean swap, int headerLength, long nanosPerFractionUnit,
                             int linkType, int snaplen, int lengthOrder) {
        super(in);
        this.swap = swap;
        this.headerLength = headerLength;
        this.nanosPerFractionUnit = nanosPerFractionUnit;
        this.linkType = linkType;
        this.maxCapturedLength = maxCapturedLength(linkType);
        this.snapshot = snaplen <= 0 || snaplen > maxCapturedLength ? maxCapturedLength : snaplen;
        this.lengthOrder = lengthOrder;
    }

    /** Whether the first four bytes, read big-endian, are a pcap magic in either byte order. */
    static boolean isMagic(int magic) {
        return canonical(magic) != 0;
    }

    /** The big-endian form of a pcap magic in either byte order, or 0. */
    private static int canonical(int magic) {
        return switch (magic) {
            case PcapLayout.MAGIC_MICROS, 0xD4C3B2A1 -> PcapLayout.MAGIC_MICROS;
            case MAGIC_NANOS, 0x4D3CB2A1 -> MAGIC_NANOS;
            case MAGIC_MODIFIED, 0x34CDB2A1 -> MAGIC_MODIFIED;
            default -> 0;
        };
    }

    /** Reads the file header at the input's position (whose magic {@link #isMagic} accepted). */
    static PcapRecordReader open(CaptureInput in) throws CaptureException {
        if (!in.require(FILE_HEADER_LENGTH)) {
            throw new CaptureException(in.name() + ": file too short for a pcap header ("
                    + in.available() + " of " + FILE_HEADER_LENGTH + " bytes)");
        }
        ByteBuffer b = in.buf;
        int p = in.pos;
        int magic = b.getInt(p + PcapLayout.MAGIC_OFFSET);
        int canonical = canonical(magic);
        boolean swap = magic != canonical;
        int major = PcapLayout.versionMajor(b, p, swap);
        int minor = PcapLayout.versionMinor(b, p, swap);
        if (major < 2) {
            throw new CaptureException(in.name() + ": unsupported pcap version " + major + "." + minor);
        }
        int lengthOrder;
        if (major == 543 || (major == 2 && minor < 3)) {
            lengthOrder = LENGTHS_SWAPPED;
        } else if (major == 2 && minor == 3) {
            lengthOrder = LENGTHS_MAYBE_SWAPPED;
        } else {
            lengthOrder = LENGTHS_IN_ORDER;
        }
        int headerLength = canonical == MAGIC_MODIFIED ? MODIFIED_RECORD_HEADER_LENGTH : RECORD_HEADER_LENGTH;
        long fractionUnit = canonical == MAGIC_NANOS ? 1 : 1000;
        int linkType = PcapLayout.linkType(b, p, swap);
        in.pos = p + FILE_HEADER_LENGTH;
        int snaplen = PcapLayout.snaplen(b, p, swap);
        return new PcapRecordReader(in, swap, headerLength, fractionUnit, linkType, snaplen, lengthOrder);
    }

    @Override
    boolean next(PacketSink sink) throws CaptureException {
        final CaptureInput in = this.in;
        final int h = headerLength;
        if (in.end - in.pos < h && !in.require(h)) {
            if (in.available() == 0) {
                return false;
            }
            throw fault("truncated record header at byte " + in.offset() + " ("
                    + in.available() + " of " + h + " bytes present)");
        }
        ByteBuffer b = in.buf;
        int p = in.pos;
        int captured = PcapLayout.capturedLength(b, p, swap);
        int original = PcapLayout.originalLength(b, p, swap);
        if (lengthOrder != LENGTHS_IN_ORDER
                && (lengthOrder == LENGTHS_SWAPPED || Integer.compareUnsigned(captured, original) > 0)) {
            int t = captured;
            captured = original;
            original = t;
        }
        if (captured < 0 || captured > maxCapturedLength) {
            throw fault("record at byte " + in.offset() + ": captured length " + Integer.toUnsignedString(captured)
                    + " exceeds the maximum of " + maxCapturedLength + " for link type " + linkType);
        }
        int total = h + captured;
        if (in.end - p < total) {
            if (!in.require(total)) {
                throw fault("truncated record at byte " + in.offset() + " (" + in.available()
                        + " of " + total + " bytes present)");
            }
            b = in.buf;
            p = in.pos;
        }
        long ts = Timestamps.fromPcap(PcapLayout.tsSeconds(b, p, swap), PcapLayout.tsFraction(b, p, swap),
                nanosPerFractionUnit);
        int delivered = Math.min(captured, snapshot);
        if (Integer.compareUnsigned(original, delivered) < 0) {
            original = delivered;
        } else if (original < 0) {
            original = Integer.MAX_VALUE;
        }
        in.pos = p + total;
        sink.onPacket(linkType, ts, b, p + h, delivered, original);
        return true;
    }
}
