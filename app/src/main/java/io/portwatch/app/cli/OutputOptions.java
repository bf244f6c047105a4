package io.portwatch.app.cli;

import io.portwatch.analysis.output.RecordSink;
import io.portwatch.app.sink.JsonLinesSink;
import io.portwatch.app.sink.TableSink;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** How records are written to standard output, shared by the commands that analyse traffic. */
public final class OutputOptions {

    /** Output formats. */
    public enum Format { table, json }

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "table or json (JSON lines). Default: table on a terminal, json otherwise.")
    Format format;

    @Option(names = "--flows", description = "Also report each finished flow.")
    boolean flows;

    @Option(names = "--top", paramLabel = "N",
            description = "Report the N busiest ports of each window (0: all). Default: 25 in a table, all in JSON.")
    Integer top;

    @Option(names = "--sensor", paramLabel = "NAME", description = "Sensor name in JSON records. Default: the host name.")
    String sensor;

    Format format() {
        return format != null ? format : (System.console() != null ? Format.table : Format.json);
    }

    /**
     * A sink writing to standard output.
     *
     * @param live a live table redraws in place on a terminal
     */
    RecordSink open(CommandLine cmd, boolean live) {
        if (top != null && top < 0) {
            throw new CommandLine.ParameterException(cmd, "--top must be 0 or more: " + top);
        }
        Format fmt = format();
        int topN = top != null ? top : (fmt == Format.table ? 25 : 0);
        OutputStream stdout = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        return fmt == Format.json
                ? new JsonLinesSink(stdout, sensor != null ? sensor : Hosts.localName(), topN)
                : new TableSink(new PrintStream(stdout, false, StandardCharsets.UTF_8), topN, flows,
                live && System.console() != null);
    }
}
