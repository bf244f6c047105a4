package io.portwatch.app.cli;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CaptureAnalysis;
import io.portwatch.analysis.PartitionedAnalyzer;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.app.Main;
import io.portwatch.app.sink.SharedSink;
import io.portwatch.capture.libpcap.BpfCompiler;
import io.portwatch.capture.libpcap.LibpcapFileSource;
import io.portwatch.capture.source.BpfFilter;
import io.portwatch.capture.source.BpfFilterSet;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.source.MergedSource;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.capture.source.PacketSource;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One {@code portwatch read}, once its command line is parsed and checked: the files as one capture (merged
 * in time order), each on its own ({@code --separate}), or several of those at once; into the sink given.
 * An input's fault ends that input only: it is said on one line, counted in the summary, and the run's exit
 * status becomes {@link Main#EXIT_INPUT}.
 */
final class ReadRun {

    private final List<String> files;
    private final boolean libpcap;
    private final String filter;
    private final BpfFilterSet filters;
    private final AnalyzerConfig config;
    private final boolean separate;
    private final Integer threads;
    private final PrintWriter err;
    /** Written by the reading threads (only ever to {@link Main#EXIT_INPUT}). */
    private volatile int exit = Main.EXIT_OK;

    /**
     * @param files    the inputs, {@code -} for standard input
     * @param libpcap  read with libpcap ({@code --reader libpcap}) rather than the Java reader
     * @param filter   the BPF expression, or null
     * @param filters  the Java reader's compiled filter, or null
     * @param config   the analysis's settings
     * @param separate each file on its own
     * @param threads  with {@code separate}: files at once at most, or null for the processors; else the
     *                 threads that share the capture's flows (null or 1: one)
     * @param err      where faults are said
     */
    ReadRun(List<String> files, boolean libpcap, String filter, BpfFilterSet filters, AnalyzerConfig config,
            boolean separate, Integer threads, PrintWriter err) {
        this.files = List.copyOf(files);
        this.libpcap = libpcap;
        this.filter = filter;
        this.filters = filters;
        this.config = config;
        this.separate = separate;
        this.threads = threads;
        this.err = err;
    }

    /**
     * Reads every input into the sink (which the caller closes).
     *
     * @return {@link Main#EXIT_OK}, or {@link Main#EXIT_INPUT} when an input could not be read completely
     */
    int run(RecordSink sink) {
        int processors = Runtime.getRuntime().availableProcessors();
        int parallel = Math.min(files.size(), threads != null ? threads : processors);
        // One capture at a time: its detectors (and the output) take a second core, if there is one.
        AnalyzerConfig single = config.withDetectionThread(processors > 1);
        if (separate && parallel > 1) {
            new SeparateRun(config, new SharedSink(sink), err).run(parallel);
        } else if (separate) {
            for (String f : files) {
                TrafficAnalyzer a = new TrafficAnalyzer(single, f, sink);
                readInto(f, a, filters, err, null);
                a.finish();
            }
        } else if (files.size() > 1) {
            CaptureAnalysis a = analysis(single, String.join(",", files), sink);
            Consumer<CaptureException> faults = e -> fault(e.getMessage(), a, err);
            try (MergedSource merged = libpcap ? LibpcapFileSource.merge(files, filter, faults)
                    : MergedSource.java(files, faults)) {
                merged.run(target(a, filters));
            }
            a.finish();
        } else {
            CaptureAnalysis a = analysis(single, files.get(0), sink);
            readInto(files.get(0), a, filters, err, null);
            a.finish();
        }
        return exit;
    }

    /** One capture's analysis: on this thread, or shared out by flow among {@code --threads} threads. */
    private CaptureAnalysis analysis(AnalyzerConfig single, String input, RecordSink sink) {
        if (threads != null && threads > 1) {
            return new PartitionedAnalyzer(config, input, sink, threads);
        }
        return new TrafficAnalyzer(single, input, sink);
    }

    /**
     * Reads one input into an analyzer.
     *
     * @param run the parallel run this read is part of (it may stop the source), or null
     * @return false when the run stopped the read before the end
     */
    private boolean readInto(String file, CaptureAnalysis analyzer, BpfFilterSet filters, PrintWriter err,
                             SeparateRun run) {
        PacketSink target = target(analyzer, filters);
        try (PacketSource source = open(file)) {
            if (run == null) {
                source.run(target);
                return true;
            }
            run.sources.add(source);
            try {
                if (!run.stopped) {
                    source.run(target);
                }
            } finally {
                run.sources.remove(source);
            }
            return !run.stopped;
        } catch (CaptureException e) {
            fault(e.getMessage(), analyzer, err);
            return run == null || !run.stopped;
        }
    }

    /** Where the frames go: the analyzer, behind the Java reader's filter when there is one. */
    private PacketSink target(CaptureAnalysis analyzer, BpfFilterSet filters) {
        if (filters == null || libpcap) {
            return analyzer;
        }
        return (lt, ts, buf, off, cap, orig) -> {
            if (filters.matches(lt, buf, off, cap, orig)) {
                analyzer.onPacket(lt, ts, buf, off, cap, orig);
            }
        };
    }

    private PacketSource open(String file) throws CaptureException {
        return libpcap ? LibpcapFileSource.open(file, filter) : CaptureFileSource.open(file);
    }

    private void fault(String message, CaptureAnalysis analyzer, PrintWriter err) {
        synchronized (err) {
            err.println("portwatch: " + message);
            err.flush();
        }
        analyzer.inputError(message);
        exit = Main.EXIT_INPUT;
    }

    /**
     * {@code --separate} with several files on a fixed pool of threads: each file is read by one task
     * into an analyzer of its own, which writes to a lane of the shared sink. An input fault ends only
     * its file; a failure of the output (or an internal error) stops every file being read, and the
     * files not started are skipped.
     */
    private final class SeparateRun {

        private final AnalyzerConfig config;
        private final SharedSink sink;
        private final PrintWriter err;
        /** The sources being read now, so that a failure can stop them. */
        final Set<PacketSource> sources = ConcurrentHashMap.newKeySet();
        volatile boolean stopped;
        /** Filter messages said so far: each once per run, as one filter set would. */
        private final Set<String> said = ConcurrentHashMap.newKeySet();

        SeparateRun(AnalyzerConfig config, SharedSink sink, PrintWriter err) {
            this.config = config;
            this.sink = sink;
            this.err = err;
        }

        void run(int threads) {
            AtomicInteger n = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "portwatch-read-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            List<Future<?>> tasks = new ArrayList<>();
            try {
                for (String f : files) {
                    tasks.add(pool.submit(() -> analyse(f)));
                }
            } finally {
                pool.shutdown();
            }
            Throwable first = null;
            for (Future<?> t : tasks) {
                try {
                    t.get();
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stop();
                    first = first != null ? first : new IllegalStateException("interrupted");
                    break;
                }
            }
            if (first instanceof RuntimeException e) {
                throw e;
            }
            if (first instanceof Error e) {
                throw e;
            }
        }

        private void analyse(String file) {
            if (stopped) {
                return;
            }
            try {
                TrafficAnalyzer a = new TrafficAnalyzer(config, file, sink.lane());
                if (readInto(file, a, filters(), err, this)) {
                    a.finish();
                }
            } catch (RuntimeException | Error e) {
                stop();
                throw e;
            }
        }

        /** A filter set of this task's own (a set is not thread-safe), or null without --filter. */
        private BpfFilterSet filters() {
            if (filter == null || libpcap) {
                return null;
            }
            try {
                return BpfFilterSet.compile(filter, BpfFilter.DEFAULT_SNAPLEN, BpfCompiler::compile, msg -> {
                    if (said.add(msg)) {
                        synchronized (err) {
                            err.println("portwatch: " + msg);
                            err.flush();
                        }
                    }
                });
            } catch (CaptureException e) {
                // compiled once already before the run, so this is not the expression's fault
                throw new IllegalStateException(e.getMessage(), e);
            }
        }

        private void stop() {
            stopped = true;
            for (PacketSource s : sources) {
                s.stop();
            }
        }
    }
}
