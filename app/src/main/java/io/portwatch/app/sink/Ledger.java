package io.portwatch.app.sink;

import io.portwatch.app.sink.spool.Spool;
import io.portwatch.app.sink.spool.SpooledRecord;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The messages handed to a producer and not yet acknowledged, oldest first (messages are handed in the
 * order of their seqs), each with the session that has it, when it was handed and whether it is also in
 * the spool. Bounded by its user ({@code --kafka-buffer}). Used under its {@link KafkaDelivery}'s lock.
 */
final class Ledger {

    /** A message handed to the producer of session {@link #session}, not yet acknowledged. */
    static final class Pending {
        final SpooledRecord record;
        boolean onDisk;
        int session;
        long handed;

        Pending(SpooledRecord record, boolean onDisk) {
            this.record = record;
            this.onDisk = onDisk;
        }

        long seq() {
            return record.seq();
        }
    }

    private final LinkedHashMap<Long, Pending> bySeq = new LinkedHashMap<>();
    private long memoryOnly;
    private long spilled;

    void add(Pending p) {
        bySeq.put(p.seq(), p);
        if (!p.onDisk) {
            memoryOnly++;
        }
    }

    /** The pending message {@code seq} of session {@code session}, or null. */
    Pending get(long seq, int session) {
        Pending p = bySeq.get(seq);
        return p != null && p.session == session ? p : null;
    }

    void remove(Pending p) {
        if (bySeq.remove(p.seq()) != null && !p.onDisk) {
            memoryOnly--;
        }
    }

    int size() {
        return bySeq.size();
    }

    boolean isEmpty() {
        return bySeq.isEmpty();
    }

    /** The oldest seq waiting, or {@code Long.MAX_VALUE}. */
    long oldestSeq() {
        return bySeq.isEmpty() ? Long.MAX_VALUE : bySeq.keySet().iterator().next();
    }

    /** When the oldest message was handed (nanoTime); only when not {@link #isEmpty()}. */
    long oldestHanded() {
        return bySeq.values().iterator().next().handed;
    }

    /** Messages that are in memory only (not in the spool). */
    long memoryOnly() {
        return memoryOnly;
    }

    /**
     * The oldest seq not yet delivered among this ledger's, {@code resend}'s (null: none) and {@code head}'s
     * (a message read, not yet handed; null: none), or {@code none} when there is none.
     */
    long oldest(List<Pending> resend, SpooledRecord head, long none) {
        long o = Math.min(none, oldestSeq());
        if (resend != null && !resend.isEmpty()) {
            o = Math.min(o, resend.get(0).seq());
        }
        return head == null ? o : Math.min(o, head.seq());
    }

    /** The seqs not yet delivered: this ledger's, {@code resend}'s and {@code head}'s (either may be null). */
    long[] seqs(List<Pending> resend, SpooledRecord head) {
        List<Pending> r = resend == null ? List.of() : resend;
        long[] u = new long[bySeq.size() + r.size() + (head == null ? 0 : 1)];
        int i = 0;
        for (Pending p : r) {
            u[i++] = p.seq();
        }
        for (Pending p : bySeq.values()) {
            u[i++] = p.seq();
        }
        if (head != null) {
            u[i] = head.seq();
        }
        return u;
    }

    /** Messages written to the spool by {@link #spill}, ever. */
    long spilled() {
        return spilled;
    }

    /** Takes every message out, oldest first (to be handed to another session). */
    List<Pending> takeAll() {
        List<Pending> all = new ArrayList<>(bySeq.values());
        bySeq.clear();
        memoryOnly = 0;
        return all;
    }

    Collection<Pending> values() {
        return bySeq.values();
    }

    /**
     * Writes the messages of {@code first} (older) and of this ledger that are in memory only to
     * {@code spool}, in order; false when one does not fit, so that the caller writes nothing newer
     * before it.
     */
    boolean spill(List<Pending> first, Spool spool) {
        for (Pending p : first) {
            if (!p.onDisk) {
                if (!spool.append(p.record)) {
                    return false;
                }
                p.onDisk = true;
                spilled++;
            }
        }
        if (memoryOnly == 0) {
            return true;
        }
        for (Pending p : bySeq.values()) {
            if (!p.onDisk) {
                if (!spool.append(p.record)) {
                    return false;
                }
                p.onDisk = true;
                memoryOnly--;
                spilled++;
            }
        }
        return true;
    }
}
