package io.portwatch.capture.decode;

/** LINKTYPE_* codes as written in pcap and pcapng files (and DLT_* where libpcap differs). */
public final class LinkType {
    private LinkType() {
    }

    /** BSD loopback: 4-byte address family in the host byte order of the writer. */
    public static final int NULL = 0;
    public static final int ETHERNET = 1;
    /** DLT_RAW as some platforms number it. */
    public static final int RAW_OPENBSD = 14;
    /** DLT_RAW on most platforms (12); LINKTYPE_RAW in files is 101. */
    public static final int RAW_DLT = 12;
    /** OpenBSD DLT_LOOP: like NULL but the family is big-endian. */
    public static final int LOOP = 108;
    public static final int RAW = 101;
    public static final int LINUX_SLL = 113;
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;
    public static final int LINUX_SLL2 = 276;

    /** A short name for messages and summaries, e.g. {@code "EN10MB (1)"} or {@code "linktype 147"}. */
    public static String name(int linkType) {
        return switch (linkType) {
            case NULL -> "NULL (0)";
            case ETHERNET -> "EN10MB (1)";
            case RAW_DLT -> "RAW (12)";
            case RAW_OPENBSD -> "RAW (14)";
            case LOOP -> "LOOP (108)";
            case RAW -> "RAW (101)";
            case LINUX_SLL -> "LINUX_SLL (113)";
            case IPV4 -> "IPV4 (228)";
            case IPV6 -> "IPV6 (229)";
            case LINUX_SLL2 -> "LINUX_SLL2 (276)";
            default -> "linktype " + linkType;
        };
    }
}
