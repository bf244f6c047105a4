package io.portwatch.app.web;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code read --report FILE}: the web view of a whole capture as one self-contained HTML file. It is the
 * live view's page with its scripts and styles (uPlot's too, with its licence) inlined and the model's
 * snapshot embedded as JSON in a {@code <script type="application/json">} element: it opens offline, from
 * {@code file://}, and the page finds its data there instead of asking a server.
 */
public final class HtmlReport {

    private static final Pattern STYLESHEET = Pattern.compile("<link rel=\"stylesheet\" href=\"assets/([^\"]+)\">");
    private static final Pattern SCRIPT = Pattern.compile("<script src=\"assets/([^\"]+)\"></script>");
    private static final String DATA_MARK = "<!-- data -->";

    private HtmlReport() {
    }

    /**
     * Writes the report.
     *
     * @param out           where (left open)
     * @param model         the whole capture's records
     * @param inputs        the files read
     * @param intervalNanos the windows' length
     * @param chosen        whether the interval was chosen by portwatch (no {@code --interval})
     */
    public static void write(OutputStream out, WebModel model, List<String> inputs, long intervalNanos,
                             boolean chosen) throws IOException {
        StringBuilder report = new StringBuilder(256);
        report.append("{\"inputs\":[");
        for (int i = 0; i < inputs.size(); i++) {
            report.append(i > 0 ? "," : "").append(Json.string(inputs.get(i)));
        }
        report.append("],\"interval\":").append(Json.string(ReportInterval.text(intervalNanos)))
                .append(",\"interval_chosen\":").append(chosen)
                .append(",\"generated\":").append(Json.string(Instant.now().toString())).append('}');
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        w.write(render(model.state(report.toString())));
        w.flush();
    }

    /** The page with every asset inlined and {@code stateJson} embedded. */
    static String render(String stateJson) {
        String page = Assets.page().text();
        page = replace(page, STYLESHEET, name -> "<style>\n" + Assets.get(name).text().replace("</style", "<\\/style")
                + "\n</style>");
        page = replace(page, SCRIPT, name -> "<script>\n" + Assets.get(name).text().replace("</script", "<\\/script")
                + "\n</script>");
        String data = "<script type=\"application/json\" id=\"portwatch-data\">" + Json.forScript(stateJson)
                + "</script>\n<!-- uPlot " + Assets.uplotVersion() + ", inlined above:\n"
                + Assets.get("uPlot.LICENSE").text().replace("--", "- -") + "\n-->";
        int mark = page.indexOf(DATA_MARK);
        if (mark < 0) {
            throw new IllegalStateException("the page has no " + DATA_MARK);
        }
        return page.substring(0, mark) + data + page.substring(mark + DATA_MARK.length());
    }

    private static String replace(String page, Pattern p, java.util.function.UnaryOperator<String> inline) {
        Matcher m = p.matcher(page);
        StringBuilder b = new StringBuilder(page.length() * 4);
        while (m.find()) {
            if (Assets.get(m.group(1)) == null) {
                throw new IllegalStateException("the page names an asset the jar lacks: " + m.group(1));
            }
            m.appendReplacement(b, Matcher.quoteReplacement(inline.apply(m.group(1))));
        }
        m.appendTail(b);
        return b.toString();
    }
}
