package io.portwatch.app.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Grafana files of {@code docker/}: the board (dashboards/portwatch.json), its provisioning, and the
 * queries it sends to Prometheus, panel targets and query variables alike.
 */
final class GrafanaBoard {

    /** One PromQL query of the board: where it is (panel title and refId, or variable) and the expression. */
    record Query(String where, String expr) {
    }

    /** label_values(metric selector, label): Grafana's variable query over a selector. */
    private static final Pattern LABEL_VALUES = Pattern.compile("(?s)\\s*label_values\\((.*),\\s*[a-zA-Z_]\\w*\\s*\\)\\s*");
    /** query_result(expr): a variable from the values of a PromQL query. */
    private static final Pattern QUERY_RESULT = Pattern.compile("(?s)\\s*query_result\\((.*)\\)\\s*");

    final Path docker;
    final JsonNode dashboard;
    final JsonNode datasources;
    final JsonNode providers;
    final JsonNode compose;

    private GrafanaBoard(Path docker) throws IOException {
        this.docker = docker;
        Path grafana = docker.resolve("grafana");
        dashboard = new ObjectMapper().readTree(grafana.resolve("dashboards/portwatch.json").toFile());
        YAMLMapper yaml = new YAMLMapper();
        datasources = yaml.readTree(grafana.resolve("provisioning/datasources/prometheus.yaml").toFile());
        providers = yaml.readTree(grafana.resolve("provisioning/dashboards/portwatch.yaml").toFile());
        compose = yaml.readTree(docker.resolve("compose.yaml").toFile());
    }

    /** The files of the repository the build runs in (the portwatch.root property, as failsafe sets it). */
    static GrafanaBoard load() throws IOException {
        Path root = Path.of(System.getProperty("portwatch.root", "..")).toAbsolutePath().normalize();
        return new GrafanaBoard(root.resolve("docker"));
    }

    /** Every panel, those inside rows (collapsed rows hold theirs) included, rows too. */
    List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    /** The board's query variables. */
    List<JsonNode> queryVariables() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                out.add(v);
            }
        }
        return out;
    }

    /** Every PromQL expression the board sends: panel targets, then the variables' selectors. */
    List<Query> queries() {
        List<Query> out = new ArrayList<>();
        for (JsonNode p : panels()) {
            for (JsonNode t : p.path("targets")) {
                out.add(new Query("panel '" + p.path("title").asText() + "' " + t.path("refId").asText(),
                        t.path("expr").asText()));
            }
        }
        for (JsonNode v : queryVariables()) {
            JsonNode q = v.path("query");
            String text = q.isObject() ? q.path("query").asText() : q.asText();
            out.add(new Query("variable " + v.path("name").asText(), variableExpr(text)));
        }
        return out;
    }

    /** The PromQL inside a Prometheus variable query (label_values(selector, label), query_result(expr), or PromQL). */
    static String variableExpr(String query) {
        Matcher m = LABEL_VALUES.matcher(query);
        if (m.matches()) {
            return m.group(1);
        }
        m = QUERY_RESULT.matcher(query);
        if (m.matches()) {
            return m.group(1);
        }
        if (query.strip().matches("(label_values\\(\\s*\\w+\\s*\\)|label_names\\(.*\\)|metrics\\(.*\\))")) {
            throw new IllegalArgumentException("a variable query over no selector (" + query
                    + "): give it one, so that its metric is checked");
        }
        return query;
    }

    /** The uid of the one data source provisioned. */
    String datasourceUid() {
        return datasources.path("datasources").get(0).path("uid").asText();
    }
}
