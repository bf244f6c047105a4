package io.portwatch.app.grafana;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PromQl}: metric names told from functions, keywords, label names, numbers and Grafana's variables. */
class PromQlTest {

    private static void names(String expr, String... expected) {
        assertEquals(Set.of(expected), PromQl.metricNames(expr), expr);
    }

    @Test
    void aRateOverGrafanasInterval() {
        names("rate(portwatch_packets_total[$__rate_interval])", "portwatch_packets_total");
        names("rate(x_total[5m:30s])", "x_total");
        names("increase(x_total{a=\"b\"}[${__range_s}s])", "x_total");
        names("rate(x_total[[[interval]]])", "x_total");
    }

    @Test
    void labelNamesAreNotMetrics() {
        names("sum by (transport, port_class) (rate(t_total{instance=~\"$instance\", interface!=\"lo\"}[1m]))", "t_total");
        names("sum(rate(t_total[1m])) by (job)", "t_total");
        names("sum without (instance) (t)", "t");
        names("a / on (instance, interface) group_left (job) b", "a", "b");
        names("a * ignoring(x) group_right b", "a", "b");
        names("count_values(\"version\", build_info)", "build_info");
        names("label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\")", "up");
    }

    @Test
    void histogramsAndSummariesByTheirSeries() {
        names("histogram_quantile(0.99, sum by (le) (rate(lat_seconds_bucket{job=\"x\"}[$__rate_interval])))",
                "lat_seconds_bucket");
        names("sum(rate(lat_seconds_sum[5m])) / sum(rate(lat_seconds_count[5m]))", "lat_seconds_sum", "lat_seconds_count");
        names("max(lat_seconds_max)", "lat_seconds_max");
    }

    @Test
    void numbersKeywordsAndModifiers() {
        names("sum(increase(a_total[1h])) * 8 + 1e-3 - 0x1f / .5", "a_total");
        names("a > bool 0 and b or c unless d", "a", "b", "c", "d");
        names("a offset 5m", "a");
        names("a offset -1h30m @ end()", "a");
        names("a @ 1700000000", "a");
        names("a == Inf or b != NaN", "a", "b");
        names("topk(10, a) atan2 b", "a", "b");
        names("SUM BY (x) (a)", "a");
        names("jvm_memory_max_bytes{area=\"heap\"} > 0", "jvm_memory_max_bytes");
        names("a # a comment naming not_a_metric\n + b", "a", "b");
    }

    @Test
    void stringsAndSelectorsMaySayAnything() {
        names("a{l=\"sum(rate(x[5m]))\", m='}{', n=`\\`}", "a");
        names("a{l=\"say \\\"b\\\" {\"}", "a");
        names("{__name__=\"by_name\", job=\"j\"}", "by_name");
        names("{job=\"j\", __name__=\"b\"} + {__name__=~\"regex.*\"}", "b");
        names("recording:rule:rate5m", "recording:rule:rate5m");
    }

    @Test
    void grafanaVariablesAreNotNames() {
        names("a{instance=~\"$instance\"} * $factor + ${other} - ${x:regex}", "a");
        assertTrue(PromQl.metricNames("vector(1)").isEmpty());
    }

    @Test
    void brokenQueriesAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("rat(x[5m])"), "unknown function");
        assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("sum(rate(x[5m])"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("sum(x))"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("x{a=\"b\""));
        assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("rate(x[5m)"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("x{a=\"b}"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("x]"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromQl.metricNames("sum(Rate(x[5m]))"));
        assertTrue(e.getMessage().contains("Rate()"), e.getMessage()); // function names are case-sensitive
    }
}
