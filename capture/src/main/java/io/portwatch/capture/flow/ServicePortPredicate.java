package io.portwatch.capture.flow;

/** Tells whether a port is a known service port of a transport, to tell a flow's server side. */
@FunctionalInterface
public interface ServicePortPredicate {
    /**
     * @param ipProtocol 6 (TCP) or 17 (UDP)
     * @param port       0-65535
     */
    boolean isServicePort(int ipProtocol, int port);
}
