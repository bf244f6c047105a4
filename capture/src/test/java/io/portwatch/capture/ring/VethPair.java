package io.portwatch.capture.ring;

import io.portwatch.capture.libpcap.LibpcapTestSupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A veth pair of the test's own, as LiveNamespaceTest makes it (with {@link LibpcapTestSupport}'s helpers):
 * the host end here, up, with 10.77.x.1/30; the other end in a new network namespace with 10.77.x.2. Skips
 * the test when namespaces cannot be made (not root). {@link #close} removes both.
 */
final class VethPair implements AutoCloseable {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    final String namespace;
    final String hostEnd;
    final String nsEnd;
    final String hostAddress;
    final String nsAddress;

    private VethPair(String namespace, String hostEnd, String nsEnd, String hostAddress, String nsAddress) {
        this.namespace = namespace;
        this.hostEnd = hostEnd;
        this.nsEnd = nsEnd;
        this.hostAddress = hostAddress;
        this.nsAddress = nsAddress;
    }

    static VethPair create() {
        assumeTrue(LibpcapTestSupport.hasTool("ip"), "the ip tool (iproute2) is not installed");
        assumeTrue(LibpcapTestSupport.hasTool("python3"), "python3 is not installed (it sends from the namespace)");
        String id = ProcessHandle.current().pid() % 100_000 + "r" + SEQUENCE.incrementAndGet();
        String ns = "pwring" + id;
        LibpcapTestSupport.Result add = LibpcapTestSupport.run(List.of("ip", "netns", "add", ns));
        assumeTrue(add.exitCode() == 0, "cannot create a network namespace: " + add.stderr().strip());
        int subnet = LibpcapTestSupport.freeSubnet();
        VethPair p = new VethPair(ns, "pwrh" + id, "pwrn" + id, "10.77." + subnet + ".1", "10.77." + subnet + ".2");
        LibpcapTestSupport.ip("link", "add", p.hostEnd, "type", "veth", "peer", "name", p.nsEnd, "netns", ns);
        LibpcapTestSupport.ip("addr", "add", p.hostAddress + "/30", "dev", p.hostEnd);
        LibpcapTestSupport.ip("-n", ns, "addr", "add", p.nsAddress + "/30", "dev", p.nsEnd);
        LibpcapTestSupport.ip("-n", ns, "link", "set", p.nsEnd, "up");
        LibpcapTestSupport.ip("-n", ns, "link", "set", "lo", "up");
        LibpcapTestSupport.ip("link", "set", p.hostEnd, "up");
        return p;
    }

    /** Runs a command in the namespace; fails the test when it fails; its output. */
    String nsRun(String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        c.addAll(List.of(command));
        LibpcapTestSupport.Result r = LibpcapTestSupport.run(c);
        assertEquals(0, r.exitCode(), () -> String.join(" ", c) + ": " + r.stderr());
        return r.stdout();
    }

    /** Sends UDP datagrams of these payload sizes from the namespace to the host end, to {@code port}. */
    void sendUdp(int port, int... sizes) {
        StringBuilder list = new StringBuilder();
        for (int s : sizes) {
            list.append(s).append(',');
        }
        nsRun("python3", "-c", "import socket\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "for n in [" + list + "]:\n"
                + "    s.sendto(bytes(n), ('" + hostAddress + "', " + port + "))\n");
    }

    @Override
    public void close() {
        if (Files.exists(Path.of("/sys/class/net", hostEnd))) {
            LibpcapTestSupport.run(List.of("ip", "link", "del", hostEnd));
        }
        LibpcapTestSupport.run(List.of("ip", "netns", "del", namespace));
    }

    /** A pair for a ring test: skips the test when libpcap (for the filters) or the ring cannot be had here. */
    static VethPair forRing() throws io.portwatch.capture.source.CaptureException {
        io.portwatch.capture.libpcap.LibpcapTestSupport.requireLibpcap();
        try {
            RingLiveSource.open("lo", io.portwatch.capture.libpcap.LiveOptions.defaults()).close();
        } catch (RingUnavailableException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "the ring cannot capture here: " + e.getMessage());
        }
        return create();
    }

    /** Closes what a test opened, last first, then the pair (when there is one). */
    static void closeAll(java.util.List<AutoCloseable> opened, VethPair pair) throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        if (pair != null) {
            pair.close();
        }
    }
}
