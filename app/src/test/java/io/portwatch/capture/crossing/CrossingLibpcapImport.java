package io.portwatch.capture.crossing;

import com.sun.jna.Native;
import io.portwatch.capture.libpcap.Libpcap;

/**
 * A class of capture's core packages that reaches into JNA and into the libpcap package, as no class of
 * the core may: the architecture test checks that its rules catch it. Test code only, never on the main
 * class path.
 */
public final class CrossingLibpcapImport {

    private CrossingLibpcapImport() {
    }

    static Object crossings() throws Exception {
        Libpcap.load();
        return Native.POINTER_SIZE;
    }
}
