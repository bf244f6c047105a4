package io.portwatch.analysis.output;

/**
 * The ports of one window whose per-port structures ran short of the memory they may grow into
 * ({@code --port-memory}), by what it cost them. Each is a number of ports; a port may count in several.
 * Immutable.
 *
 * @param uniqueCounts ports whose distinct clients or servers were counted in a sketch earlier, or smaller,
 *                     than otherwise: their {@code unique_clients} and {@code unique_servers} are estimates
 * @param topTalkers   ports whose top-talker summaries kept fewer hosts than otherwise (their counts stay
 *                     within the bounds they report)
 * @param sketches     ports whose mergeable sketches were left out
 */
public record MemoryLimited(long uniqueCounts, long topTalkers, long sketches) {

    /** Nothing ran short. */
    public static final MemoryLimited NONE = new MemoryLimited(0, 0, 0);

    /** Whether any port ran short. */
    public boolean any() {
        return uniqueCounts > 0 || topTalkers > 0 || sketches > 0;
    }
}
