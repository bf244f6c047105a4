package io.portwatch.analysis;

/**
 * What an analysis's per-window, per-port structures hold at one moment, as they account it (for the
 * benchmarks and tests that check their bound): each part's bytes reserved from its budget, its limit, the
 * bytes it holds past the budget (a fixed number a port slot), and the budget's refusals so far.
 *
 * @param peersReserved   the distinct counters' and their sketches' reserved bytes
 * @param peersLimit      what they may reserve
 * @param peersFixed      what they hold past it, at most
 * @param peersRefusals   growth the budget refused them
 * @param talkersReserved the open window's top-talker summaries' reserved bytes (the log not yet folded in)
 * @param talkersLimit    what they may reserve
 * @param talkersFixed    what they hold past it, at most
 * @param talkersRefusals growth the budget refused them
 * @param talkerLog       bytes of the open window's talker log (bounded by the flow table: see
 *                        {@link io.portwatch.analysis.talkers.TalkerLog})
 */
public record PortMemory(long peersReserved, long peersLimit, long peersFixed, long peersRefusals,
                         long talkersReserved, long talkersLimit, long talkersFixed, long talkersRefusals,
                         long talkerLog) {

    /** Bytes held in all, as accounted: reserved and fixed, and the log. */
    public long total() {
        return peersReserved + peersFixed + talkersReserved + talkersFixed + talkerLog;
    }
}
