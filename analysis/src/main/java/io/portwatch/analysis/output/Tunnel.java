package io.portwatch.analysis.output;

import io.portwatch.capture.decode.TunnelKind;

/**
 * The tunnel a flow was carried in (its innermost one, when tunnels nest), as seen on the wire. Immutable.
 *
 * @param kind             the encapsulation
 * @param outerSource      the outer IP header's source address, in text form (as {@link FlowRecord#clientIp})
 * @param outerDestination the outer IP header's destination address
 */
public record Tunnel(TunnelKind kind, String outerSource, String outerDestination) {
}
