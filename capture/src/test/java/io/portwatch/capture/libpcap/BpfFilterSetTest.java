package io.portwatch.capture.libpcap;

import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.source.BpfFilter;
import io.portwatch.capture.source.BpfFilterSet;
import io.portwatch.capture.source.CaptureException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpfFilterSetTest {

    @BeforeAll
    static void libpcap() throws CaptureException {
        LibpcapTestSupport.requireLibpcap();
    }

    /** Frames of every capture and tcpdump test file, interleaved so that the link type keeps changing. */
    private static List<LibpcapFileSourceTest.Frame> mixedFrames() throws Exception {
        List<Path> files = new ArrayList<>(LibpcapTestSupport.captureFiles());
        files.addAll(LibpcapTestSupport.tcpdumpTestFiles());
        List<List<LibpcapFileSourceTest.Frame>> perFile = new ArrayList<>();
        for (Path f : files) {
            try {
                perFile.add(LibpcapFileSourceTest.read(f.toString(), null).frames());
            } catch (CaptureException notACapture) {
                // the licence text; LibpcapFileSourceTest checks its message
            }
        }
        List<LibpcapFileSourceTest.Frame> mixed = new ArrayList<>();
        for (int i = 0; ; i++) {
            boolean any = false;
            for (List<LibpcapFileSourceTest.Frame> frames : perFile) {
                if (i < frames.size()) {
                    mixed.add(frames.get(i));
                    any = true;
                }
            }
            if (!any) {
                return mixed;
            }
        }
    }

    @Test
    void eachLinkTypeGetsLibpcapsVerdictAndEachInvalidOneIsReportedOnce() throws Exception {
        List<LibpcapFileSourceTest.Frame> frames = mixedFrames();
        int reportedLinkTypes = 0;
        for (String expression : List.of("vlan and tcp", "tcp port 80 or udp", "ip6 or arp")) {
            Map<Integer, Integer> reports = new TreeMap<>();
            List<String> messages = new ArrayList<>();
            BpfFilterSet set = BpfFilterSet.compile(expression, BpfFilter.DEFAULT_SNAPLEN, BpfCompiler::compile,
                    m -> messages.add(m));
            assertEquals(expression, set.expression());
            assertTrue(messages.isEmpty(), "nothing is reported before a frame of the link type: " + messages);
            Map<Integer, LibpcapReferenceFilter> references = new HashMap<>();
            Map<Integer, Boolean> invalid = new TreeMap<>();
            long matched = 0;
            for (LibpcapFileSourceTest.Frame f : frames) {
                int lt = f.linkType();
                LibpcapReferenceFilter ref = references.computeIfAbsent(lt,
                        t -> LibpcapReferenceFilter.compile(expression, t, BpfFilter.DEFAULT_SNAPLEN));
                invalid.put(lt, ref == null);
                boolean expected = ref != null && ref.run(f.bytes(), f.capturedLength(), f.originalLength()) != 0;
                int before = messages.size();
                boolean actual = set.matches(lt, ByteBuffer.wrap(f.bytes()), 0, f.capturedLength(), f.originalLength());
                assertEquals(expected, actual, expression + " linktype " + lt);
                if (messages.size() > before) {
                    reports.merge(lt, messages.size() - before, Integer::sum);
                }
                matched += actual ? 1 : 0;
            }
            references.values().stream().filter(r -> r != null).forEach(LibpcapReferenceFilter::close);
            Map<Integer, Integer> expectedReports = new TreeMap<>();
            invalid.forEach((lt, bad) -> {
                if (bad) {
                    expectedReports.put(lt, 1);
                }
            });
            assertEquals(expectedReports, reports, expression + ": " + messages);
            reportedLinkTypes += reports.size();
            assertTrue(matched > 0, expression + " matched nothing");
            for (String m : messages) {
                assertTrue(m.startsWith("invalid filter \"" + expression + "\" for "), m);
                assertFalse(m.contains("\n"), m);
            }
        }
        assertTrue(reportedLinkTypes > 0, "no link type was invalid for any expression");
    }

    @Test
    void anExpressionValidForNoCommonLinkTypeIsRejectedUpFront() throws Exception {
        CaptureException fromSet = assertThrows(CaptureException.class,
                () -> BpfFilterSet.compile("tcp prt 80", BpfFilter.DEFAULT_SNAPLEN, BpfCompiler::compile, m -> { }));
        CaptureException fromFilter = assertThrows(CaptureException.class,
                () -> BpfCompiler.compile("tcp prt 80", LinkType.ETHERNET, BpfFilter.DEFAULT_SNAPLEN));
        assertEquals(fromFilter.getMessage(), fromSet.getMessage());
    }

    @Test
    void anExpressionForOneLinkTypeIsAcceptedAndRejectsOtherFrames() throws Exception {
        // "wlan" addresses exist only on 802.11 link types.
        List<String> messages = new ArrayList<>();
        BpfFilterSet set = BpfFilterSet.compile("wlan addr1 01:02:03:04:05:06", BpfFilter.DEFAULT_SNAPLEN,
                BpfCompiler::compile, messages::add);
        Path http = LibpcapTestSupport.captures().resolve("http-sessions.pcap");
        for (LibpcapFileSourceTest.Frame f : LibpcapFileSourceTest.readAll(http, null)) {
            assertFalse(set.matches(f.linkType(), ByteBuffer.wrap(f.bytes()), 0, f.capturedLength(), f.originalLength()));
        }
        assertEquals(1, messages.size(), messages.toString());
        assertTrue(messages.get(0).startsWith("invalid filter \"wlan addr1 01:02:03:04:05:06\" for "
                + LinkType.name(LinkType.ETHERNET) + ": "), messages.get(0));
    }
}
