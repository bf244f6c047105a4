/**
 * Everything of capture that uses the system's libpcap, through pcap4j and JNA: finding and loading the
 * library ({@link io.portwatch.capture.libpcap.Libpcap}), reading files
 * ({@link io.portwatch.capture.libpcap.LibpcapFileSource}) and interfaces
 * ({@link io.portwatch.capture.libpcap.LibpcapLiveSource}) through one handle lifecycle, listing the
 * interfaces, and compiling filter expressions ({@link io.portwatch.capture.libpcap.BpfCompiler}).
 *
 * <p>Apart from the pure-Java core ({@code io.portwatch.capture.source}, {@code decode}, {@code flow}), which
 * never names this package, so that reading with the Java reader loads no JNA class and runs where libpcap
 * is missing; app's ArchitectureTest holds both sides to it. This package uses the core's types
 * ({@code PacketSource}, {@code PacketSink}, {@code BpfFilter}, ...), never the other way round.
 */
package io.portwatch.capture.libpcap;
