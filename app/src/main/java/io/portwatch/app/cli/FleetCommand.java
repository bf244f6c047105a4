package io.portwatch.app.cli;

import io.portwatch.app.Main;
import io.portwatch.app.metrics.FleetMeters;
import io.portwatch.app.metrics.MetricsServer;
import io.portwatch.app.metrics.PortwatchMetrics;
import io.portwatch.app.sink.KafkaSettings;
import io.portwatch.app.web.FleetFeed;
import io.portwatch.app.web.FleetWebView;
import io.portwatch.app.web.WebOptions;
import io.portwatch.fleet.FleetApp;
import io.portwatch.fleet.FleetConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

/**
 * {@code portwatch fleet}: the Kafka Streams job that joins many sensors' records into one view
 * ({@link FleetApp}). This class parses and checks the command line, runs the job until SIGINT or SIGTERM
 * and says what became of it.
 */
@Command(name = "fleet",
        abbreviateSynopsis = true,
        footerHeading = "%nExamples:%n",
        footer = {"  portwatch fleet --kafka kafka-1:9092",
                "  portwatch fleet --kafka kafka-1:9093 --kafka-config client.properties --window 5m --grace 1m",
                "  portwatch fleet --config /etc/portwatch/portwatch.yaml",
                "  portwatch fleet --kafka kafka-1:9092 --http-port 8080",
                "", HelpText.VALUES, HelpText.CONFIG,
                HelpText.EXIT_HEADING, HelpText.EXIT_0, HelpText.EXIT_2, HelpText.EXIT_3, HelpText.EXIT_70},
        sortOptions = false,
        mixinStandardHelpOptions = true,
        description = {"Join the records of many sensors on Kafka into fleet-wide per-port statistics "
                + "(portwatch.fleet.ports), an inventory of exposed services (portwatch.fleet.services) and "
                + "scans seen across sensors (portwatch.fleet.alerts), until stopped (Ctrl-C or SIGTERM).",
                "Sensors: portwatch read/live --kafka with --sensor NAME. Several instances with the same "
                        + "--application-id share the work. See docs/fleet.md.",
                "--http-port serves the web view of what the fleet writes (every instance the whole fleet: it reads "
                        + "the fleet's topics back): its windows' ports with their sensors, the inventory, fleet scans "
                        + "(docs/web.md)."})
public final class FleetCommand implements Callable<Integer> {

    @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
            description = "The Kafka cluster the sensors write to: host:port[,host:port...] (required, here or "
                    + "in the configuration file).")
    String kafka;

    @Option(names = "--window", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "1m",
            description = "Fleet window: the sensors' windows are taken by their start, truncated to it (the "
                    + "sensors' --interval should equal or divide it). Default: ${DEFAULT-VALUE}.")
    long windowNanos;

    @Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "30s",
            description = "How long after a window's end records of it are still added (later ones are counted); "
                    + "a window's record comes out then, on the clock even when no record follows. "
                    + "Default: ${DEFAULT-VALUE}.")
    long graceNanos;

    @Option(names = "--application-id", paramLabel = "ID", defaultValue = FleetApp.DEFAULT_APPLICATION_ID,
            description = "Kafka Streams application id: instances with the same id share the work and its "
                    + "state. Default: ${DEFAULT-VALUE}.")
    String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the job keeps its local state (rebuilt from Kafka when lost). Default: Kafka "
                    + "Streams' own (a folder under the system's temporary directory).")
    Path stateDir;

    @Option(names = "--topic-ports", paramLabel = "TOPIC", defaultValue = "portwatch.ports",
            description = "The sensors' topic of per-port statistics and services. Default: ${DEFAULT-VALUE}.")
    String portsTopic;

    @Option(names = "--topic-alerts", paramLabel = "TOPIC", defaultValue = "portwatch.alerts",
            description = "The sensors' topic of alerts and scan evidence. Default: ${DEFAULT-VALUE}.")
    String alertsTopic;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "A Kafka client setting (TLS, SASL...), repeatable; over --kafka-config's.")
    List<String> kafkaProperties;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client settings from a Java properties file, as Kafka's own tools read them.")
    Path kafkaConfig;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics (the fleet's counters and Kafka Streams' own) at "
                    + "http://ADDRESS:PORT/metrics and a health check at /health. Default: off.")
    Integer metricsPort;

    @Option(names = "--metrics-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address the metrics endpoint listens on (0.0.0.0 for a Prometheus on another host). "
                    + "Default: ${DEFAULT-VALUE}.")
    String metricsAddress;

    @CommandLine.Mixin
    FleetKeyOption fleetKey;

    // --- the web view of the fleet's output (--http-port): FleetWebView
    @CommandLine.Mixin
    WebOptions web;

    @CommandLine.Mixin
    ConfigOption config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        PrintWriter err = cmd.getErr();
        if (kafka == null || kafka.isBlank()) {
            throw new CommandLine.ParameterException(cmd, "--kafka is required: the cluster the sensors write to");
        }
        if (windowNanos <= 0 || graceNanos < 0) {
            throw new CommandLine.ParameterException(cmd, "--window must be positive and --grace not negative");
        }
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            throw new CommandLine.ParameterException(cmd, "--metrics-port must be 0 to 65535: " + metricsPort);
        }
        web.validate(cmd);
        // the fleet needs no key itself: only to know whether the sensors' sketches are keyed
        String hllKey = fleetKey.key(cmd, System.getenv()) != null ? "fleet" : "public";
        FleetConfig cfg = FleetConfig.defaults()
                .withWindow(Duration.ofNanos(windowNanos), Duration.ofNanos(graceNanos))
                .withInputTopics(portsTopic, alertsTopic)
                .withHllKey(hllKey);
        Properties props = kafkaProperties(cmd);
        props.put("bootstrap.servers", kafka.trim());
        props.put("application.id", applicationId);
        if (stateDir != null) {
            props.put("state.dir", stateDir.toString());
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        FleetWebView view = null;
        // the web view serves /metrics too: the fleet's meters, never a sensor's
        try (PortwatchMetrics meters = metricsPort != null || web.enabled()
                     ? PortwatchMetrics.withoutSensorMeters() : null;
             MetricsServer metricsServer = metricsPort != null
                     ? MetricsServer.start(meters, metricsAddress, metricsPort) : null;
             FleetApp app = new FleetApp(cfg, props)) {
            if (web.enabled()) {
                // before the job: a port taken is said before anything runs; the view waits for the topics
                view = FleetWebView.start(web, cmd, meters, props, new FleetFeed.Topics(cfg.fleetPortsTopic(),
                        cfg.fleetServicesTopic(), cfg.fleetAlertsTopic()), applicationId, windowNanos, err);
            }
            app.start();
            FleetMeters fleetMeters = meters != null ? FleetMeters.bind(app, meters.registry()) : null;
            err.println("portwatch: fleet " + applicationId + " on " + kafka.trim() + ": windows of "
                    + Durations.format(windowNanos) + ", grace " + Durations.format(graceNanos) + ", sketches "
                    + hllKey);
            if (metricsServer != null) {
                err.println("portwatch: metrics on " + metricsServer.url());
            }
            err.flush();
            while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                if (app.failure() != null) {
                    err.println("portwatch: fleet stopped: " + oneLine(app.failure()));
                    err.flush();
                    if (fleetMeters != null) {
                        fleetMeters.close();
                    }
                    return Main.EXIT_UNAVAILABLE;
                }
            }
            boolean closed = app.close(Duration.ofSeconds(30));
            if (fleetMeters != null) {
                fleetMeters.close();
            }
            err.println("portwatch: fleet stopped" + (closed ? "" : " (its threads did not end within 30s)"));
            err.flush();
            return Main.EXIT_OK;
        } catch (java.io.IOException e) {
            // the metrics or web port is taken, or the address unknown: one line naming it
            err.println("portwatch: " + e.getMessage());
            err.flush();
            return Main.EXIT_UNAVAILABLE;
        } catch (IllegalArgumentException e) {
            err.println("portwatch: " + e.getMessage());
            err.flush();
            return Main.EXIT_USAGE;
        } catch (org.apache.kafka.common.KafkaException e) {
            // the cluster cannot be reached, or refuses the job (topics, authorization): one line, exit 3
            err.println("portwatch: fleet on " + kafka.trim() + ": " + oneLine(e));
            err.flush();
            return Main.EXIT_UNAVAILABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_OK;
        } finally {
            if (view != null) {
                view.close();
            }
        }
    }

    /** {@code --kafka-config}'s settings, then {@code --kafka-property}'s over them. */
    private Properties kafkaProperties(CommandLine cmd) {
        Properties p = new Properties();
        if (kafkaConfig != null) {
            try {
                p.putAll(KafkaSettings.load(kafkaConfig));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cmd, "--kafka-config: " + e.getMessage());
            }
        }
        if (kafkaProperties != null) {
            for (String kv : kafkaProperties) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    // not echoed: a value given alone may be a secret
                    throw new CommandLine.ParameterException(cmd, "--kafka-property must be KEY=VALUE (one has no '=')");
                }
                p.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return p;
    }

    private static String oneLine(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }
}
