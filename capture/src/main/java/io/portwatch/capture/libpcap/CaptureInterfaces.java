package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureException;
import org.pcap4j.core.PcapAddress;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.Pcaps;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** The devices libpcap can capture on ({@code pcap_findalldevs}), in libpcap's order: the busiest kinds first. */
public final class CaptureInterfaces {

    private CaptureInterfaces() {
    }

    /**
     * Lists the capture devices, pseudo-devices such as {@code any} included.
     *
     * @throws CaptureException when libpcap is missing or cannot list the devices (one line)
     */
    public static List<InterfaceInfo> list() throws CaptureException {
        Libpcap.load();
        List<PcapNetworkInterface> devices;
        try {
            devices = Pcaps.findAllDevs();
        } catch (PcapNativeException e) {
            throw new CaptureException("cannot list the capture interfaces: " + CaptureException.oneLine(e.getMessage()), e);
        }
        List<InterfaceInfo> out = new ArrayList<>(devices.size());
        for (PcapNetworkInterface d : devices) {
            List<InterfaceInfo.Address> addresses = new ArrayList<>();
            for (PcapAddress a : d.getAddresses()) {
                InetAddress address = a.getAddress();
                if (address instanceof Inet4Address || address instanceof Inet6Address) {
                    addresses.add(new InterfaceInfo.Address(address,
                            prefixLength(a.getNetmask(), address.getAddress().length)));
                }
            }
            String description = d.getDescription();
            out.add(new InterfaceInfo(d.getName(), description == null || description.isBlank() ? null : description,
                    addresses, d.isUp(), d.isRunning(), d.isLoopBack()));
        }
        return List.copyOf(out);
    }

    /** The names of {@link #list()}, joined with {@code ", "}; null when they cannot be listed. */
    public static String namesOrNull() {
        try {
            List<InterfaceInfo> all = list();
            StringBuilder sb = new StringBuilder();
            for (InterfaceInfo i : all) {
                if (sb.length() > 0) {
                    sb.append(", ");
                }
                sb.append(i.name());
            }
            return sb.length() == 0 ? null : sb.toString();
        } catch (CaptureException | RuntimeException e) {
            return null;
        }
    }

    /** The number of leading one bits of a contiguous netmask of the address's size, or -1. */
    static int prefixLength(InetAddress netmask, int addressBytes) {
        if (netmask == null) {
            return -1;
        }
        byte[] m = netmask.getAddress();
        if (m.length != addressBytes) {
            return -1;
        }
        int bits = 0;
        boolean ended = false;
        for (byte x : m) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean one = ((x >> bit) & 1) != 0;
                if (one && ended) {
                    return -1; // not a contiguous mask
                }
                if (one) {
                    bits++;
                } else {
                    ended = true;
                }
            }
        }
        return bits;
    }
}
