package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.Transport;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Every source's first contacts in the reporting window, per transport, and at the window's close the
 * evidence of the sources with failures among them ({@link ScanEvidence}), the strongest {@code limit}:
 * whether or not any detector raised an alert, so that a fleet can add up the evidence of sources that stay
 * below each sensor's own thresholds. TRW's log-likelihood ratio of a source is the sum of one step per
 * first contact, with the {@link TrwDetector}'s parameters; unlike the detector's walk (which starts at a
 * source's first failure, lasts the scan window and starts again when it looks benign), it counts every
 * first contact of the window, answered ones before the first failure too, and nothing else, so that the
 * ratios of the parts of a capture add up to the whole's.
 *
 * <p>Memory: a source's first contacts are kept whole (at most {@value #CONTACTS} a source and window) in
 * an {@link LruTable} bounded by bytes; under pressure the least recently active sources are evicted, and
 * the evidence of an evicted source with failures is kept aside (the strongest {@code limit}) and added to
 * what the source does after in the same window (its distinct targets and ports may then count twice). A
 * failure reported when the flow ends (a probe never answered) counts in the window open at that moment.
 * Single writer.
 */
final class EvidenceTable {

    static final int CONTACTS = 4096;
    static final int TARGET_SAMPLE = 10;
    static final int PORT_SAMPLE = 20;

    /** Strongest first: the ratio, then failures, then by source and transport (a total order). */
    static final Comparator<ScanEvidence> STRONGEST_FIRST = Comparator
            .comparingDouble(ScanEvidence::logLikelihoodRatio).reversed()
            .thenComparing(Comparator.comparingLong(ScanEvidence::failed).reversed())
            .thenComparing(ScanEvidence::source)
            .thenComparing(ScanEvidence::transport);

    /** The order of {@link #STRONGEST_FIRST} by the counts, ties by address and protocol: a total order. */
    private static final Comparator<Source> BY_COUNTS = Comparator.comparingLong((Source e) -> e.failed - e.answered)
            .reversed().thenComparing(Comparator.comparingLong((Source e) -> e.failed).reversed())
            .thenComparing((a, b) -> Long.compareUnsigned(a.aHi, b.aHi))
            .thenComparing((a, b) -> Long.compareUnsigned(a.aLo, b.aLo))
            .thenComparingInt(e -> e.n);

    private final int limit;
    private final long bytes;
    private LruTable<Source> sources;
    /** Evicted sources' evidence, weakest at the head, at most {@link #limit}. */
    private final PriorityQueue<ScanEvidence> evicted = new PriorityQueue<>(STRONGEST_FIRST.reversed());
    private long evictions;

    /**
     * @param limit sources a window reports at most (above 0)
     * @param bytes memory the table may hold
     */
    EvidenceTable(int limit, long bytes) {
        this.limit = limit;
        this.bytes = bytes;
        this.sources = newTable();
    }

    private LruTable<Source> newTable() {
        return new LruTable<>(Integer.MAX_VALUE, bytes, this::evicted);
    }

    /** The outcome of a first attempt from s to d:port over {@code proto}: answered, or failed. */
    void contact(int proto, long sHi, long sLo, long dHi, long dLo, int port, boolean answered) {
        Source e = sources.get(sHi, sLo, 0, 0, proto);
        if (e == null) {
            e = sources.add(sHi, sLo, 0, 0, proto, new Source());
        }
        if (!e.add(dHi, dLo, port)) {
            return; // not a first contact
        }
        if (answered) {
            e.answered++;
        } else {
            e.failed++;
        }
        if (e.contactBytes() != e.accountedContacts) {
            e.accountedContacts = e.contactBytes();
            sources.update(e);
        }
    }

    private void evicted(Source e) {
        evictions++;
        if (e.failed == 0) {
            return;
        }
        if (evicted.size() == limit) { // made only when it would be kept: under pressure most are weaker
            ScanEvidence weakest = evicted.peek();
            double ratio = ratio(e.failed, e.answered);
            if (ratio < weakest.logLikelihoodRatio()
                    || (ratio == weakest.logLikelihoodRatio() && e.failed <= weakest.failed())) {
                return;
            }
        }
        evicted.add(e.evidence());
        if (evicted.size() > limit) {
            evicted.poll();
        }
    }

    /**
     * The window closes: the evidence of its sources with failures, strongest first, at most the limit;
     * the next window starts with no source.
     */
    List<ScanEvidence> takeWindow() {
        List<Source> failing = new ArrayList<>();
        for (Source e : sources.values()) {
            if (e.failed > 0) {
                failing.add(e);
            }
        }
        // The ratio is ln 4 (failed - answered), and a hair more for more failures (ln 4 a failure is rounded
        // up, -ln 4 an answer is not): sources in this order are in the order of their evidence (ties by
        // address), and only the first `limit` need their evidence made.
        failing.sort(BY_COUNTS);
        Map<String, ScanEvidence> bySource = new LinkedHashMap<>();
        for (ScanEvidence x : evicted) {
            bySource.merge(x.source() + " " + x.transport(), x, EvidenceTable::add);
        }
        for (int i = 0; i < Math.min(limit, failing.size()); i++) {
            ScanEvidence x = failing.get(i).evidence();
            bySource.merge(x.source() + " " + x.transport(), x, EvidenceTable::add);
        }
        List<ScanEvidence> out = new ArrayList<>(bySource.values());
        out.sort(STRONGEST_FIRST);
        evicted.clear();
        sources = newTable();
        return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
    }

    /** One source's evidence in two parts (before and after it was evicted), added up. */
    private static ScanEvidence add(ScanEvidence a, ScanEvidence b) {
        List<String> targets = new ArrayList<>(a.targetSample());
        b.targetSample().stream().filter(t -> !targets.contains(t)).forEach(targets::add);
        Set<String> ports = new HashSet<>(a.portSample());
        ports.addAll(b.portSample());
        return new ScanEvidence(a.source(), a.transport(), a.failed() + b.failed(), a.answered() + b.answered(),
                a.targets() + b.targets(), a.ports() + b.ports(), ratio(a.failed() + b.failed(), a.answered() + b.answered()),
                targets.subList(0, Math.min(TARGET_SAMPLE, targets.size())),
                ports.stream().sorted(Comparator.comparingInt(EvidenceTable::portValue)).limit(PORT_SAMPLE).toList());
    }

    /** TRW's log-likelihood ratio of {@code failed} failed and {@code answered} answered first contacts. */
    static double ratio(long failed, long answered) {
        return failed * TrwDetector.STEP_FAILURE + answered * TrwDetector.STEP_SUCCESS;
    }

    private static int portValue(String text) {
        int slash = text.indexOf('/');
        return (text.startsWith("tcp") ? 0 : 1 << 16) | Integer.parseInt(text.substring(slash + 1));
    }

    long bytes() {
        return sources.bytes();
    }

    long evictions() {
        return evictions;
    }

    int entries() {
        return sources.size();
    }

    /** One source's first contacts over one transport. Key: the source and the IP protocol. */
    static final class Source extends Contacts {
        long accountedContacts;
        long failed;
        long answered;

        Source() {
            super(CONTACTS);
        }

        @Override
        long retainedBytes() {
            return 136 + contactBytes(); // its fields: the key, the first contact, the counts
        }

        ScanEvidence evidence() {
            int proto = n;
            Transport transport = Transport.of(proto);
            List<String> targetSample = new ArrayList<>(TARGET_SAMPLE);
            Set<String> targets = new HashSet<>();
            PortSet ports = new PortSet();
            for (int i = 0; i < contacts(); i++) {
                String t = HostSet.text(hi(i), lo(i));
                if (targets.add(t) && targetSample.size() < TARGET_SAMPLE) {
                    targetSample.add(t);
                }
                ports.add(PortSet.value(proto, port(i)));
            }
            List<String> portSample = new ArrayList<>(PORT_SAMPLE);
            for (int v : ports.smallest(PORT_SAMPLE)) {
                portSample.add(PortSet.text(v));
            }
            return new ScanEvidence(HostSet.text(aHi, aLo), transport, failed, answered, targets.size(),
                    ports.size(), ratio(failed, answered), targetSample, portSample);
        }
    }
}
