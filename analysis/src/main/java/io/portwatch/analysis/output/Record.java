package io.portwatch.analysis.output;

/**
 * A record of portwatch's output: what a sink writes, a queue holds and a topic carries. Immutable, one
 * type for each kind: per-port statistics of a window ({@link PortStats}, inside its {@link WindowReport}),
 * a window, a finished flow, an alert, the summary of a run.
 */
public sealed interface Record permits WindowReport, PortStats, FlowRecord, Alert, Summary {
}
