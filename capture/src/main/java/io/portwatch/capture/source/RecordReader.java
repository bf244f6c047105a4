package io.portwatch.capture.source;

/** Reads one capture format from a {@link CaptureInput}: one record or block per {@link #next} call. */
abstract class RecordReader {

    /** libpcap's MAXIMUM_SNAPLEN: no link type but the few below has a larger frame. */
    static final int DEFAULT_MAX_CAPTURED_LENGTH = 262_144;
    private static final int LINKTYPE_DBUS = 231;
    private static final int LINKTYPE_USBPCAP = 249;
    private static final int LINKTYPE_EBHSCR = 279;

    final CaptureInput in;

    RecordReader(CaptureInput in) {
        this.in = in;
    }

    /**
     * Reads the next record or block and delivers it if it holds a frame.
     *
     * @return false at the clean end of the input
     */
    abstract boolean next(PacketSink sink) throws CaptureException;

    /**
     * The largest captured length accepted for a link type, as libpcap's max_snaplen_for_dlt():
     * D-Bus messages can reach 128 MiB, EBHSCR frames 8 MiB, USBPcap transfers 1 MiB.
     */
    static int maxCapturedLength(int linkType) {
        return switch (linkType) {
            case LINKTYPE_DBUS -> 128 * 1024 * 1024;
            case LINKTYPE_EBHSCR -> 8 * 1024 * 1024;
            case LINKTYPE_USBPCAP -> 1024 * 1024;
            default -> DEFAULT_MAX_CAPTURED_LENGTH;
        };
    }

    CaptureException fault(String problem) {
        return new CaptureException(in.name() + ": " + problem);
    }
}
