package io.portwatch.app.cli;

import io.portwatch.analysis.output.RecordSink;
import io.portwatch.app.metrics.PortwatchMetrics;
import io.portwatch.app.sink.OutputUnavailableException;
import io.portwatch.app.sink.QueuedSink;
import io.portwatch.app.sink.ipfix.IpfixExporter;
import io.portwatch.app.sink.ipfix.IpfixSink;
import io.portwatch.app.sink.ipfix.IpfixTarget;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * IPFIX export options, shared by {@code read} and {@code live}: every flow to a collector, beside the
 * other outputs (docs/ipfix.md).
 */
public final class IpfixOptions {

    /** Records a file read may have waiting for the export (the reader waits beyond it). */
    private static final int FILE_QUEUE = 8192;

    @Option(names = "--ipfix", paramLabel = "HOST:PORT",
            description = "Also export every flow over IPFIX to this collector (nfcapd, ElastiFlow, Akvorado, "
                    + "ntopng...; [ADDRESS]:PORT for IPv6), whether or not --flows shows them.")
    String target;

    @Option(names = "--ipfix-transport", paramLabel = "PROTOCOL",
            description = "udp (the default) or tcp, for a collector that takes TCP.")
    IpfixExporter.Protocol transport;

    @Option(names = "--ipfix-biflow", negatable = true,
            description = "One bidirectional record per flow (RFC 5103 reverse counters) instead of one per direction.")
    boolean biflow;

    @Option(names = "--ipfix-domain", paramLabel = "N",
            description = "The observation domain ID of the messages, 0 to 4294967295. Default: derived from the "
                    + "sensor name (its CRC-32).")
    Long domain;

    @Option(names = "--ipfix-mtu", paramLabel = "BYTES",
            description = "The largest IPFIX message, " + IpfixExporter.MIN_MTU + " to 65535 bytes. Default: 1400.")
    Integer mtu;

    /** Whether flows are exported. */
    boolean enabled() {
        return target != null;
    }

    /**
     * Checks the options; resolves the collector's host.
     *
     * @return the collector, or null without {@code --ipfix}
     * @throws CommandLine.ParameterException naming the option at fault
     */
    InetSocketAddress validate(CommandLine cmd) {
        if (target == null) {
            List<String> given = new ArrayList<>();
            if (transport != null) {
                given.add("--ipfix-transport");
            }
            if (biflow) {
                given.add("--ipfix-biflow");
            }
            if (domain != null) {
                given.add("--ipfix-domain");
            }
            if (mtu != null) {
                given.add("--ipfix-mtu");
            }
            if (!given.isEmpty()) {
                throw new CommandLine.ParameterException(cmd, String.join(", ", given) + (given.size() == 1 ? " needs" : " need") + " --ipfix");
            }
            return null;
        }
        if (domain != null && (domain < 0 || domain > 0xFFFFFFFFL)) {
            throw new CommandLine.ParameterException(cmd, "--ipfix-domain must be 0 to 4294967295: " + domain);
        }
        if (mtu != null && (mtu < IpfixExporter.MIN_MTU || mtu > 65535)) {
            throw new CommandLine.ParameterException(cmd,
                    "--ipfix-mtu must be " + IpfixExporter.MIN_MTU + " to 65535: " + mtu);
        }
        try {
            return IpfixTarget.parse(target);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--ipfix: " + e.getMessage());
        }
    }

    /** The observation domain: {@code --ipfix-domain}, or the CRC-32 of the sensor name. */
    static int domain(Long given, String sensor) {
        if (given != null) {
            return (int) given.longValue();
        }
        CRC32 crc = new CRC32();
        crc.update(sensor.getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }

    /**
     * Opens the export (TCP: connects to the collector).
     *
     * @param err where the export's notices go, one line each
     * @throws OutputUnavailableException when the collector cannot be reached (TCP) or no socket opened
     */
    IpfixExporter open(CommandLine cmd, String sensor, PrintWriter err) {
        InetSocketAddress collector = validate(cmd);
        IpfixExporter.Protocol p = transport != null ? transport : IpfixExporter.Protocol.udp;
        try {
            return IpfixExporter.open(collector, p, domain(domain, sensor), mtu != null ? mtu : 1400, biflow,
                    line -> {
                        synchronized (err) {
                            err.println("portwatch: " + line);
                            err.flush();
                        }
                    });
        } catch (IOException e) {
            throw new OutputUnavailableException("--ipfix: cannot reach the collector at " + p + "://" + target
                    + ": " + io.portwatch.app.IoErrors.reason(e));
        }
    }

    /**
     * The export in front of the other outputs ({@link IpfixSink}); for a file read, behind a lossless
     * queue of its own, so that sending runs on an output thread.
     *
     * @param passFlows whether the other outputs show flows ({@code --flows})
     * @param metrics   told of the export's counts, or null
     */
    static RecordSink wrap(RecordSink next, IpfixExporter exporter, boolean passFlows, boolean file,
                           PortwatchMetrics metrics) {
        if (metrics != null) {
            metrics.ipfix(exporter::sent, exporter::lost, exporter::messages);
        }
        RecordSink s = new IpfixSink(next, exporter, passFlows);
        return file ? QueuedSink.lossless(s, FILE_QUEUE, Duration.ofSeconds(60)) : s;
    }

    /** Says, at the end, what could not be exported (nothing when all was). */
    static void sayLost(IpfixExporter exporter, PrintWriter err) {
        if (exporter != null && exporter.lost() > 0) {
            err.println("portwatch: ipfix: " + exporter.lost() + " of " + (exporter.lost() + exporter.sent())
                    + " records could not be sent to " + exporter.collector());
            err.flush();
        }
    }
}
