package io.portwatch.capture.source;

import io.portwatch.capture.decode.LinkType;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One filter expression for frames of any link type (a pcapng file may mix them): compiled by
 * libpcap the first time a link type is seen. When the expression cannot be compiled for a link
 * type, that is reported once and the frames of that link type do not match.
 *
 * <p>The compiler is handed in ({@link Compiler}; libpcap's is {@code libpcap.BpfCompiler::compile}) so that
 * this package never names libpcap: what needs JNA is compiling, not matching.
 *
 * <p>Not thread-safe: use one per reading thread.
 */
public final class BpfFilterSet {

    /** Compiles an expression for one link type. */
    @FunctionalInterface
    public interface Compiler {
        /**
         * @param expression a libpcap filter expression, e.g. {@code "tcp port 80"}
         * @param linkType   the frames' link type: a LINKTYPE as in capture files or libpcap's DLT
         * @param snaplen    the snapshot length the program assumes, usually {@link BpfFilter#DEFAULT_SNAPLEN}
         * @throws CaptureException when the compiler is missing or rejects the expression; the message is
         *                          {@code invalid filter "EXPR": <why>}
         */
        BpfFilter compile(String expression, int linkType, int snaplen) throws CaptureException;
    }

    private static final int IEEE802_11 = 105;
    private static final int IEEE802_11_RADIOTAP = 127;

    /** Link types an expression is tried on up front, to reject one that is valid for none of them. */
    private static final int[] PROBE_LINK_TYPES = {
        LinkType.ETHERNET, LinkType.RAW, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.NULL,
        IEEE802_11, IEEE802_11_RADIOTAP
    };

    private final String expression;
    private final int snaplen;
    private final Compiler compiler;
    private final Consumer<String> onInvalid;

    private int[] types = new int[8];
    private BpfFilter[] filters = new BpfFilter[8];
    /** For link types whose compile failed: the message, until it is reported. */
    private String[] pending = new String[8];
    private int size;
    private int lastType = -1;
    private BpfFilter lastFilter;

    private BpfFilterSet(String expression, int snaplen, Compiler compiler, Consumer<String> onInvalid) {
        this.expression = expression;
        this.snaplen = snaplen;
        this.compiler = compiler;
        this.onInvalid = onInvalid;
    }

    /**
     * Checks the expression and prepares the set.
     *
     * @param expression a libpcap filter expression
     * @param snaplen    the snapshot length programs assume, usually {@link BpfFilter#DEFAULT_SNAPLEN}
     * @param compiler   compiles the expression for a link type (libpcap's: {@code BpfCompiler::compile})
     * @param onInvalid  told once per link type the expression cannot be compiled for, with a
     *                   one-line message, e.g. {@code invalid filter "ether host 1:2:3:4:5:6" for RAW (101): ...}
     * @throws CaptureException when libpcap is missing, or the expression is invalid for every common
     *                          link type (Ethernet, raw IP, Linux cooked v1/v2, BSD loopback, 802.11,
     *                          radiotap); the message is the Ethernet one,
     *                          {@code invalid filter "EXPR": <libpcap's text>}
     */
    public static BpfFilterSet compile(String expression, int snaplen, Compiler compiler, Consumer<String> onInvalid)
            throws CaptureException {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(compiler, "compiler");
        Objects.requireNonNull(onInvalid, "onInvalid");
        BpfFilterSet set = new BpfFilterSet(expression, snaplen, compiler, onInvalid);
        CaptureException first = null;
        boolean anyValid = false;
        for (int lt : PROBE_LINK_TYPES) {
            try {
                set.add(lt, compiler.compile(expression, lt, snaplen), null);
                anyValid = true;
            } catch (CaptureException e) {
                if (first == null) {
                    first = e;
                }
                set.add(lt, null, set.linkTypeMessage(lt, e));
            }
        }
        if (!anyValid) {
            throw first;
        }
        return set;
    }

    /** The expression the set was made from. */
    public String expression() {
        return expression;
    }

    /**
     * Runs the expression's program for this link type on one frame.
     *
     * @return false also when the expression cannot be compiled for the link type (reported once)
     */
    public boolean matches(int linkType, ByteBuffer buf, int offset, int capturedLength, int originalLength) {
        BpfFilter f;
        if (linkType == lastType) {
            f = lastFilter;
        } else {
            f = lookup(linkType);
            lastType = linkType;
            lastFilter = f;
        }
        return f != null && f.matches(buf, offset, capturedLength, originalLength);
    }

    private BpfFilter lookup(int linkType) {
        for (int i = 0; i < size; i++) {
            if (types[i] == linkType) {
                String message = pending[i];
                if (message != null) {
                    pending[i] = null;
                    onInvalid.accept(message);
                }
                return filters[i];
            }
        }
        BpfFilter f = null;
        String message = null;
        try {
            f = compiler.compile(expression, linkType, snaplen);
        } catch (CaptureException e) {
            message = linkTypeMessage(linkType, e);
        }
        add(linkType, f, null);
        if (message != null) {
            onInvalid.accept(message);
        }
        return f;
    }

    private void add(int linkType, BpfFilter filter, String pendingMessage) {
        if (size == types.length) {
            types = Arrays.copyOf(types, size * 2);
            filters = Arrays.copyOf(filters, size * 2);
            pending = Arrays.copyOf(pending, size * 2);
        }
        types[size] = linkType;
        filters[size] = filter;
        pending[size] = pendingMessage;
        size++;
    }

    private String linkTypeMessage(int linkType, CaptureException e) {
        String prefix = "invalid filter \"" + expression + "\": ";
        String m = e.getMessage();
        String why = m.startsWith(prefix) ? m.substring(prefix.length()) : m;
        return "invalid filter \"" + expression + "\" for " + LinkType.name(linkType) + ": " + why;
    }

    @Override
    public String toString() {
        return "BpfFilterSet[\"" + expression + "\"]";
    }
}
