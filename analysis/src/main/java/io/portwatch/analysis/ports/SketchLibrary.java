package io.portwatch.analysis.ports;

/**
 * DataSketches on the Java that runs portwatch. Sketches are written and read through datasketches-memory 3.0,
 * which refuses, when its first class loads, any Java whose version string is not 8, 11, 17 or 21: on Java 25 the
 * first window's distinct-count sketches ended {@code read} and {@code live} with a stack trace. The library runs
 * on Java 25 as on 17 (a sketch of 100,000 values written, read back and merged gives the same 2,092 bytes and the
 * same estimates on both); DataSketches 7 and later, which do not check, need Java 21 or later, and portwatch runs
 * on 17. So on a Java past 21 the version string reads 21 while that one class loads, and its own again at once.
 *
 * <p>Loading this class does it ({@link #ready}), once (on Java 17 and 21, nothing): {@link AddressSketch} does
 * before any sketch, and the command does first thing, before it starts any thread that could read the version
 * string meanwhile (the fleet's sketches, which do not go through {@link AddressSketch}, included).
 */
public final class SketchLibrary {

    /** The class whose loading checks the version (datasketches-memory 3.0.x). */
    private static final String CHECKING_CLASS = "org.apache.datasketches.memory.internal.ResourceImpl";
    /** The last Java feature release the library accepts by name. */
    private static final int LAST_ACCEPTED = 21;

    static {
        load();
    }

    private SketchLibrary() {
    }

    /** Nothing more: by now the library's checking class has loaded, on any Java. */
    public static void ready() {
        // the static initializer did the work
    }

    /** On a Java past 21, loads the checking class with the version string made acceptable while it does. */
    private static void load() {
        String version = System.getProperty("java.version");
        if (Runtime.version().feature() <= LAST_ACCEPTED || version == null) {
            return; // accepted as it is, whenever the class loads
        }
        System.setProperty("java.version", Integer.toString(LAST_ACCEPTED));
        try {
            Class.forName(CHECKING_CLASS, true, SketchLibrary.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            // a later datasketches-memory without that class: nothing to prepare
        } finally {
            System.setProperty("java.version", version);
        }
    }
}
