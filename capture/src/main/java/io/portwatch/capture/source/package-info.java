/**
 * Packets in, in pure Java: capture files (pcap, pcapng, compressed or not, standard input and pipes)
 * read by {@link io.portwatch.capture.source.CaptureFileSource} and merged in time order by
 * {@link io.portwatch.capture.source.MergedSource}, handed to a
 * {@link io.portwatch.capture.source.PacketSink}; and the BPF interpreter
 * ({@link io.portwatch.capture.source.BpfFilter}) that runs libpcap's compiled filters.
 *
 * <p>Nothing here uses libpcap, pcap4j or JNA: the readers through libpcap, live capture and the filter
 * compiler are the package {@code io.portwatch.capture.libpcap}, which builds on this one (app's
 * ArchitectureTest checks both directions).
 */
package io.portwatch.capture.source;
