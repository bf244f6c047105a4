package io.portwatch.app.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What can be checked of Grafana in {@code docker/} without a Docker engine: the compose service mounts
 * the provisioning and the board where they say they are, the data source is the stack's Prometheus,
 * and the board follows Grafana's dashboard model (schema 39: panels on a 24-column grid, every query
 * on the provisioned data source by uid, variables that exist). That the board's metrics exist is
 * {@code GrafanaDashboardIT}'s, against a live run.
 */
class GrafanaFilesTest {

    private static final Set<String> PANEL_TYPES = Set.of("row", "timeseries", "stat", "bargauge", "table", "text");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?(\\w+)|\\[\\[(\\w+)");

    private static GrafanaBoard board;

    @BeforeAll
    static void load() throws IOException {
        board = GrafanaBoard.load();
    }

    private static JsonNode grafanaService() {
        JsonNode s = board.compose.path("services").get("grafana");
        assertNotNull(s, "compose.yaml has a grafana service");
        return s;
    }

    /** The compose service's mounts: container path to the host path (relative to docker/), all read-only. */
    private static Map<String, Path> mounts(JsonNode service) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (JsonNode v : service.path("volumes")) {
            String[] parts = v.asText().split(":");
            assertEquals(3, parts.length, "host:container:ro " + v.asText());
            assertEquals("ro", parts[2], "mounted read-only: " + v.asText());
            out.put(parts[1], board.docker.resolve(parts[0]).normalize());
        }
        return out;
    }

    /** The host file a path inside the container is, through the mounts. */
    private static Path onHost(Map<String, Path> mounts, String inContainer) {
        for (Map.Entry<String, Path> m : mounts.entrySet()) {
            if (inContainer.equals(m.getKey()) || inContainer.startsWith(m.getKey() + "/")) {
                return m.getValue().resolve(inContainer.substring(m.getKey().length()).replaceFirst("^/", ""));
            }
        }
        throw new AssertionError(inContainer + " is in no mount of the grafana service: " + mounts);
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    @Test
    void composeMountsTheProvisioningAndTheBoard() {
        JsonNode grafana = grafanaService();
        assertTrue(grafana.path("image").asText().matches("grafana/grafana:\\d+\\.\\d+\\.\\d+"),
                "a pinned Grafana release: " + grafana.path("image").asText());
        Map<String, Path> mounts = mounts(grafana);
        assertEquals(board.docker.resolve("grafana/provisioning/datasources"),
                mounts.get("/etc/grafana/provisioning/datasources"), "data sources provisioned");
        assertEquals(board.docker.resolve("grafana/provisioning/dashboards"),
                mounts.get("/etc/grafana/provisioning/dashboards"), "dashboard providers provisioned");
        mounts.values().forEach(p -> assertTrue(Files.isDirectory(p), p + " exists"));

        // the provider reads the folder the board is mounted in, and the home page is the board
        JsonNode providers = board.providers;
        assertEquals(1, providers.path("apiVersion").asInt());
        assertEquals(1, providers.path("providers").size());
        JsonNode provider = providers.path("providers").get(0);
        assertEquals("file", provider.path("type").asText());
        Path folder = onHost(mounts, provider.path("options").path("path").asText());
        assertTrue(Files.isRegularFile(folder.resolve("portwatch.json")), folder + " holds the board");
        JsonNode env = grafana.path("environment");
        Path home = onHost(mounts, env.path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").asText());
        assertEquals(board.docker.resolve("grafana/dashboards/portwatch.json"), home, "the home page is the board");

        // on the host's network beside Prometheus, on the loopback unless told otherwise, on a port of its own
        assertEquals("host", grafana.path("network_mode").asText());
        assertTrue(env.path("GF_SERVER_HTTP_ADDR").asText().matches("127\\.0\\.0\\.1|\\$\\{\\w+:-127\\.0\\.0\\.1}"),
                "Grafana listens on the loopback by default: " + env.path("GF_SERVER_HTTP_ADDR").asText());
        int grafanaPort = env.path("GF_SERVER_HTTP_PORT").asInt(3000);
        Set<Integer> others = new HashSet<>();
        others.add(prometheusPort());
        for (JsonNode p : board.compose.path("services").path("kafka").path("ports")) {
            String[] parts = p.asText().split(":");
            others.add(Integer.parseInt(parts[parts.length - 2]));
        }
        others.add(metricsPort());
        assertFalse(others.contains(grafanaPort), "Grafana's port " + grafanaPort + " is not one of " + others);
        assertTrue(grafana.path("depends_on").toString().contains("prometheus"));
    }

    /** The port Prometheus serves on, from its command in compose.yaml. */
    private static int prometheusPort() {
        for (JsonNode a : board.compose.path("services").path("prometheus").path("command")) {
            if (a.asText().startsWith("--web.listen-address=")) {
                return port(a.asText());
            }
        }
        return 9090; // Prometheus' default
    }

    /** The port Prometheus scrapes portwatch on, from prometheus.yml. */
    private static int metricsPort() {
        try {
            JsonNode prom = new YAMLMapper().readTree(board.docker.resolve("prometheus.yml").toFile());
            return port(prom.path("scrape_configs").get(0).path("static_configs").get(0).path("targets").get(0).asText());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theDataSourceIsTheStacksPrometheus() throws IOException {
        assertEquals(1, board.datasources.path("apiVersion").asInt());
        JsonNode list = board.datasources.path("datasources");
        assertEquals(1, list.size(), list.toString());
        JsonNode ds = list.get(0);
        assertEquals("prometheus", ds.path("type").asText());
        assertEquals("proxy", ds.path("access").asText(), "Grafana's server queries Prometheus, not the browser");
        assertFalse(board.datasourceUid().isBlank(), "a fixed uid, for the board to name");
        assertTrue(board.datasourceUid().matches("[a-zA-Z0-9_-]{1,40}"), "a valid uid: " + board.datasourceUid());
        // Grafana shares the host's network with Prometheus: localhost and Prometheus' port
        assertEquals("host", board.compose.path("services").path("prometheus").path("network_mode").asText());
        assertEquals("http://localhost:" + prometheusPort(), ds.path("url").asText());
        // $__rate_interval is computed from the scrape interval: it must be Prometheus'
        JsonNode prom = new YAMLMapper().readTree(board.docker.resolve("prometheus.yml").toFile());
        assertEquals(prom.path("global").path("scrape_interval").asText(), ds.path("jsonData").path("timeInterval").asText());
    }

    @Test
    void everyQueryIsOnTheProvisionedDataSource() {
        String uid = board.datasourceUid();
        int targets = 0;
        for (JsonNode p : board.panels()) {
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertDataSource(uid, p.path("datasource"), "panel " + p.path("title"));
            for (JsonNode t : p.path("targets")) {
                assertDataSource(uid, t.path("datasource"), "panel " + p.path("title") + " " + t.path("refId"));
                targets++;
            }
        }
        assertTrue(targets > 0);
        List<JsonNode> variables = board.queryVariables();
        assertFalse(variables.isEmpty());
        for (JsonNode v : variables) {
            assertDataSource(uid, v.path("datasource"), "variable " + v.path("name"));
        }
    }

    private static void assertDataSource(String uid, JsonNode ds, String where) {
        assertEquals("prometheus", ds.path("type").asText(), where + ": " + ds);
        assertEquals(uid, ds.path("uid").asText(), where + " names the provisioned data source by uid: " + ds);
    }

    @Test
    void theBoardFollowsGrafanasDashboardModel() {
        JsonNode d = board.dashboard;
        // 39 as written (Grafana 11); a board exported from a later Grafana has its later schema
        assertTrue(d.path("schemaVersion").asInt() >= 39, "a recent dashboard schema: " + d.path("schemaVersion"));
        assertTrue(d.path("uid").asText().matches("[a-zA-Z0-9_-]{1,40}"), "a fixed uid, for a fixed URL");
        assertFalse(d.path("title").asText().isBlank());
        assertTrue(d.path("id").isNull() || d.path("id").isMissingNode(), "no database id in a provisioned board");

        Set<Integer> ids = new HashSet<>();
        List<int[]> cells = new ArrayList<>();
        int lastRowY = -1;
        for (JsonNode p : d.path("panels")) {
            String title = p.path("title").asText();
            assertTrue(ids.add(p.path("id").asInt()), "unique panel id: " + title);
            assertTrue(PANEL_TYPES.contains(p.path("type").asText()), title + ": a core panel type " + p.path("type"));
            JsonNode g = p.path("gridPos");
            int x = g.path("x").asInt(-1);
            int y = g.path("y").asInt(-1);
            int w = g.path("w").asInt(-1);
            int h = g.path("h").asInt(-1);
            assertTrue(x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= 24, title + ": on the 24-column grid " + g);
            for (int[] c : cells) {
                boolean apart = x + w <= c[0] || c[0] + c[2] <= x || y + h <= c[1] || c[1] + c[3] <= y;
                assertTrue(apart, title + " overlaps another panel: " + g);
            }
            cells.add(new int[] {x, y, w, h});
            if (p.path("type").asText().equals("row")) {
                assertEquals(24, w, title);
                assertTrue(y > lastRowY, "rows in order");
                lastRowY = y;
                assertTrue(p.path("collapsed").asBoolean() || p.path("panels").isEmpty(),
                        title + ": an open row's panels follow it on the board");
                continue;
            }
            assertTrue(y > lastRowY && lastRowY >= 0, title + " is below a row");
            assertFalse(p.path("targets").isEmpty(), title + " has queries");
            Set<String> refIds = new HashSet<>();
            for (JsonNode t : p.path("targets")) {
                assertTrue(refIds.add(t.path("refId").asText()), title + ": unique refId " + t.path("refId"));
                assertFalse(t.path("expr").asText().isBlank(), title + " " + t.path("refId") + ": an expr");
            }
        }

        // every variable a query uses exists (Grafana's own, $__..., aside)
        Set<String> variables = new HashSet<>();
        for (JsonNode v : d.path("templating").path("list")) {
            variables.add(v.path("name").asText());
        }
        for (GrafanaBoard.Query q : board.queries()) {
            Matcher m = VARIABLE.matcher(q.expr());
            while (m.find()) {
                String name = m.group(1) != null ? m.group(1) : m.group(2);
                assertTrue(name.startsWith("__") || variables.contains(name), q.where() + " uses $" + name
                        + ", not a variable of the board: " + q.expr());
            }
        }
    }

    @Test
    void everyQueryParsesAndSelectsPortwatchsMeters() {
        for (GrafanaBoard.Query q : board.queries()) {
            Set<String> names = assertDoesNotThrow(() -> PromQl.metricNames(q.expr()), q.where());
            assertFalse(names.isEmpty(), q.where() + " selects a metric: " + q.expr());
            for (String n : names) {
                assertTrue(n.matches("(portwatch|jvm|process|system)_[a-z0-9_]+"),
                        q.where() + ": " + n + " is not one of the registry's meters");
            }
        }
    }

    /** The board shows what issue 16 asks of it. */
    @Test
    void theBoardShowsTrafficTopPortsDropsDecodeErrorsKafkaAndTheJvm() {
        Set<String> used = new TreeSet<>();
        board.queries().forEach(q -> used.addAll(PromQl.metricNames(q.expr())));
        List<String> wanted = List.of(
                "portwatch_traffic_packets_total", "portwatch_traffic_bytes_total", "portwatch_traffic_flows_total",
                "portwatch_top_port_packets",
                "portwatch_drops_total", "portwatch_output_dropped_total", "portwatch_capture_ring_freezes_total",
                "portwatch_decode_errors_total", "portwatch_decode_errors_by_reason_total",
                "portwatch_kafka_records_sent_total", "portwatch_kafka_records_failed_total",
                "portwatch_kafka_records_waiting", "portwatch_kafka_records_dropped_total",
                "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum", "jvm_threads_live_threads");
        List<String> missing = wanted.stream().filter(w -> !used.contains(w)).toList();
        assertTrue(missing.isEmpty(), "the board shows no " + missing + "; it uses " + used);
        assertTrue(board.dashboard.toString().contains("by (port_class)"), "traffic by port class");
    }
}
