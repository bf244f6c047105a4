package io.portwatch.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report file: self-contained, its data the model's snapshot, safe whatever the traffic names; its interval. */
class HtmlReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DATA = Pattern.compile(
            "<script type=\"application/json\" id=\"portwatch-data\">(.*?)</script>", Pattern.DOTALL);

    private static String report(WebModel model) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HtmlReport.write(out, model, List.of("x.pcap"), 5_000_000L, true);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everythingIsInlinedAndTheDataIsTheModelsSnapshot() throws Exception {
        Path sample = Path.of(System.getProperty("portwatch.root", "..")).resolve("src/samples/sample.pcap");
        WebModel model = Analysis.read(sample, 5_000_000L, WebModel.Limits.report());
        String html = report(model);
        assertFalse(html.contains("<script src"), "no script is fetched");
        assertFalse(html.contains("<link "), "no stylesheet is fetched");
        assertFalse(html.contains("assets/"), "no asset is named");
        assertFalse(Pattern.compile("url\\(\\s*['\"]?https?:").matcher(html).find(), "no style fetches anything");
        assertTrue(html.contains("var uPlot="), "uPlot is inlined");
        assertTrue(html.contains("Permission is hereby granted"), "with its licence");
        assertTrue(html.contains("function renderPortsTable"), "the page's script is inlined");
        Matcher m = DATA.matcher(html);
        assertTrue(m.find(), "the data element");
        JsonNode data = JSON.readTree(m.group(1));
        JsonNode state = JSON.readTree(model.state());
        assertEquals(state.get("windows"), data.get("windows"));
        assertEquals(state.get("alerts"), data.get("alerts"));
        assertEquals(state.get("summaries"), data.get("summaries"));
        assertEquals("5ms", data.at("/report/interval").asText());
        assertTrue(data.at("/report/interval_chosen").asBoolean());
        assertEquals("x.pcap", data.at("/report/inputs/0").asText());
    }

    @Test
    void namesFromTheTrafficCannotEndTheDataElement() throws Exception {
        WebModel model = new WebModel(WebModel.Limits.report(), "report", "s</script><script>alert(1)</script>", 1);
        model.alert("{\"type\":\"alert\",\"target\":\"</script><!--<script>alert(2)</script>\"}");
        String html = report(model);
        Matcher m = DATA.matcher(html);
        assertTrue(m.find());
        assertFalse(m.group(1).contains("<"), "no '<' in the data: " + m.group(1));
        JsonNode data = JSON.readTree(m.group(1));
        assertEquals("</script><!--<script>alert(2)</script>", data.at("/alerts/0/target").asText());
        assertEquals("s</script><script>alert(1)</script>", data.get("sensor").asText());
    }

    @Test
    void theChosenIntervalGivesOneToTwoHundredWindows() {
        long[] spans = {150_000L, 17_043_000L, 773_603_000L, 31_097_984_000L, 3_600_000_000_000L, 86_400_000_000_000L,
                30L * 86_400_000_000_000L, 2_345_678_901L, 7_000_000_000L, 450_000_000_000L};
        for (long span : spans) {
            for (long first : new long[]{1_764_000_000_123_456_789L, 1_764_000_000_000_000_000L}) {
                long step = ReportInterval.choose(first, first + span);
                long windows = Math.floorDiv(first + span, step) - Math.floorDiv(first, step) + 1;
                assertTrue(windows >= 100 && windows <= 200, span + " ns in steps of " + step + ": " + windows + " windows");
                assertEquals(step, io.portwatch.app.cli.Durations.parseNanos(ReportInterval.text(step)),
                        "--interval reads the step as written: " + ReportInterval.text(step));
            }
        }
        assertEquals(1_000_000_000L, ReportInterval.choose(5, 5), "one instant: one window of a second");
        assertEquals(1_000L, ReportInterval.choose(0, 3_000L), "a few microseconds: the shortest step, a microsecond");
        assertEquals("150us", ReportInterval.text(150_000L));
        assertEquals("2ms", ReportInterval.text(2_000_000L));
        assertEquals("30s", ReportInterval.text(30_000_000_000L));
        assertEquals("5m", ReportInterval.text(300_000_000_000L));
        for (int i = 1; i < ReportInterval.STEPS.length; i++) {
            assertTrue(ReportInterval.STEPS[i] <= 2 * ReportInterval.STEPS[i - 1], "steps at most double: " + ReportInterval.STEPS[i]);
        }
    }

    @Test
    void theSpanOfCaptureFilesIsTheirFirstAndLastFrame() {
        Path sample = Path.of(System.getProperty("portwatch.root", "..")).resolve("src/samples/sample.pcap");
        long[] span = ReportInterval.span(List.of(sample.toString(), "/nonexistent.pcap"));
        // the summary's start and end of the sample (README): 2026-11-24T18:59:03.496863Z .. 18:59:03.929787Z
        assertEquals(java.time.Instant.parse("2026-11-24T18:59:03.496863Z"), java.time.Instant.ofEpochSecond(0, span[0]));
        assertEquals(java.time.Instant.parse("2026-11-24T18:59:03.929787Z"), java.time.Instant.ofEpochSecond(0, span[1]));
        assertEquals(null, ReportInterval.span(List.of("/nonexistent.pcap")));
    }
}
