package io.portwatch.capture.ring;

import io.portwatch.capture.libpcap.LiveCapture;
import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.source.CaptureException;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code PACKET_FANOUT} group on one interface: N ring sources ({@link RingLiveSource}) among which the
 * kernel spreads the interface's frames by flow, each to be run by a thread of its own
 * ({@code live -i IF --threads N}). The mode is {@code PACKET_FANOUT_CBPF}: the group's {@link FanoutProgram}
 * hashes each frame's pair of IP addresses, the same both ways (as RingFanoutNamespaceTest checks), so that
 * both directions of a connection, the fragments of a datagram and the ICMP errors between two hosts go to
 * the same source, each frame as it was on the wire. (The kernel's own {@code PACKET_FANOUT_HASH} is
 * symmetric too, {@code __skb_get_hash_symmetric} on Linux 6.x, but hashes fragments apart from their flow
 * unless it reassembles them first: see {@link FanoutProgram}.)
 *
 * <p>The group id is the kernel's to give ({@code PACKET_FANOUT_FLAG_UNIQUEID}): the first member asks for a
 * group with an id no group of the network namespace has, and the others join it by that id. An id of 16
 * random bits could be one another capture of the same interface had drawn, and a member that asks for an
 * existing group's id in the same mode joins that group: two sensors would then share the interface's frames
 * without a word (with 600 groups on one interface, random ids collided in most runs; RingFanoutNamespaceTest). The buffer ({@code --buffer-size}) is shared: each member's
 * ring gets its {@code 1/N}th.
 *
 * <p>A member that fails (its interface went away) is opened again in the same group by {@link #open}, which
 * is a {@link LiveCapture.Opener}: give it to {@code ReattachingLiveSource.open} for each member. A group lives
 * as long as one of its members' sockets: once every one was closed, the next member opened makes a new group,
 * with a new id from the kernel, since the old one may be another capture's by then.
 */
public final class RingFanout {

    /** {@code PACKET_FANOUT_CBPF}. */
    static final int MODE = RingLibc.PACKET_FANOUT_CBPF;
    /** Most members of a group: the kernel's {@code PACKET_FANOUT_MAX} is 65,536; this is plenty. */
    public static final int MAX_MEMBERS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int members;
    /** The group's program's multiplier, drawn for the group, so that traffic cannot pick its member. */
    private final int multiplier = RANDOM.nextInt();
    /** The group's id, as the kernel gave it to the first member; -1 until then. */
    private volatile int id = -1;
    /** The members opened so far (under this object's lock), to tell whether the group still exists. */
    private final List<RingLiveSource> opened = new ArrayList<>();

    private RingFanout(int members) {
        this.members = members;
    }

    /** A group for {@code members} sources; nothing is opened yet, and the group has no id until one is. */
    public static RingFanout create(int members) {
        if (members < 1 || members > MAX_MEMBERS) {
            throw new IllegalArgumentException("a fanout group has 1 to " + MAX_MEMBERS + " members: " + members);
        }
        return new RingFanout(members);
    }

    /**
     * Opens {@code members} sources on the interface in one new group, each with its share of the buffer;
     * closes those opened if one fails.
     *
     * @throws CaptureException as {@link RingLiveSource#open}
     */
    public static List<RingLiveSource> openAll(String iface, LiveOptions options, int members) throws CaptureException {
        RingFanout group = create(members);
        List<RingLiveSource> opened = new ArrayList<>(members);
        try {
            for (int i = 0; i < members; i++) {
                opened.add(group.open(iface, options));
            }
            return List.copyOf(opened);
        } catch (CaptureException | RuntimeException | Error e) {
            opened.forEach(RingLiveSource::close);
            throw e;
        }
    }

    /** The group's program for an interface whose link-layer header is {@code linkHeader} bytes. */
    private byte[] program(int linkHeader) {
        return FanoutProgram.of(multiplier, linkHeader);
    }

    /** The group id the kernel gave, or -1 before the first member is open. */
    public int id() {
        return id;
    }

    /** How many members the buffer is shared among. */
    public int members() {
        return members;
    }

    /**
     * Opens one member: a ring source of {@code bufferSizeBytes / members} bytes in this group. The first
     * makes the group, with an id the kernel gives; the others join it.
     *
     * @throws CaptureException as {@link RingLiveSource#open}
     */
    public synchronized RingLiveSource open(String iface, LiveOptions options) throws CaptureException {
        LiveOptions share = new LiveOptions(options.snaplen(), options.promiscuous(),
                Math.max(1, options.bufferSizeBytes() / members), options.immediate(), options.timeoutMillis(),
                options.filter());
        opened.removeIf(m -> !m.socketOpen());
        if (opened.isEmpty()) {
            id = -1; // the group ended with its last member's socket: its id may be another capture's by now
        }
        if (id >= 0) {
            RingLiveSource member = RingLiveSource.open(iface, share, id | ((long) MODE << 16), this::program);
            opened.add(member);
            return member;
        }
        RingLiveSource first = RingLiveSource.open(iface, share,
                (long) (MODE | RingLibc.PACKET_FANOUT_FLAG_UNIQUEID) << 16, this::program);
        int given = first.fanoutGroup();
        if (given < 0) {
            first.close();
            throw new RingUnavailableException(iface + ": the kernel gave the fanout group no id");
        }
        id = given;
        opened.add(first);
        return first;
    }
}
