package io.portwatch.capture.flow;

/**
 * Told when a flow ends (or one part of a long flow is cut). Called on the table's thread, while the
 * flow's slot is still valid: read it through the table's accessors during the call only.
 */
@FunctionalInterface
public interface FlowEndHandler {
    void onFlowEnd(FlowTable table, int slot, EndReason reason);
}
