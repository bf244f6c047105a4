package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.InetText;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where finished analyses leave the services they saw, so that one baseline file can be written
 * for all of them (several inputs, several interfaces). Starts with the services of the baseline the
 * run was given, if any, so that a saved baseline grows. Thread-safe.
 */
public final class BaselineRecorder {

    private final Map<String, ExposedService> services = new LinkedHashMap<>();

    /** @param initial services already known (a loaded baseline), or null */
    public BaselineRecorder(ServiceBaseline initial) {
        if (initial != null) {
            add(initial.services());
        }
    }

    /** Adds services; one already recorded is merged (earliest first seen, latest last seen). */
    public synchronized void add(Collection<ExposedService> list) {
        for (ExposedService s : list) {
            long[] a = InetText.parse(s.ip());
            services.merge(s.transport().key() + " " + HostSet.text(a[0], a[1]) + " " + s.port(), s, ExposedService::merge);
        }
    }

    /** The services recorded so far, by transport, address and port. */
    public synchronized List<ExposedService> services() {
        return ServiceBaseline.of(new ArrayList<>(services.values())).services();
    }

    /** Writes the services recorded so far as a baseline file. */
    public void write(Path file) throws IOException {
        ServiceBaseline.write(file, services());
    }
}
