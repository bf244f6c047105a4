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
 * <p>The group id is random (16 bits): groups are per network namespace, and one that another process made
 * with the same id and another mode refuses the first member, which is then tried again with another id. The
 * buffer ({@code --buffer-size}) is shared: each member's ring gets its {@code 1/N}th.
 *
 * <p>A member that fails (its interface went away) is opened again in the same group by {@link #open}, which
 * is a {@link LiveCapture.Opener}: give it to {@code ReattachingLiveSource.open} for each member.
 */
public final class RingFanout {

    /** {@code PACKET_FANOUT_CBPF}. */
    static final int MODE = RingLibc.PACKET_FANOUT_CBPF;
    /** Most members of a group: the kernel's {@code PACKET_FANOUT_MAX} is 65,536; this is plenty. */
    public static final int MAX_MEMBERS = 256;
    private static final int ID_ATTEMPTS = 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int members;
    /** The group's program: its multiplier drawn for the group, so that traffic cannot pick its member. */
    private final byte[] program = FanoutProgram.of(RANDOM.nextInt());
    private volatile int id;
    /** Members opened so far (under this object's lock): once one has, the id is the group's for good. */
    private int joined;

    private RingFanout(int members, int id) {
        this.members = members;
        this.id = id;
    }

    /** A group for {@code members} sources, with a random id; nothing is opened yet. */
    public static RingFanout create(int members) {
        if (members < 1 || members > MAX_MEMBERS) {
            throw new IllegalArgumentException("a fanout group has 1 to " + MAX_MEMBERS + " members: " + members);
        }
        return new RingFanout(members, RANDOM.nextInt(1 << 16));
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

    /** The group id. */
    public int id() {
        return id;
    }

    /** How many members the buffer is shared among. */
    public int members() {
        return members;
    }

    /**
     * Opens one member: a ring source of {@code bufferSizeBytes / members} bytes in this group. The first
     * to join makes the group; if an unrelated group already holds the id, another id is drawn.
     *
     * @throws CaptureException as {@link RingLiveSource#open}
     */
    public synchronized RingLiveSource open(String iface, LiveOptions options) throws CaptureException {
        LiveOptions share = new LiveOptions(options.snaplen(), options.promiscuous(),
                Math.max(1, options.bufferSizeBytes() / members), options.immediate(), options.timeoutMillis(),
                options.filter());
        for (int attempt = 1; ; attempt++) {
            try {
                RingLiveSource member = RingLiveSource.open(iface, share, id | ((long) MODE << 16), program);
                joined++;
                return member;
            } catch (RingUnavailableException e) {
                if (joined > 0 || attempt >= ID_ATTEMPTS || !e.getMessage().contains("fanout group")) {
                    throw e;
                }
                id = RANDOM.nextInt(1 << 16); // taken by a group of another kind
            }
        }
    }
}
