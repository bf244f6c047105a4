package io.portwatch.analysis;

import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.flow.FlowConfig;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A frame that cannot be decoded is counted in the window its time falls in, as every other frame is: also when
 * it is the frame that ends the window before (it was counted in that one).
 */
class WindowDecodeErrorsTest {

    @Test
    void aBadFrameThatOpensAWindowIsCountedInIt() {
        CollectingSink out = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(FlowConfig.SECOND, FlowConfig.defaults(), false),
                "t", out);
        ByteBuffer good = ByteBuffer.allocate(60); // Ethernet, IPv4, UDP: zeros but for what the decoder checks
        good.putShort(12, (short) 0x0800).put(14, (byte) 0x45).putShort(16, (short) 28).put(23, (byte) 17)
                .putShort(38, (short) 8);
        ByteBuffer truncated = ByteBuffer.allocate(10); // shorter than an Ethernet header
        long t0 = 1_700_000_000L * FlowConfig.SECOND;
        a.onPacket(LinkType.ETHERNET, t0 + 500_000_000L, good, 0, 42, 42);
        a.onPacket(LinkType.ETHERNET, t0 + 1_500_000_000L, truncated, 0, 10, 10);
        a.onPacket(LinkType.ETHERNET, t0 + 1_600_000_000L, good, 0, 42, 42);
        a.finish();
        assertEquals(2, out.windows.size());
        assertEquals(1, out.windows.get(0).packets());
        assertEquals(0, out.windows.get(0).decodeErrors(), "the first window had no bad frame");
        assertEquals(2, out.windows.get(1).packets());
        assertEquals(1, out.windows.get(1).decodeErrors());
    }
}
