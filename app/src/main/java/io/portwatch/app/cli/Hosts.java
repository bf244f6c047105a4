package io.portwatch.app.cli;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** The local host's name, for the default sensor name. */
final class Hosts {
    private Hosts() {
    }

    static String localName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            Path etc = Path.of("/etc/hostname");
            if (Files.isReadable(etc)) {
                String s = Files.readString(etc).trim();
                if (!s.isEmpty()) {
                    return s;
                }
            }
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
