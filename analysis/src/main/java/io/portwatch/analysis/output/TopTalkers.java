package io.portwatch.analysis.output;

import java.util.List;

/**
 * The top clients (or servers) of one port in one window, by packets and by bytes. Immutable.
 *
 * <p>Counted by a Space-Saving summary of 64 hosts a list. {@code exact}: the port had at most 64 such
 * hosts in the window, and every number is exact. Otherwise the ranked number of each talker (packets in
 * {@code byPackets}, bytes in {@code byBytes}) overstates the truth by at most {@code maxOvercount}
 * (packets and bytes respectively), itself at most the port's total divided by 64 (by fewer when the
 * window's memory ran short: see {@link PortStats#memoryLimited()}), and every host with more than that is
 * listed; a talker's other numbers are counted from when it entered the summary, never
 * more than the truth.
 *
 * @param exact               every number exact
 * @param byPackets           the heaviest by packets, heaviest first (ties: lower address first)
 * @param byBytes             the heaviest by bytes, heaviest first
 * @param maxOvercountPackets how much a packet count in {@code byPackets} may overstate (0 when exact)
 * @param maxOvercountBytes   how much a byte count in {@code byBytes} may overstate (0 when exact)
 */
public record TopTalkers(boolean exact, List<Talker> byPackets, List<Talker> byBytes, long maxOvercountPackets,
                         long maxOvercountBytes) {

    public TopTalkers {
        byPackets = List.copyOf(byPackets);
        byBytes = List.copyOf(byBytes);
    }
}
