package io.portwatch.analysis;

import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.Summary;

/**
 * What the analyzer's packet thread hands on, in order: the flows active in a window (for their ports'
 * distinct clients and servers), closed windows, finished flows, the summary. Either straight to the
 * record sink ({@link Direct}) or to the {@link DetectionStage}, whose thread owns the distinct counters
 * and makes every call to the sink. Alerts do not pass here: the detectors raise them.
 */
interface AnalyzerOutput {

    /**
     * A flow active in this window, for its port's distinct clients and servers: the port's slot in this
     * thread's port table, and its key there ({@code transport index << 16 | port}).
     */
    void peers(int portSlot, int portKey, long cHi, long cLo, long sHi, long sLo);

    /** A closed window; its record gets the distinct counts where the counters are. */
    void window(WindowDraft draft);

    void flow(FlowRecord flow);

    void summary(Summary summary);

    void flush();

    /**
     * The sink on the packet thread, with the ports' distinct counters there too, and the detectors if any
     * (null when off), whose services of each window its record takes.
     */
    record Direct(io.portwatch.analysis.output.RecordSink sink, io.portwatch.analysis.ports.PortPeers peers,
                  io.portwatch.analysis.detect.Detection detection) implements AnalyzerOutput {

        @Override
        public void peers(int portSlot, int portKey, long cHi, long cLo, long sHi, long sLo) {
            peers.add(portSlot, cHi, cLo, sHi, sLo);
        }

        @Override
        public void window(WindowDraft draft) {
            sink.window(draft.report(peers, detection));
        }

        @Override
        public void flow(FlowRecord flow) {
            sink.flow(flow);
        }

        @Override
        public void summary(Summary summary) {
            sink.summary(summary);
        }

        @Override
        public void flush() {
            sink.flush();
        }
    }
}
