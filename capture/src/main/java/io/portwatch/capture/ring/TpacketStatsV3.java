package io.portwatch.capture.ring;

/**
 * {@code struct tpacket_stats_v3}, what {@code getsockopt(PACKET_STATISTICS)} gives and resets: frames that
 * passed the socket's filter since the last read, drops among them included ({@code tp_packets}), frames
 * dropped because no block was free ({@code tp_drops}), and how often the queue was frozen because of that
 * ({@code tp_freeze_q_cnt}).
 */
final class TpacketStatsV3 {

    static final int PACKETS_OFFSET = 0;
    static final int DROPS_OFFSET = 4;
    static final int FREEZE_Q_CNT_OFFSET = 8;
    static final int LENGTH = 12;

    private TpacketStatsV3() {
    }
}
