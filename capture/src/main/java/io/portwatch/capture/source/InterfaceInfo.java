package io.portwatch.capture.source;

import java.util.List;
import java.util.Objects;

/**
 * A device libpcap can capture on, as {@link CaptureInterfaces#list()} reports it.
 *
 * @param name        what to pass to {@link LibpcapLiveSource#open}, e.g. {@code eth0}
 * @param description libpcap's description (e.g. for pseudo-devices such as {@code any}), or null
 * @param addresses   its IPv4 and IPv6 addresses as text, with the prefix length when the netmask is
 *                    known, e.g. {@code 192.0.2.7/24}, {@code 2001:db8::7/64}
 * @param up          the interface is administratively up
 * @param running     the interface is running (its link is up)
 * @param loopback    it is a loopback interface
 */
public record InterfaceInfo(String name, String description, List<String> addresses, boolean up,
                            boolean running, boolean loopback) {

    public InterfaceInfo {
        Objects.requireNonNull(name, "name");
        addresses = List.copyOf(addresses);
    }
}
