package io.portwatch.capture.ring;

import io.portwatch.capture.libpcap.LibpcapTestSupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A tun device of the test's own (a device without a link-layer header: its frames are IP packets), held open by
 * a python3 process that writes into it the packets the test asks for, which the host then receives on it. The
 * device has 10.77.x.1/30 and the packets come from 10.77.x.2 to that address, so that what the host answers (an
 * ICMP error for a closed UDP port) goes back into the device, and nothing leaves it. Skips the test when it cannot
 * be made (not root, no {@code /dev/net/tun}, no python3). {@link #close} removes it.
 */
final class TunDevice implements AutoCloseable {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /** Makes the device (TUNSETIFF, no packet information), then writes UDP datagrams when told on stdin. */
    private static final String HOLDER = String.join("\n",
            "import fcntl, os, socket, struct, sys",
            "name, src, dst = sys.argv[1:4]",
            "fd = os.open('/dev/net/tun', os.O_RDWR)",
            "fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH', name.encode(), 0x0001 | 0x1000))",
            "print('ready', flush=True)",
            "def checksum(b):",
            "    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))",
            "    s = (s >> 16) + (s & 0xffff)",
            "    return ~(s + (s >> 16)) & 0xffff",
            "ident = 0",
            "for line in sys.stdin:",
            "    words = line.split()",
            "    if words[0] == 'exit':",
            "        break",
            "    port = int(words[1])",
            "    for n in map(int, words[2].split(',')):",
            "        udp = struct.pack('!HHHH', 40000, port, 8 + n, 0) + bytes(n)",
            "        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), ident, 0, 64, 17, 0,",
            "                         socket.inet_aton(src), socket.inet_aton(dst))",
            "        ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]",
            "        os.write(fd, ip + udp)",
            "        ident += 1",
            "    print('sent', flush=True)",
            "");

    final String name;
    /** The device's address, where the datagrams go. */
    final String address;
    /** Where the datagrams come from, and the host's answers go. */
    final String peer;
    private final Process holder;
    private final Writer commands;
    private final BufferedReader replies;

    private TunDevice(String name, String address, String peer, Process holder) {
        this.name = name;
        this.address = address;
        this.peer = peer;
        this.holder = holder;
        this.commands = new OutputStreamWriter(holder.getOutputStream(), StandardCharsets.US_ASCII);
        this.replies = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.US_ASCII));
    }

    static TunDevice create() throws IOException {
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun here");
        assumeTrue(LibpcapTestSupport.hasTool("ip"), "the ip tool (iproute2) is not installed");
        assumeTrue(LibpcapTestSupport.hasTool("python3"), "python3 is not installed (it holds the device)");
        String name = "pwtun" + ProcessHandle.current().pid() % 100_000 + "t" + SEQUENCE.incrementAndGet();
        int subnet = LibpcapTestSupport.freeSubnet();
        String address = "10.77." + subnet + ".1";
        String peer = "10.77." + subnet + ".2";
        Process p = new ProcessBuilder("python3", "-c", HOLDER, name, peer, address)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        TunDevice t = new TunDevice(name, address, peer, p);
        String first = t.replies.readLine();
        if (!"ready".equals(first)) {
            t.close();
            assumeTrue(false, "cannot make a tun device (as root only): " + first);
        }
        LibpcapTestSupport.ip("addr", "add", address + "/30", "dev", name);
        LibpcapTestSupport.ip("link", "set", name, "up");
        return t;
    }

    /** Writes UDP datagrams of these payload sizes from the peer to the device's address and {@code port}. */
    void sendUdp(int port, int... sizes) throws IOException {
        StringBuilder list = new StringBuilder();
        for (int s : sizes) {
            list.append(list.length() == 0 ? "" : ",").append(s);
        }
        commands.write("send " + port + " " + list + "\n");
        commands.flush();
        assertEquals("sent", replies.readLine(), "the holder wrote the datagrams");
    }

    @Override
    public void close() throws IOException {
        try {
            commands.write("exit\n");
            commands.flush();
        } catch (IOException gone) {
            // the holder has ended already
        }
        try {
            if (!holder.waitFor(5, TimeUnit.SECONDS)) {
                holder.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (Files.exists(Path.of("/sys/class/net", name))) {
            LibpcapTestSupport.run(List.of("ip", "link", "del", name));
        }
    }
}
