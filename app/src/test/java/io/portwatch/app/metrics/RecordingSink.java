package io.portwatch.app.metrics;

import io.portwatch.analysis.CollectingSink;

/**
 * analysis's {@link CollectingSink} under the name PortwatchMetricsTest still uses (that test is being
 * changed elsewhere at the same time); new tests use CollectingSink, and this class goes once it does.
 */
final class RecordingSink extends CollectingSink {
}
