package io.portwatch.app.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** One scrape of a {@code /metrics} endpoint over HTTP, parsed from the Prometheus text format. */
final class Scrape {

    /** One sample line: {@code name{labels} value}. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String text;
    final List<Sample> samples;

    private Scrape(String text) {
        this.text = text;
        this.samples = parse(text);
    }

    /** GETs http://127.0.0.1:port/metrics and parses it (the answer must be 200, Prometheus text). */
    static Scrape of(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(MetricsServer.TEXT_FORMAT, r.headers().firstValue("Content-Type").orElse(null));
        return new Scrape(r.body());
    }

    static Scrape parseText(String text) {
        return new Scrape(text);
    }

    /** Samples of a metric whose labels include all the given pairs. */
    List<Sample> find(String name, String... labelPairs) {
        Map<String, String> want = pairs(labelPairs);
        return samples.stream()
                .filter(s -> s.name.equals(name) && s.labels.entrySet().containsAll(want.entrySet()))
                .collect(Collectors.toList());
    }

    /** The value of the one sample that matches. */
    double value(String name, String... labelPairs) {
        List<Sample> found = find(name, labelPairs);
        if (found.size() != 1) {
            fail("expected one sample " + name + pairs(labelPairs) + ", found " + found);
        }
        return found.get(0).value;
    }

    /** Sum over the samples that match. */
    double sum(String name, String... labelPairs) {
        return find(name, labelPairs).stream().mapToDouble(Sample::value).sum();
    }

    long count(Predicate<Sample> which) {
        return samples.stream().filter(which).count();
    }

    private static Map<String, String> pairs(String... kv) {
        assertTrue(kv.length % 2 == 0);
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                i++;
            }
            String name = line.substring(0, i);
            Map<String, String> labels = new LinkedHashMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String key = line.substring(i, eq);
                    if (line.charAt(eq + 1) != '"') {
                        throw new IllegalArgumentException("unquoted label value: " + line);
                    }
                    StringBuilder v = new StringBuilder();
                    int j = eq + 2;
                    for (; line.charAt(j) != '"'; j++) {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char n = line.charAt(++j);
                            v.append(n == 'n' ? '\n' : n);
                        } else {
                            v.append(c);
                        }
                    }
                    labels.put(key, v.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
            }
            String[] rest = line.substring(i).trim().split(" ");
            out.add(new Sample(name, labels, parseValue(rest[0])));
        }
        return out;
    }

    private static double parseValue(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }
}
