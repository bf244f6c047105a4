package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.portwatch.app.config.CommandConfig;
import io.portwatch.app.config.ConfigFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What can be checked of {@code docker/} without a Docker engine: the Dockerfile copies what exists and
 * the jar the build makes, its runtime stage can capture without root, and compose.yaml and
 * prometheus.yml parse and agree with each other (Kafka's address, the metrics port).
 */
class DockerFilesTest {

    private static Path root;
    private static Path docker;
    private static List<Stage> stages;
    private static JsonNode compose;

    /** One instruction: keyword (upper case) and its arguments, continuation lines joined. */
    record Instruction(String keyword, String args) {
        List<String> words() {
            return List.of(args.trim().split("\\s+"));
        }
    }

    /** One build stage: FROM image [AS name] and its instructions. */
    record Stage(String image, String name, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword.equals(keyword)).toList();
        }

        String runs() {
            return String.join("\n", all("RUN").stream().map(Instruction::args).toList());
        }

        Instruction last(String keyword) {
            List<Instruction> l = all(keyword);
            assertFalse(l.isEmpty(), "stage " + image + " has no " + keyword);
            return l.get(l.size() - 1);
        }
    }

    @BeforeAll
    static void read() throws IOException {
        root = Path.of(System.getProperty("portwatch.root", "..")).toAbsolutePath().normalize();
        docker = root.resolve("docker");
        stages = parseDockerfile(Files.readAllLines(docker.resolve("Dockerfile")));
        compose = new YAMLMapper().readTree(docker.resolve("compose.yaml").toFile());
    }

    static List<Stage> parseDockerfile(List<String> lines) {
        List<Stage> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String raw : lines) {
            String line = raw.strip();
            if (pending.length() == 0 && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (line.startsWith("#")) {
                continue; // a comment inside a continued instruction
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            String instr = pending.toString().strip();
            pending.setLength(0);
            int sp = instr.indexOf(' ');
            String keyword = instr.substring(0, sp).toUpperCase(Locale.ROOT);
            String args = instr.substring(sp + 1).strip();
            if (keyword.equals("FROM")) {
                String[] w = args.split("\\s+");
                out.add(new Stage(w[0], w.length >= 3 && w[1].equalsIgnoreCase("AS") ? w[2] : null, new ArrayList<>()));
            } else {
                assertFalse(out.isEmpty(), "an instruction before FROM: " + instr);
                out.get(out.size() - 1).instructions.add(new Instruction(keyword, args));
            }
        }
        assertEquals(0, pending.length(), "a continuation at the end of the Dockerfile");
        return out;
    }

    /** Arguments of COPY without flags: sources..., destination. */
    private static List<String> copyPaths(Instruction copy) {
        return copy.words().stream().filter(w -> !w.startsWith("--")).toList();
    }

    private static String flag(Instruction i, String name) {
        for (String w : i.words()) {
            if (w.startsWith("--" + name + "=")) {
                return w.substring(name.length() + 3);
            }
        }
        return null;
    }

    private static JsonNode service(String name) {
        JsonNode s = compose.path("services").get(name);
        assertNotNull(s, "compose.yaml has a service " + name);
        return s;
    }

    private static List<String> command(JsonNode service) {
        List<String> args = new ArrayList<>();
        JsonNode c = service.get("command");
        assertNotNull(c, "a command");
        if (c.isArray()) {
            c.forEach(n -> args.add(n.asText()));
        } else {
            args.addAll(List.of(c.asText().trim().split("\\s+")));
        }
        return args;
    }

    /**
     * The portwatch service's command with the settings of the configuration file it mounts (checked
     * as portwatch checks it) applied, as the options they stand for.
     */
    private static List<String> effective(JsonNode portwatch) throws Exception {
        List<String> cmd = command(portwatch);
        String inContainer = optionValue(cmd, "--config");
        String mounted = null;
        for (JsonNode v : portwatch.path("volumes")) {
            String[] parts = v.asText().split(":");
            if (parts[1].equals(inContainer)) {
                mounted = parts[0];
                assertTrue(parts.length == 3 && parts[2].equals("ro"), "mounted read-only: " + v.asText());
            }
        }
        assertNotNull(mounted, "the configuration is mounted at " + inContainer);
        Path file = docker.resolve(mounted).normalize();
        assertTrue(Files.isRegularFile(file), file + " exists");

        List<String> args = new ArrayList<>(cmd);
        args.replaceAll(a -> a.equals("${IFACE:-eth0}") ? "eth0" : a);
        args.set(args.indexOf(inContainer), file.toString());
        CommandLine cl = Main.commandLine();
        CommandLine.ParseResult parsed = cl.parseArgs(args.toArray(String[]::new)).subcommand();
        Map<String, ConfigFile.Setting> applied = CommandConfig.apply(ConfigFile.load(file), parsed,
                Main.configurable(cl));
        List<String> out = new ArrayList<>(cmd);
        applied.forEach((option, setting) -> {
            out.add(option);
            out.add(parsed.commandSpec().findOption(option).getValue().toString());
        });
        return out;
    }

    private static String optionValue(List<String> args, String option) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(option) && i + 1 < args.size()) {
                return args.get(i + 1);
            }
            if (args.get(i).startsWith(option + "=")) {
                return args.get(i).substring(option.length() + 1);
            }
        }
        return fail("no " + option + " in " + args);
    }

    private static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    private static String xpath(Document doc, String expr) throws Exception {
        return ((String) XPathFactory.newInstance().newXPath().evaluate(expr, doc, XPathConstants.STRING)).strip();
    }

    // ------------------------------------------------------------------------------------------- tests

    @Test
    void copySourcesExistInTheBuildContextAndAreNotIgnored() throws Exception {
        JsonNode build = service("portwatch").get("build");
        Path context = docker.resolve(build.get("context").asText()).normalize();
        assertEquals(root, context, "the build context is the repository");
        assertEquals(docker.resolve("Dockerfile"), context.resolve(build.get("dockerfile").asText()).normalize());

        List<PathMatcher> ignored = new ArrayList<>();
        for (String p : Files.readAllLines(docker.resolve("Dockerfile.dockerignore"))) {
            if (!p.isBlank() && !p.startsWith("#")) {
                ignored.add(FileSystems.getDefault().getPathMatcher("glob:" + p.strip()));
            }
        }
        Set<String> copied = new HashSet<>();
        int copies = 0;
        for (Stage s : stages) {
            for (Instruction copy : s.all("COPY")) {
                if (flag(copy, "from") != null) {
                    continue;
                }
                List<String> paths = copyPaths(copy);
                for (String src : paths.subList(0, paths.size() - 1)) {
                    copies++;
                    Path rel = Path.of(src).normalize();
                    assertTrue(Files.exists(context.resolve(rel)), "COPY source " + src + " exists in the context");
                    for (PathMatcher m : ignored) {
                        assertFalse(m.matches(rel), "COPY source " + src + " is not in Dockerfile.dockerignore");
                    }
                    copied.add(rel.toString());
                }
            }
        }
        assertTrue(copies > 0);
        // the build needs the root pom and every module the reactor names
        Document pom = xml(root.resolve("pom.xml"));
        NodeList modules = (NodeList) XPathFactory.newInstance().newXPath()
                .evaluate("/project/modules/module", pom, XPathConstants.NODESET);
        assertTrue(modules.getLength() > 0);
        assertTrue(copied.contains("pom.xml"), "the root pom is copied: " + copied);
        for (int i = 0; i < modules.getLength(); i++) {
            String module = modules.item(i).getTextContent().strip();
            assertTrue(copied.contains(module), "module " + module + " is copied: " + copied);
        }
        // and the build output is never sent
        assertTrue(ignored.stream().anyMatch(m -> m.matches(Path.of("app/target"))), "target/ is ignored");
    }

    @Test
    void theImageRunsTheJarTheBuildMakes() throws Exception {
        Stage build = stages.get(0);
        assertNotNull(build.name(), "the build stage is named");
        assertTrue(build.image().matches("maven:[^ ]*(temurin|openjdk|jdk)-?17.*"), "Maven on a JDK 17: " + build.image());
        List<String> mvn = build.all("RUN").stream().map(Instruction::words).filter(w -> w.contains("mvn"))
                .findFirst().orElseGet(() -> fail("the build stage runs mvn"));
        assertTrue(mvn.containsAll(List.of("-B", "-ntp", "package", "-DskipTests")), mvn.toString());
        assertFalse(mvn.contains("install"), "package, not install");

        // the jar: the shade plugin's finalName (else the build's, else artifactId-version) in app/target
        Document appPom = xml(root.resolve("app/pom.xml"));
        String finalName = xpath(appPom, "/project/build/plugins/plugin[artifactId='maven-shade-plugin']"
                + "/executions/execution/configuration/finalName");
        if (finalName.isEmpty()) {
            finalName = xpath(appPom, "/project/build/finalName");
        }
        assertFalse(finalName.isEmpty(), "app/pom.xml names its jar");
        String workdir = build.last("WORKDIR").args();
        String jar = workdir.replaceAll("/$", "") + "/app/target/" + finalName + ".jar";

        Stage runtime = stages.get(stages.size() - 1);
        Instruction copyJar = runtime.all("COPY").stream().filter(c -> build.name().equals(flag(c, "from")))
                .findFirst().orElseGet(() -> fail("the runtime stage copies from " + build.name()));
        List<String> paths = copyPaths(copyJar);
        // the jar and the launcher the build puts beside it (src/dist/portwatch), into one folder
        String launcher = workdir.replaceAll("/$", "") + "/app/target/portwatch";
        assertEquals(List.of(jar, launcher), paths.subList(0, paths.size() - 1), "the jar and launcher the build makes");
        String dir = paths.get(paths.size() - 1);
        assertTrue(dir.endsWith("/"), "copied into a folder: " + dir);
        assertTrue(Files.isRegularFile(root.resolve("src/dist/portwatch")), "the launcher's source");

        JsonNode entrypoint = new ObjectMapper().readTree(runtime.last("ENTRYPOINT").args());
        assertTrue(entrypoint.isArray(), "ENTRYPOINT in exec form");
        List<String> ep = new ArrayList<>();
        entrypoint.forEach(n -> ep.add(n.asText()));
        assertEquals(List.of(dir + "portwatch"), ep, "the image runs the launcher");
        // the launcher looks for portwatch.jsa beside the jar: the image makes it with its own Java
        assertTrue(runtime.runs().matches("(?s).*-XX:ArchiveClassesAtExit=" + java.util.regex.Pattern.quote(dir)
                + "portwatch\\.jsa -jar " + java.util.regex.Pattern.quote(dir) + "portwatch\\.jar.*"),
                "the class data archive is made beside the jar");
    }

    @Test
    void theRuntimeStageCapturesWithoutRoot() {
        Stage runtime = stages.get(stages.size() - 1);
        String runs = runtime.runs();
        boolean jre17 = runtime.image().matches("[^ ]*(jre|jdk)[^ ]*17[^ ]*|[^ ]*17[^ ]*(jre|jdk)[^ ]*")
                || runs.contains("openjdk-17-jre");
        assertTrue(jre17, "a Java 17 runtime");
        for (String pkg : List.of("libpcap0.8", "libcap2-bin")) {
            assertTrue(runs.matches("(?s).*apt-get install[^\\n]*\\b" + pkg.replace(".", "\\.") + "\\b.*"), pkg + " installed");
        }
        assertTrue(runs.matches("(?s).*setcap cap_net_raw,cap_net_admin=eip .*java.*"), "setcap on the java binary");
        assertTrue(runs.contains("ldconfig"), "the JDK's lib folder in the loader's cache (secure mode ignores $ORIGIN)");
        String user = runtime.last("USER").args();
        assertNotEquals("root", user);
        assertNotEquals("0", user.split(":")[0]);
        assertTrue(runs.matches("(?s).*useradd [^\\n]*\\b" + user + "\\b.*"), "the user " + user + " is created");
        // the user comes after the installs: nothing runs as root after it
        List<Instruction> after = runtime.instructions().subList(runtime.instructions().indexOf(runtime.last("USER")),
                runtime.instructions().size());
        assertTrue(after.stream().noneMatch(i -> i.keyword().equals("RUN")), "no RUN after USER");
    }

    @Test
    void composeServicesAgreeWithEachOther() throws Exception {
        JsonNode portwatch = service("portwatch");
        JsonNode kafka = service("kafka");
        JsonNode prometheus = service("prometheus");

        assertEquals("host", portwatch.path("network_mode").asText());
        Set<String> caps = new HashSet<>();
        portwatch.path("cap_add").forEach(c -> caps.add(c.asText()));
        assertTrue(caps.containsAll(Set.of("NET_RAW", "NET_ADMIN")), caps.toString());
        List<String> cmd = effective(portwatch);
        assertEquals("live", cmd.get(0));
        assertEquals("${IFACE:-eth0}", optionValue(cmd, "-i"));

        // Kafka: KRaft, and the address portwatch uses is the one the broker advertises and publishes
        assertTrue(kafka.path("image").asText().startsWith("apache/kafka:"), kafka.path("image").asText());
        JsonNode env = kafka.get("environment");
        assertTrue(List.of(env.path("KAFKA_PROCESS_ROLES").asText().split(",")).containsAll(List.of("broker", "controller")));
        String bootstrap = optionValue(cmd, "--kafka");
        String host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        assertTrue(Set.of("localhost", "127.0.0.1").contains(host), "portwatch is on the host's network: " + bootstrap);
        String listenerName = null;
        for (String l : env.path("KAFKA_ADVERTISED_LISTENERS").asText().split(",")) {
            if (l.strip().endsWith("://" + bootstrap)) {
                listenerName = l.strip().substring(0, l.strip().indexOf("://"));
            }
        }
        assertNotNull(listenerName, "Kafka advertises " + bootstrap);
        int listenerPort = -1;
        for (String l : env.path("KAFKA_LISTENERS").asText().split(",")) {
            if (l.strip().startsWith(listenerName + "://")) {
                listenerPort = Integer.parseInt(l.strip().substring(l.strip().lastIndexOf(':') + 1));
            }
        }
        assertTrue(listenerPort > 0, "Kafka listens on " + listenerName);
        boolean published = false;
        for (JsonNode p : kafka.path("ports")) {
            String[] parts = p.asText().split(":");
            int hostPort = Integer.parseInt(parts[parts.length - 2]);
            int containerPort = Integer.parseInt(parts[parts.length - 1]);
            String bindIp = parts.length == 3 ? parts[0] : "0.0.0.0";
            if (hostPort == port && containerPort == listenerPort) {
                published = true;
                assertEquals("127.0.0.1", bindIp, "Kafka is published on the loopback only");
            }
        }
        assertTrue(published, "Kafka's " + listenerName + " listener is published on the host at " + port);
        assertEquals("service_healthy", portwatch.path("depends_on").path("kafka").path("condition").asText());
        assertTrue(kafka.has("healthcheck"));

        // Prometheus scrapes the port portwatch serves its metrics on
        int metricsPort = Integer.parseInt(optionValue(cmd, "--metrics-port"));
        assertEquals("host", prometheus.path("network_mode").asText(), "Prometheus reaches localhost's portwatch");
        List<String> promCmd = command(prometheus);
        String configInContainer = optionValue(promCmd, "--config.file");
        String mounted = null;
        for (JsonNode v : prometheus.path("volumes")) {
            String[] parts = v.asText().split(":");
            if (parts[1].equals(configInContainer)) {
                mounted = parts[0];
            }
        }
        assertNotNull(mounted, "the configuration is mounted at " + configInContainer);
        Path config = docker.resolve(mounted).normalize();
        assertEquals(docker.resolve("prometheus.yml"), config);
        JsonNode prom = new YAMLMapper().readTree(config.toFile());
        List<String> targets = new ArrayList<>();
        for (JsonNode job : prom.path("scrape_configs")) {
            if (job.path("metrics_path").asText("/metrics").equals("/metrics")) {
                for (JsonNode sc : job.path("static_configs")) {
                    sc.path("targets").forEach(t -> targets.add(t.asText()));
                }
            }
        }
        // and the fleet job's, which reads the sensors' broker
        List<String> fleetCmd = effective(service("fleet"));
        assertEquals("fleet", fleetCmd.get(0));
        assertEquals(bootstrap, optionValue(fleetCmd, "--kafka"), "the fleet reads the broker the sensor writes to");
        int fleetMetricsPort = Integer.parseInt(optionValue(fleetCmd, "--metrics-port"));
        assertEquals(List.of("localhost:" + metricsPort, "localhost:" + fleetMetricsPort), targets);

        // on the host's network, the ports they listen on must differ
        String web = optionValue(promCmd, "--web.listen-address");
        int webPort = Integer.parseInt(web.substring(web.lastIndexOf(':') + 1));
        assertEquals(4, new HashSet<>(List.of(metricsPort, fleetMetricsPort, webPort, port)).size(),
                "distinct host ports");
    }
}
