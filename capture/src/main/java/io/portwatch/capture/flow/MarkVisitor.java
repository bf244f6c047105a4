package io.portwatch.capture.flow;

/** Visits the flows whose marks lie in a range ({@link FlowTable#forEachMarked}). */
@FunctionalInterface
public interface MarkVisitor {

    /** The flow in {@code slot}, whose mark is {@code mark}. */
    void visit(FlowTable table, int slot, int mark);
}
