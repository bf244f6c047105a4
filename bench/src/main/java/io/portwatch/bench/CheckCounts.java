package io.portwatch.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks portwatch's JSON output for a synthetic capture against the counts the generator wrote beside
 * it. Prints one line when they agree (exit 0); else every difference (exit 1). Exit 2: bad usage or an
 * unreadable file.
 *
 * <pre>
 * java -cp bench/target/portwatch-bench.jar io.portwatch.bench.CheckCounts FILE.expected.json OUTPUT.jsonl
 * </pre>
 */
public final class CheckCounts {

    private CheckCounts() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: CheckCounts EXPECTED.json PORTWATCH-OUTPUT.jsonl");
            System.exit(2);
        }
        TrafficCounts expected;
        TrafficCounts actual;
        try {
            expected = TrafficCounts.readExpected(Path.of(args[0]));
            actual = TrafficCounts.fromJsonLines(Path.of(args[1]));
        } catch (IOException e) {
            System.err.println("CheckCounts: " + e.getMessage());
            System.exit(2);
            return;
        }
        TrafficCounts.Comparison c = TrafficCounts.compare(expected, actual);
        if (c.agrees()) {
            System.out.printf(Locale.ROOT, "counts agree: %,d packets, %,d flows, %d ports, %,d values equal, "
                            + "%d distinct-count estimates within %.0f%% (worst %.2f%%), %,d flows evicted%n",
                    actual.packets, actual.flows, c.portsCompared(), c.exactValues(), c.estimates(),
                    100 * TrafficCounts.ESTIMATE_TOLERANCE, 100 * c.worstEstimateError(), actual.flowsEvicted);
            return;
        }
        System.out.printf(Locale.ROOT, "COUNTS DIFFER: %d differences between %s and %s%n", c.differences().size(),
                args[0], args[1]);
        int shown = 0;
        for (String d : c.differences()) {
            if (shown++ == 50) {
                System.out.println("  ... and " + (c.differences().size() - 50) + " more");
                break;
            }
            System.out.println("  " + d);
        }
        System.exit(1);
    }
}
