package io.portwatch.analysis.detect;

import io.portwatch.capture.flow.HashKey;

/**
 * The last few ports each (source, target, transport) had answered, so that a scan's evidence holds the
 * ports probed before its first failure: the detectors keep state only for sources that fail (so that a
 * busy link's clients cost nothing), and a scanner whose first probes find open ports would otherwise be
 * reported without them (39 of 40 ports). Direct-mapped, as a CPU cache: one slot per keyed hash of the
 * key ({@link HashKey}), holding its latest {@value #WAYS} answered ports and their times; a key that lands
 * on a taken slot replaces it (counted). A fixed array whatever the traffic, and an answer costs one hash
 * and one slot written, no allocation. What a slot lost is a port missing from one alert, not a wrong
 * count. Single writer.
 */
final class AnswerCache {

    static final int WAYS = 4;
    private static final HashKey KEY = HashKey.RUN.derive(0x616E_7377L);

    private final long[] tags;
    /** Port + 1 (0: none) and the time of its answer, {@link #WAYS} a slot, the latest last. */
    private final int[] ports;
    private final long[] times;
    private final int[] kinds;
    private final int mask;
    private long replaced;

    /** @param bytes memory for the slots (at least 256 slots) */
    AnswerCache(long bytes) {
        int slots = Integer.highestOneBit((int) Math.max(256, Math.min(1 << 20, bytes / (8 + 12 * WAYS + 4))));
        tags = new long[slots];
        ports = new int[slots * WAYS];
        times = new long[slots * WAYS];
        kinds = new int[slots];
        mask = slots - 1;
    }

    /** s's probe of d:port over {@code proto} was answered at t. */
    void answered(int proto, long sHi, long sLo, long dHi, long dLo, int port, int kind, long t) {
        final long h = KEY.hash(sHi, sLo, dHi, dLo, proto) | 1;
        final int slot = (int) (h ^ (h >>> 32)) & mask;
        final int base = slot * WAYS;
        if (tags[slot] != h) {
            if (tags[slot] != 0) {
                replaced++;
            }
            tags[slot] = h;
            kinds[slot] = 0;
            for (int i = 0; i < WAYS; i++) {
                ports[base + i] = 0;
            }
        }
        int at = 0; // the oldest gives way, unless the port is there already: then it moves to the end
        for (int i = 0; i < WAYS; i++) {
            if (ports[base + i] == port + 1) {
                at = i;
                break;
            }
        }
        for (int i = at; i < WAYS - 1; i++) {
            ports[base + i] = ports[base + i + 1];
            times[base + i] = times[base + i + 1];
        }
        ports[base + WAYS - 1] = port + 1;
        times[base + WAYS - 1] = t;
        kinds[slot] |= kind;
    }

    /** Hands the ports s had answered by d over {@code proto} since {@code since} to {@code to}, oldest first. */
    void read(int proto, long sHi, long sLo, long dHi, long dLo, long since, Answers to) {
        final long h = KEY.hash(sHi, sLo, dHi, dLo, proto) | 1;
        final int slot = (int) (h ^ (h >>> 32)) & mask;
        if (tags[slot] != h) {
            return;
        }
        final int base = slot * WAYS;
        for (int i = 0; i < WAYS; i++) {
            if (ports[base + i] != 0 && times[base + i] >= since) {
                to.answer(ports[base + i] - 1, kinds[slot], times[base + i]);
            }
        }
    }

    /** Where {@link #read} hands the ports. */
    interface Answers {
        void answer(int port, int kind, long t);
    }

    /** Slots taken over by another key while they held answers. */
    long replaced() {
        return replaced;
    }

    long bytes() {
        return 16L * 4 + 8L * tags.length + 4L * ports.length + 8L * times.length + 4L * kinds.length;
    }
}
