package io.portwatch.capture.libpcap;

import java.util.List;
import java.util.Objects;

/**
 * A device libpcap can capture on, as {@link CaptureInterfaces#list()} reports it.
 *
 * @param name        what to pass to {@link LibpcapLiveSource#open}, e.g. {@code eth0}
 * @param description libpcap's description (e.g. for pseudo-devices such as {@code any}), or null
 * @param addresses   its IPv4 and IPv6 addresses, with their prefix lengths
 * @param up          the interface is administratively up
 * @param running     the interface is running (its link is up)
 * @param loopback    it is a loopback interface
 */
public record InterfaceInfo(String name, String description, List<Address> addresses, boolean up,
                            boolean running, boolean loopback) {

    /**
     * An address of the interface.
     *
     * @param address      an IPv4 or IPv6 address
     * @param prefixLength the netmask's length in bits, or -1 when the netmask is unknown or not contiguous
     */
    public record Address(java.net.InetAddress address, int prefixLength) {
    }

    public InterfaceInfo {
        Objects.requireNonNull(name, "name");
        addresses = List.copyOf(addresses);
    }
}
