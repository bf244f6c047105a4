package io.portwatch.app.cli;

import io.portwatch.analysis.output.InetText;
import io.portwatch.app.Main;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.libpcap.CaptureInterfaces;
import io.portwatch.capture.libpcap.InterfaceInfo;
import io.portwatch.capture.libpcap.Libpcap;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code portwatch interfaces}: what can be captured on. */
@Command(name = "interfaces", mixinStandardHelpOptions = true,
        description = {"List capture interfaces: name, state, addresses, description.",
                "These are the names 'portwatch live -i' takes; 'any' captures on all of them (Linux)."},
        footer = {HelpText.EXIT_HEADING, HelpText.EXIT_0, HelpText.EXIT_3})
public final class InterfacesCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<InterfaceInfo> list;
        try {
            Libpcap.load();
            list = CaptureInterfaces.list();
        } catch (CaptureException e) {
            err.println("portwatch: " + e.getMessage());
            err.flush();
            return Main.EXIT_UNAVAILABLE;
        }
        int width = 4;
        for (InterfaceInfo i : list) {
            width = Math.max(width, i.name().length());
        }
        out.printf("%-" + width + "s  %-4s  %-8s  %s%n", "NAME", "UP", "LOOPBACK", "ADDRESSES / DESCRIPTION");
        for (InterfaceInfo i : list) {
            StringBuilder addresses = new StringBuilder();
            for (InterfaceInfo.Address a : i.addresses()) {
                addresses.append(addresses.length() == 0 ? "" : ", ").append(text(a));
            }
            String description = i.description() == null ? "" : i.description();
            String tail = addresses.length() == 0 ? description
                    : description.isEmpty() ? addresses.toString() : addresses + "  (" + description + ")";
            out.printf("%-" + width + "s  %-4s  %-8s  %s%n", i.name(), i.up() ? "up" : "down",
                    i.loopback() ? "yes" : "", tail);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /** {@code address/prefix} (just the address when the netmask is unknown), IPv6 as RFC 5952 writes it. */
    static String text(InterfaceInfo.Address a) {
        byte[] b = a.address().getAddress();
        String text = b.length == 4 ? a.address().getHostAddress()
                : InetText.format(6, longAt(b, 0), longAt(b, 8));
        return a.prefixLength() < 0 ? text : text + "/" + a.prefixLength();
    }

    private static long longAt(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }
}
