/**
 * Live capture on Linux from the kernel's TPACKET_V3 receive ring, read in place
 * ({@link io.portwatch.capture.ring.RingLiveSource}), alone or as members of a fanout group
 * ({@link io.portwatch.capture.ring.RingFanout}). JNA sets the socket and the ring up, waits in {@code poll}
 * and reads the counters; frames are read from the mapping with no native call. The filter is compiled by
 * libpcap ({@code io.portwatch.capture.libpcap.BpfCompiler}) and run by the kernel.
 *
 * <p>Like {@code io.portwatch.capture.libpcap}, apart from the pure-Java core, which never names it; it uses
 * the core's types and the libpcap package's ({@code LiveOptions}, {@code LiveCapture}), never the other way
 * round. app chooses it ({@code live --capture ring}, the default on Linux) and falls back to libpcap.
 */
package io.portwatch.capture.ring;
