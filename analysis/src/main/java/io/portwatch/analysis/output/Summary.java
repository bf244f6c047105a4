package io.portwatch.analysis.output;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Totals of one analysis run (one input, or several read as one capture). Immutable.
 *
 * @param input            the capture input(s)
 * @param firstNanos       first frame time, or 0 when there was none
 * @param lastNanos        last frame time, or 0
 * @param packets          frames read
 * @param bytes            IP-layer bytes of the IP frames
 * @param tcpPackets       frames whose outer IP header carries TCP (with ports decoded)
 * @param udpPackets       frames whose outer IP header carries UDP (with ports decoded)
 * @param fragmentPackets  non-first IP fragments (counted toward their datagram's flow when known)
 * @param otherIpPackets   IP frames with another protocol (ICMP, GRE, ...)
 * @param nonIpPackets     frames without IP (ARP, LLDP, ...)
 * @param flows            flows started
 * @param flowsEvicted     flows evicted because the flow table was full
 * @param decodeErrors     frames that could not be decoded, by reason key
 * @param unknownLinkTypes frames of link types the decoder does not know, by link type name
 * @param inputErrors      one line per input fault (missing file, truncated file, ...)
 */
public record Summary(
        String input,
        long firstNanos,
        long lastNanos,
        long packets,
        long bytes,
        long tcpPackets,
        long udpPackets,
        long fragmentPackets,
        long otherIpPackets,
        long nonIpPackets,
        long flows,
        long flowsEvicted,
        Map<String, Long> decodeErrors,
        Map<String, Long> unknownLinkTypes,
        List<String> inputErrors) implements Record {

    public Summary {
        decodeErrors = Collections.unmodifiableMap(new LinkedHashMap<>(decodeErrors));
        unknownLinkTypes = Collections.unmodifiableMap(new LinkedHashMap<>(unknownLinkTypes));
        inputErrors = List.copyOf(inputErrors);
    }

    public long decodeErrorTotal() {
        return decodeErrors.values().stream().mapToLong(Long::longValue).sum();
    }
}
