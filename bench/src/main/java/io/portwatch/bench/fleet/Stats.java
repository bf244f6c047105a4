package io.portwatch.bench.fleet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Count, min, median, p90, p99 and max of a sample (nearest rank), as a map for the results file. */
final class Stats {

    private Stats() {
    }

    static Map<String, Object> of(List<Long> sample) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", sample.size());
        if (sample.isEmpty()) {
            return m;
        }
        List<Long> s = new ArrayList<>(sample);
        Collections.sort(s);
        m.put("min", s.get(0));
        m.put("median", rank(s, 0.5));
        m.put("p90", rank(s, 0.9));
        m.put("p99", rank(s, 0.99));
        m.put("max", s.get(s.size() - 1));
        return m;
    }

    private static long rank(List<Long> sorted, double q) {
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
