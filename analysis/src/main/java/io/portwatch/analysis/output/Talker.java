package io.portwatch.analysis.output;

/**
 * One host among a port's top talkers in a window: what its flows on the port carried, both ways.
 * Immutable.
 *
 * @param address the host's address, as text
 * @param packets packets of its flows on the port in the window, both directions
 * @param bytes   IP-layer bytes of those packets
 * @param flows   its flows on the port active in the window
 */
public record Talker(String address, long packets, long bytes, long flows) {
}
