package io.portwatch.capture.libpcap;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.MergedSource;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.capture.source.PacketSource;
import io.portwatch.capture.source.TempDecompression;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a pcap or pcapng file (or standard input, {@code -}) through the system's libpcap, with
 * nanosecond timestamps, the frames' original lengths and the file's link type (libpcap's DLT).
 * A gzip-, zstd- or xz-compressed file is first decompressed to a temporary file, deleted on {@link #close()}.
 *
 * <p>Every frame is copied into one reusable big-endian buffer before the sink sees it; reading
 * allocates nothing per frame. Faults become one-line {@link CaptureException}s that start with the
 * path, after the frames read before the fault have been delivered. Standard input is handed to
 * libpcap as it is (not decompressed).
 *
 * <p>libpcap is called directly (JNA direct mapping, {@code pcap_next_ex}) rather than through
 * pcap4j's {@code PcapHandle.loop}: that allocates a {@code byte[]}, a {@code Timestamp} and a task
 * per frame, and drops a frame, printing a stack trace, when a corrupt file's fraction of a second
 * is 10^9 or more.
 */
public final class LibpcapFileSource implements PacketSource {

    private static final int INITIAL_BUFFER = 256 * 1024;

    private final String path;
    private final PcapHandle handle;
    private final String compressionFault;
    private final int linkType;
    private final Memory outPointers = new Memory(2L * Native.POINTER_SIZE);
    private final Pointer headerOut = outPointers.share(0);
    private final Pointer dataOut = outPointers.share(Native.POINTER_SIZE);
    private final Pointer header = new Pointer(0);
    private final Pointer data = new Pointer(0);

    /** The handle as a merge's cursor reads it, a frame a call. */
    private Pointer cursorPointer;
    private ByteBuffer buffer = ByteBuffer.allocate(INITIAL_BUFFER);

    private LibpcapFileSource(String path, PcapHandle handle, String compressionFault) {
        this.path = path;
        this.handle = handle;
        this.compressionFault = compressionFault;
        this.linkType = handle.linkType();
    }

    /**
     * Opens a capture file through libpcap.
     *
     * @param path            a pcap or pcapng file, possibly gzip-, zstd- or xz-compressed, or {@code -} for
     *                        standard input
     * @param bpfFilterOrNull a libpcap filter expression applied by libpcap, or null for every frame
     * @throws CaptureException when libpcap is missing, or the file cannot be opened or is not a
     *                          capture, or the filter is invalid; the message starts with the path
     */
    public static LibpcapFileSource open(String path, String bpfFilterOrNull) throws CaptureException {
        Libpcap.load();
        TempDecompression input = TempDecompression.of(path);
        PcapHandle handle;
        try {
            handle = PcapHandle.openOffline(path, input.readPath(), input::delete);
        } catch (CaptureException e) {
            input.delete();
            throw input.fault() != null ? new CaptureException(path + ": " + input.fault()) : e;
        }
        LibpcapFileSource source = new LibpcapFileSource(path, handle, input.fault());
        if (bpfFilterOrNull != null) {
            try {
                handle.setFilter(bpfFilterOrNull, LibpcapNative.NETMASK_UNKNOWN);
            } catch (CaptureException e) {
                source.close();
                throw e;
            }
        }
        return source;
    }

    /** Several files merged in time order ({@link MergedSource}), each read through libpcap with the filter or null. */
    public static MergedSource merge(List<String> names, String bpfFilterOrNull, Consumer<CaptureException> faults) {
        return new MergedSource(names, (name, peek) -> open(name, bpfFilterOrNull).cursor(), faults);
    }

    @Override
    public String name() {
        return path;
    }

    /** The link type of the file's frames as libpcap reports it (a DLT, e.g. 12 for raw IP files). */
    public int linkType() {
        return linkType;
    }

    /**
     * Delivers every frame (that passes the filter) to the sink, until the end of the file or
     * {@link #stop()}.
     *
     * @throws CaptureException when the file is truncated or corrupt, after the frames before the
     *                          fault; the message starts with the path
     */
    @Override
    public void run(PacketSink sink) throws CaptureException {
        Pointer p = handle.beginRead();
        try {
            String fault = readAll(p, sink);
            if (compressionFault != null && !handle.stopRequested()) {
                throw new CaptureException(path + ": " + compressionFault);
            }
            if (fault != null) {
                throw new CaptureException(path + ": " + fault);
            }
        } finally {
            handle.endRead();
        }
    }

    /**
     * This source read a frame at a time by a {@link MergedSource}, instead of {@link #run}: it counts as
     * running until the cursor is closed, so that a {@link #close()} meanwhile leaves the handle to the
     * cursor's thread.
     */
    MergedSource.Cursor cursor() {
        cursorPointer = handle.beginCursor();
        return new MergedSource.Cursor() {
            @Override
            public boolean step(PacketSink sink) throws CaptureException {
                return LibpcapFileSource.this.step(sink);
            }

            @Override
            public void stop() {
                LibpcapFileSource.this.stop();
            }

            @Override
            public void close() {
                handle.closeFromReader();
            }
        };
    }

    /** Reads and delivers one frame; false at the end or after a stop. */
    private boolean step(PacketSink sink) throws CaptureException {
        final Pointer p = cursorPointer;
        while (!handle.stopRequested()) {
            int rc = LibpcapNative.pcap_next_ex(p, headerOut, dataOut);
            if (rc == 1) {
                deliver(sink);
                return true;
            }
            if (rc == 0) {
                continue;
            }
            String fault = rc == LibpcapNative.ERROR_BREAK ? null : LibpcapNative.lastError(p);
            if (compressionFault != null && !handle.stopRequested()) {
                throw new CaptureException(path + ": " + compressionFault);
            }
            if (fault != null) {
                throw new CaptureException(path + ": " + fault);
            }
            return false;
        }
        return false;
    }

    /** Reads until the end, a stop or a fault; returns libpcap's error text, or null. */
    private String readAll(Pointer p, PacketSink sink) {
        while (!handle.stopRequested()) {
            int rc = LibpcapNative.pcap_next_ex(p, headerOut, dataOut);
            if (rc == 1) {
                deliver(sink);
            } else if (rc == LibpcapNative.ERROR_BREAK) {
                return null;
            } else if (rc == 0) {
                continue;
            } else {
                return LibpcapNative.lastError(p);
            }
        }
        return null;
    }

    private void deliver(PacketSink sink) {
        Pointer.nativeValue(header, Native.POINTER_SIZE == 8 ? outPointers.getLong(0) : outPointers.getInt(0));
        Pointer.nativeValue(data, Native.POINTER_SIZE == 8
                ? outPointers.getLong(Native.POINTER_SIZE) : outPointers.getInt(Native.POINTER_SIZE));
        long seconds = LibpcapNative.readNativeLong(header, LibpcapNative.PKTHDR_TV_SEC_OFFSET);
        if (seconds < 0) {
            seconds &= 0xFFFF_FFFFL; // a pcap file's unsigned 32-bit seconds past 2038, which libpcap sign-extends
        }
        // The fraction is below 10^9 in a valid file. A corrupt one's is taken as tcpdump prints it: the
        // unsigned 32 bits of libpcap's value (which it sign-extends, and scales by 1000 for microsecond files).
        long nanos = LibpcapNative.readNativeLong(header, LibpcapNative.PKTHDR_TV_FRAC_OFFSET) & 0xFFFF_FFFFL;
        int capturedLength = header.getInt(LibpcapNative.PKTHDR_CAPLEN_OFFSET);
        int originalLength = header.getInt(LibpcapNative.PKTHDR_LEN_OFFSET);
        if (capturedLength < 0) {
            return; // libpcap caps caplen far below 2^31; never seen, but never index with it
        }
        ByteBuffer buf = buffer;
        if (capturedLength > buf.capacity()) {
            buf = ByteBuffer.allocate(Math.max(capturedLength, 2 * buf.capacity()));
            buffer = buf;
        }
        data.read(0, buf.array(), 0, capturedLength);
        if (originalLength < capturedLength) {
            originalLength = capturedLength; // a corrupt record; the sink's contract is len >= caplen
        }
        sink.onPacket(linkType, seconds * 1_000_000_000L + nanos, buf, 0, capturedLength, originalLength);
    }

    /**
     * Asks a running {@link #run} to return after the frame being delivered ({@code pcap_breakloop});
     * on standard input that blocks, it returns when the next frame or the end arrives.
     */
    @Override
    public void stop() {
        handle.stop();
    }

    /**
     * Closes the libpcap handle and deletes the temporary file; when {@link #run} is running on
     * another thread it is stopped and the handle is closed when it returns.
     */
    @Override
    public void close() {
        handle.close();
    }
}
