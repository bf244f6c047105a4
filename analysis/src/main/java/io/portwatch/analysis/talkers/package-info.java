/**
 * Top talkers: per window and server port, the clients and servers that sent and received the most,
 * by packets and by bytes, from bounded Space-Saving summaries. The packet thread only counts into a
 * {@link io.portwatch.analysis.talkers.TalkerLog} entry per active flow; hosts are summed per port once
 * per flow and window, by {@link io.portwatch.analysis.talkers.PortTalkers}.
 */
package io.portwatch.analysis.talkers;
