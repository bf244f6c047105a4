package io.portwatch.capture.source;

import static io.portwatch.capture.source.PcapngLayout.BLOCK_HEADER_LENGTH;
import static io.portwatch.capture.source.PcapngLayout.BLOCK_TRAILER_LENGTH;
import static io.portwatch.capture.source.PcapngLayout.ENHANCED_PACKET;
import static io.portwatch.capture.source.PcapngLayout.EPB_DATA_OFFSET;
import static io.portwatch.capture.source.PcapngLayout.EPB_MIN_LENGTH;
import static io.portwatch.capture.source.PcapngLayout.INTERFACE_DESCRIPTION;
import static io.portwatch.capture.source.PcapngLayout.PACKET;
import static io.portwatch.capture.source.PcapngLayout.SECTION_HEADER;
import static io.portwatch.capture.source.PcapngLayout.SIMPLE_PACKET;
import static io.portwatch.capture.source.PcapngLayout.SPB_DATA_OFFSET;
import static io.portwatch.capture.source.PcapngLayout.SPB_MIN_LENGTH;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads pcapng: every section with its own byte order and interfaces; Enhanced, Simple and
 * (obsolete) Packet Blocks deliver frames with their interface's link type and timestamp resolution
 * (if_tsresol, decimal or binary) and offset (if_tsoffset); other blocks are skipped after their
 * length and trailer are checked.
 */
final class PcapngRecordReader extends RecordReader {

    /** libpcap's initial bound on a block: room for a maximal frame of most link types and options. */
    static final int DEFAULT_MAX_BLOCK_LENGTH = 16 * 1024 * 1024;
    /** Room for block fields and options beyond a maximal frame (libpcap's MAX_BLOCKSIZE_FOR_SNAPLEN). */
    private static final int BLOCK_OVERHEAD = 128 * 1024;
    /** More interfaces than this in one section is taken for a corrupt file. */
    static final int MAX_INTERFACES = 65_536;

    private boolean swap;
    private int maxBlockLength = DEFAULT_MAX_BLOCK_LENGTH;

    private int interfaces;
    private int[] linkTypes = new int[4];
    private int[] snaplens = new int[4];
    private int[] maxCapturedLengths = new int[4];
    private int[] tsresols = new int[4];
    private long[] unitsPerSecond = new long[4];
    private long[] offsetSeconds = new long[4];

    private PcapngRecordReader(CaptureInput in) {
        super(in);
    }

    /** Reads the first section header block at the input's position (its magic already seen). */
    static PcapngRecordReader open(CaptureInput in) throws CaptureException {
        PcapngRecordReader r = new PcapngRecordReader(in);
        if (!in.require(PcapngLayout.SHB_MIN_LENGTH) && in.offset() == 0) {
            throw new CaptureException(in.name() + ": file too short for a pcapng header ("
                    + in.available() + " of " + PcapngLayout.SHB_MIN_LENGTH + " bytes)");
        }
        r.sectionHeader();
        return r;
    }

    @Override
    boolean next(PacketSink sink) throws CaptureException {
        final CaptureInput in = this.in;
        if (in.end - in.pos < BLOCK_HEADER_LENGTH && !in.require(BLOCK_HEADER_LENGTH)) {
            if (in.available() == 0) {
                return false;
            }
            throw fault("truncated block header at byte " + in.offset() + " (" + in.available() + " of "
                    + BLOCK_HEADER_LENGTH + " bytes present)");
        }
        int type = PcapngLayout.blockType(in.buf, in.pos, swap);
        if (type == SECTION_HEADER) {
            sectionHeader();
            return true;
        }
        int length = PcapngLayout.blockLength(in.buf, in.pos, swap);
        checkLength(type, length, PcapngLayout.MIN_BLOCK_LENGTH);
        switch (type) {
            case ENHANCED_PACKET -> enhancedPacket(sink, length, false);
            case SIMPLE_PACKET -> simplePacket(sink, length);
            case PACKET -> enhancedPacket(sink, length, true);
            case INTERFACE_DESCRIPTION -> interfaceDescription(length);
            default -> skipBlock(type, length);
        }
        return true;
    }

    /** Enhanced Packet Block, or the obsolete Packet Block (16-bit interface id, same layout). */
    private void enhancedPacket(PacketSink sink, int length, boolean obsolete) throws CaptureException {
        final int type = obsolete ? PACKET : ENHANCED_PACKET;
        if (length < EPB_MIN_LENGTH) {
            throw blockFault(type, "length " + length + " is below the minimum of " + EPB_MIN_LENGTH);
        }
        requireBlock(type, length);
        ByteBuffer b = in.buf;
        int p = in.pos;
        int id = obsolete ? PcapngLayout.pbInterface(b, p, swap) : PcapngLayout.epbInterface(b, p, swap);
        if (Integer.compareUnsigned(id, interfaces) >= 0) {
            throw blockFault(type, "interface " + Integer.toUnsignedString(id) + " has no interface description");
        }
        int captured = PcapngLayout.epbCapturedLength(b, p, swap);
        if (captured < 0 || captured > maxCapturedLengths[id]) {
            throw blockFault(type, "captured length " + Integer.toUnsignedString(captured)
                    + " exceeds the maximum of " + maxCapturedLengths[id] + " for link type " + linkTypes[id]);
        }
        if (EPB_MIN_LENGTH + Fields.padTo4(captured) > length) {
            throw blockFault(type, "captured length " + captured + " does not fit in block length " + length);
        }
        checkTrailer(type, b, p, length);
        int original = PcapngLayout.epbOriginalLength(b, p, swap);
        if (Integer.compareUnsigned(original, captured) < 0) {
            original = captured;
        } else if (original < 0) {
            original = Integer.MAX_VALUE;
        }
        long ts = Timestamps.fromUnits(PcapngLayout.epbTimestamp(b, p, swap), tsresols[id], unitsPerSecond[id],
                offsetSeconds[id]);
        in.pos = p + length;
        sink.onPacket(linkTypes[id], ts, b, p + EPB_DATA_OFFSET, captured, original);
    }

    /** Simple Packet Block: interface 0, no timestamp (delivered as 0), length from the block. */
    private void simplePacket(PacketSink sink, int length) throws CaptureException {
        if (length < SPB_MIN_LENGTH) {
            throw blockFault(SIMPLE_PACKET, "length " + length + " is below the minimum of " + SPB_MIN_LENGTH);
        }
        if (interfaces == 0) {
            throw blockFault(SIMPLE_PACKET, "interface 0 has no interface description");
        }
        requireBlock(SIMPLE_PACKET, length);
        ByteBuffer b = in.buf;
        int p = in.pos;
        checkTrailer(SIMPLE_PACKET, b, p, length);
        int original = PcapngLayout.spbOriginalLength(b, p, swap);
        long captured = Math.min(original & 0xFFFF_FFFFL, length - SPB_MIN_LENGTH);
        if (snaplens[0] != 0) {
            captured = Math.min(captured, snaplens[0] & 0xFFFF_FFFFL);
        }
        if (captured > maxCapturedLengths[0]) {
            throw blockFault(SIMPLE_PACKET, "captured length " + captured + " exceeds the maximum of "
                    + maxCapturedLengths[0] + " for link type " + linkTypes[0]);
        }
        if (original < 0) {
            original = Integer.MAX_VALUE;
        }
        in.pos = p + length;
        sink.onPacket(linkTypes[0], 0L, b, p + SPB_DATA_OFFSET, (int) captured, original);
    }

    private void interfaceDescription(int length) throws CaptureException {
        if (length < PcapngLayout.IDB_MIN_LENGTH) {
            throw blockFault(INTERFACE_DESCRIPTION, "length " + length + " is below the minimum of "
                    + PcapngLayout.IDB_MIN_LENGTH);
        }
        requireBlock(INTERFACE_DESCRIPTION, length);
        ByteBuffer b = in.buf;
        int p = in.pos;
        checkTrailer(INTERFACE_DESCRIPTION, b, p, length);
        if (interfaces == MAX_INTERFACES) {
            throw blockFault(INTERFACE_DESCRIPTION, "more than " + MAX_INTERFACES + " interfaces in one section");
        }
        int linkType = PcapngLayout.idbLinkType(b, p, swap);
        int tsresol = PcapngLayout.DEFAULT_TSRESOL;
        long offset = 0;
        int q = p + PcapngLayout.IDB_OPTIONS_OFFSET;
        int optionsEnd = p + length - BLOCK_TRAILER_LENGTH;
        while (q + 4 <= optionsEnd) {
            int code = Fields.u16(b, q, swap);
            int optionLength = Fields.u16(b, q + 2, swap);
            if (code == PcapngLayout.OPT_END) {
                break;
            }
            if (q + 4 + optionLength > optionsEnd) {
                throw blockFault(INTERFACE_DESCRIPTION, "option " + code + " runs past the end of the block");
            }
            if (code == PcapngLayout.OPT_IF_TSRESOL && optionLength >= 1) {
                tsresol = b.get(q + 4) & 0xFF;
                if (!Timestamps.validResolution(tsresol)) {
                    throw blockFault(INTERFACE_DESCRIPTION, String.format("unsupported if_tsresol 0x%02x", tsresol));
                }
            } else if (code == PcapngLayout.OPT_IF_TSOFFSET && optionLength >= 8) {
                offset = Fields.i64(b, q + 4, swap);
            }
            q += 4 + Fields.padTo4(optionLength);
        }
        if (interfaces == linkTypes.length) {
            int n = Math.min(2 * interfaces, MAX_INTERFACES);
            linkTypes = Arrays.copyOf(linkTypes, n);
            snaplens = Arrays.copyOf(snaplens, n);
            maxCapturedLengths = Arrays.copyOf(maxCapturedLengths, n);
            tsresols = Arrays.copyOf(tsresols, n);
            unitsPerSecond = Arrays.copyOf(unitsPerSecond, n);
            offsetSeconds = Arrays.copyOf(offsetSeconds, n);
        }
        int i = interfaces++;
        linkTypes[i] = linkType;
        snaplens[i] = PcapngLayout.idbSnaplen(b, p, swap);
        maxCapturedLengths[i] = maxCapturedLength(linkType);
        tsresols[i] = tsresol;
        unitsPerSecond[i] = Timestamps.unitsPerSecond(tsresol);
        offsetSeconds[i] = offset;
        maxBlockLength = Math.max(maxBlockLength, maxCapturedLengths[i] + BLOCK_OVERHEAD);
        in.pos = p + length;
    }

    /** Section Header Block: sets the byte order for the section and forgets the interfaces. */
    private void sectionHeader() throws CaptureException {
        long at = in.offset();
        if (!in.require(PcapngLayout.SHB_BYTE_ORDER_OFFSET + 4)) {
            throw truncatedBlock(SECTION_HEADER, at, PcapngLayout.SHB_MIN_LENGTH);
        }
        int bom = in.buf.getInt(in.pos + PcapngLayout.SHB_BYTE_ORDER_OFFSET);
        if (bom == PcapngLayout.BYTE_ORDER_MAGIC) {
            swap = false;
        } else if (bom == PcapngLayout.BYTE_ORDER_MAGIC_SWAPPED) {
            swap = true;
        } else {
            throw fault("section header block at byte " + at + String.format(": bad byte-order magic 0x%08x", bom));
        }
        int length = PcapngLayout.blockLength(in.buf, in.pos, swap);
        checkLength(SECTION_HEADER, length, PcapngLayout.SHB_MIN_LENGTH);
        if (!in.require(PcapngLayout.SHB_MIN_LENGTH)) {
            throw truncatedBlock(SECTION_HEADER, at, length);
        }
        int major = Fields.u16(in.buf, in.pos + PcapngLayout.SHB_MAJOR_OFFSET, swap);
        int minor = Fields.u16(in.buf, in.pos + PcapngLayout.SHB_MINOR_OFFSET, swap);
        if (major != 1) {
            throw fault("section header block at byte " + at + ": unsupported pcapng version " + major + "." + minor);
        }
        interfaces = 0;
        skipBlock(SECTION_HEADER, length);
    }

    /** Checks a block length read at the input's position: minimum, multiple of 4, bound. */
    private void checkLength(int type, int length, int minimum) throws CaptureException {
        if ((length & 3) != 0) {
            throw blockFault(type, "length " + Integer.toUnsignedString(length) + " is not a multiple of 4");
        }
        if (Integer.compareUnsigned(length, maxBlockLength) > 0) {
            throw blockFault(type, "length " + Integer.toUnsignedString(length) + " exceeds the maximum of "
                    + maxBlockLength);
        }
        if (length < minimum) {
            throw blockFault(type, "length " + length + " is below the minimum of " + minimum);
        }
    }

    private void requireBlock(int type, int length) throws CaptureException {
        if (!in.require(length)) {
            throw truncatedBlock(type, in.offset(), length);
        }
    }

    private void checkTrailer(int type, ByteBuffer b, int p, int length) throws CaptureException {
        int trailer = PcapngLayout.trailerLength(b, p, length, swap);
        if (trailer != length) {
            throw blockFault(type, "trailer length " + Integer.toUnsignedString(trailer)
                    + " does not match header length " + length);
        }
    }

    /** Skips a block at the input's position without keeping it in memory, checking its trailer. */
    private void skipBlock(int type, int length) throws CaptureException {
        long at = in.offset();
        int body = length - BLOCK_TRAILER_LENGTH;
        long skipped = in.skip(body);
        if (skipped < body || !in.require(BLOCK_TRAILER_LENGTH)) {
            throw truncatedBlock(type, at, length, skipped + (skipped < body ? 0 : in.available()));
        }
        int trailer = Fields.i32(in.buf, in.pos, swap);
        if (trailer != length) {
            throw fault(PcapngLayout.blockName(type) + " at byte " + at + ": trailer length "
                    + Integer.toUnsignedString(trailer) + " does not match header length " + length);
        }
        in.pos += BLOCK_TRAILER_LENGTH;
    }

    /** A fault in the block at the input's position. */
    private CaptureException blockFault(int type, String problem) {
        return fault(PcapngLayout.blockName(type) + " at byte " + in.offset() + ": " + problem);
    }

    private CaptureException truncatedBlock(int type, long at, int length) {
        return truncatedBlock(type, at, length, in.available());
    }

    private CaptureException truncatedBlock(int type, long at, int length, long present) {
        return fault("truncated " + PcapngLayout.blockName(type) + " at byte " + at + " (" + present + " of "
                + Integer.toUnsignedString(length) + " bytes present)");
    }
}
