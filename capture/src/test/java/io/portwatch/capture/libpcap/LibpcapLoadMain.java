package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureException;
import org.pcap4j.core.Pcaps;

/**
 * Loads libpcap in a fresh JVM and prints {@code ok <library name>|<pcap4j's version string>}, or
 * {@code error <message>} and exits with 2; run by a test in a child JVM.
 */
public final class LibpcapLoadMain {

    private LibpcapLoadMain() {
    }

    public static void main(String[] args) {
        try {
            Libpcap.load();
            System.out.println("ok " + Libpcap.libraryName() + "|" + Pcaps.libVersion());
        } catch (CaptureException e) {
            System.out.println("error " + e.getMessage());
            System.exit(2);
        }
    }
}
