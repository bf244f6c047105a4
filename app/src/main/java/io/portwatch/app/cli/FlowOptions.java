package io.portwatch.app.cli;

import io.portwatch.analysis.TunnelMode;
import io.portwatch.capture.flow.FlowConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Flow table options, shared by the commands that track flows. */
public final class FlowOptions {

    @Option(names = "--max-flows", paramLabel = "N", defaultValue = "1048576",
            description = "Flows tracked at once; beyond it the longest idle are evicted (counted). Default: ${DEFAULT-VALUE}.")
    int maxFlows;

    @Option(names = "--tcp-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5m",
            description = "Idle timeout of established TCP flows. Default: ${DEFAULT-VALUE}.")
    long tcpTimeout;

    @Option(names = "--tcp-handshake-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "30s", description = "Idle timeout of TCP flows whose handshake is not complete. Default: ${DEFAULT-VALUE}.")
    long tcpHandshakeTimeout;

    @Option(names = "--tcp-closed-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "5s", description = "How long a TCP flow lingers after FIN both ways or RST. Default: ${DEFAULT-VALUE}.")
    long tcpClosedTimeout;

    @Option(names = "--udp-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "1m",
            description = "Idle timeout of UDP flows. Default: ${DEFAULT-VALUE}.")
    long udpTimeout;

    @Option(names = "--active-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "30m", description = "Flows lasting longer are reported in parts. Default: ${DEFAULT-VALUE}.")
    long activeTimeout;

    @Option(names = "--port-memory", paramLabel = "BYTES", converter = SizeConverter.class, defaultValue = "128MiB",
            description = "Memory the ports' distinct counts, sketches and top talkers may grow into in a window "
                    + "(past a fixed few hundred bytes a port); past it they degrade, say so (memory_limited) and "
                    + "stay truthful. Default: ${DEFAULT-VALUE}.")
    int portMemory;

    @Option(names = "--tunnels", paramLabel = "outer|inner|both", defaultValue = "both",
            description = "Traffic in VXLAN, Geneve, GRE, ERSPAN, IP-in-IP and GTP-U tunnels: its flows (inner), "
                    + "the tunnel's own (outer), or both, as Zeek counts them. A frame counts once in the packet "
                    + "totals whatever the mode. Default: ${DEFAULT-VALUE}.")
    String tunnels;

    /** What {@code --tunnels} says; a usage error naming the option for anything but outer, inner or both. */
    TunnelMode tunnels(CommandLine cmd) {
        TunnelMode m = TunnelMode.parse(tunnels);
        if (m == null) {
            throw new CommandLine.ParameterException(cmd, "--tunnels must be outer, inner or both: " + tunnels);
        }
        return m;
    }

    /** What {@code --port-memory} says; a usage error when it is too small to mean anything. */
    long portMemory(CommandLine cmd) {
        if (portMemory < (1 << 20)) {
            throw new CommandLine.ParameterException(cmd, "--port-memory must be at least 1MiB");
        }
        return portMemory;
    }

    /** The flow configuration these options describe; a usage error when one is out of range. */
    FlowConfig toConfig(CommandLine cmd) {
        if (maxFlows < 1) {
            throw new CommandLine.ParameterException(cmd, "--max-flows must be at least 1: " + maxFlows);
        }
        return new FlowConfig(maxFlows, tcpTimeout, tcpHandshakeTimeout, tcpClosedTimeout, udpTimeout, activeTimeout);
    }
}
