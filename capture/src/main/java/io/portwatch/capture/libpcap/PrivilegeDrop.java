package io.portwatch.capture.libpcap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.util.Locale;

/**
 * Gives up root ({@code live --user NAME [--group NAME]}) once the captures are open, as tcpdump's
 * {@code -Z} and Suricata's {@code --user} do, so that what runs while packets arrive (decoding, the
 * outputs, Kafka, HTTP) runs as an unprivileged user. The order is the one that leaves no way back:
 * supplementary groups ({@code initgroups} of the user, or only {@code --group}), then the group, then
 * the user; then a {@code setuid(0)} that must fail. glibc applies each {@code set*id} to every thread
 * of the process (its setxid broadcast), so the JVM's threads started before (compiler, collector,
 * signal dispatcher) change too; {@link #current()} reads the kernel's view back.
 *
 * <p>An interface that goes away cannot be opened again afterwards (as with tcpdump {@code -Z}): a
 * sensor that must reattach runs as a user with the capture capabilities instead (the Docker image's
 * way, docs/operations.md). It lives beside libpcap because only this package makes native calls.
 */
public final class PrivilegeDrop {

    /** {@code struct passwd} (Linux and the BSDs, 64-bit): two pointers, then {@code uid_t}, {@code gid_t}. */
    static final int PASSWD_UID_OFFSET = 16;
    static final int PASSWD_GID_OFFSET = 20;
    /** {@code struct group}: two pointers, then {@code gid_t}. */
    static final int GROUP_GID_OFFSET = 16;
    /** {@code gid_t}'s size. */
    static final int GID_SIZE = 4;

    /** Who the process runs as: real and effective user and group ids. */
    public record Identity(int uid, int euid, int gid, int egid) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "uid %d, euid %d, gid %d, egid %d", uid, euid, gid, egid);
        }
    }

    /** A user to become: its name, ids and whether the supplementary groups are the user's or only the group. */
    public record Target(String user, int uid, int gid, boolean groupGiven) {
    }

    private PrivilegeDrop() {
    }

    /** Whether this system has the calls (Linux and other Unix systems with a 64-bit JVM). */
    public static boolean supported() {
        return !Platform.isWindows() && Platform.is64Bit();
    }

    /** The process's ids now. */
    public static Identity current() {
        return new Identity(LiveLibc.getuid(), LiveLibc.geteuid(), LiveLibc.getgid(), LiveLibc.getegid());
    }

    /**
     * Looks the user and group up (names, or numbers when no such name exists).
     *
     * @throws IllegalArgumentException with a one-line message naming what is unknown
     */
    public static Target resolve(String user, String group) {
        int uid;
        int gid;
        Pointer pw = LiveLibc.getpwnam(user);
        if (pw != null) {
            uid = pw.getInt(PASSWD_UID_OFFSET);
            gid = pw.getInt(PASSWD_GID_OFFSET);
        } else if (user.matches("[0-9]{1,9}")) {
            uid = Integer.parseInt(user);
            gid = uid;
        } else {
            throw new IllegalArgumentException("--user " + user + ": no such user");
        }
        if (group != null) {
            Pointer gr = LiveLibc.getgrnam(group);
            if (gr != null) {
                gid = gr.getInt(GROUP_GID_OFFSET);
            } else if (group.matches("[0-9]{1,9}")) {
                gid = Integer.parseInt(group);
            } else {
                throw new IllegalArgumentException("--group " + group + ": no such group");
            }
        } else if (pw == null) {
            throw new IllegalArgumentException("--user " + user + ": a number that is no user needs --group");
        }
        return new Target(user, uid, gid, group != null);
    }

    /**
     * Becomes {@code t}'s user and group for good.
     *
     * @return the ids afterwards
     * @throws IllegalStateException with a one-line message when a step fails (not root, or refused), or
     *                               when root could be taken back
     */
    public static Identity to(Target t) {
        Identity before = current();
        if (before.euid() != 0) {
            if (before.euid() == t.uid() && before.egid() == t.gid()) {
                return before; // already that user: nothing to give up
            }
            throw new IllegalStateException("--user " + t.user() + ": only root can change user (running as uid "
                    + before.euid() + ")");
        }
        try {
            if (t.groupGiven() || LiveLibc.getpwnam(t.user()) == null) {
                Memory one = new Memory(GID_SIZE);
                one.setInt(0, t.gid());
                LiveLibc.setgroups(new NativeLong(1), one);
            } else {
                LiveLibc.initgroups(t.user(), t.gid());
            }
            LiveLibc.setgid(t.gid());
            LiveLibc.setuid(t.uid());
        } catch (LastErrorException e) {
            throw new IllegalStateException("--user " + t.user() + ": cannot change user: errno " + e.getErrorCode());
        }
        Identity after = current();
        if (after.uid() != t.uid() || after.euid() != t.uid() || after.gid() != t.gid() || after.egid() != t.gid()) {
            throw new IllegalStateException("--user " + t.user() + ": still " + after + " after the change");
        }
        if (t.uid() != 0) {
            boolean regained;
            try {
                LiveLibc.setuid(0);
                regained = true;
            } catch (LastErrorException expected) {
                regained = false;
            }
            if (regained) {
                throw new IllegalStateException("--user " + t.user() + ": root could be taken back");
            }
        }
        return after;
    }
}
