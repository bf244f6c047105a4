package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureException;

/**
 * Reads {@code -} (standard input) with {@link LibpcapFileSource} and prints
 * {@code frames=N linktype=L bytes=B}, or the error message and exit code 2; run by a test in a child JVM.
 */
public final class LibpcapStdinMain {

    private LibpcapStdinMain() {
    }

    public static void main(String[] args) {
        String filter = args.length > 0 ? args[0] : null;
        long[] counts = new long[2];
        try (LibpcapFileSource source = LibpcapFileSource.open("-", filter)) {
            source.run((linkType, ts, buf, offset, caplen, len) -> {
                counts[0]++;
                counts[1] += len;
            });
            System.out.println("frames=" + counts[0] + " linktype=" + source.linkType() + " bytes=" + counts[1]);
        } catch (CaptureException e) {
            System.out.println(e.getMessage());
            System.exit(2);
        }
    }
}
