/**
 * Security detection over the analyzer's packet path: port scans, SYN floods, exposed services and a
 * port policy, reported as {@link io.portwatch.analysis.output.Alert}s through the record sink.
 *
 * <p><b>Attempts and outcomes.</b> Every flow's outcome is read from the first packet its server
 * sends: a RST means refused, anything else (SYN+ACK, data, a UDP reply) answered. An ICMP or ICMPv6
 * destination unreachable error (any code) quoting a TCP or UDP packet sent from the client side is
 * a refusal of that packet. A flow that ends (timeout, eviction, end of input) without a single
 * packet from its server is unanswered, when it looks like a probe: a SYN, a FIN, NULL or XMAS
 * segment without ACK, a bare ACK (at most two), a UDP flow of at most two datagrams; one side of a
 * data transfer seen alone is not a probe. Refused and unanswered attempts are failures. TCP probe
 * kinds (SYN, FIN, XMAS, NULL, ACK) come from the flags seen, CONNECT from completed handshakes.
 *
 * <p><b>Port scans</b> ({@code ScanDetector}) count failures only, as
 * Zeek's scan policy does, so a busy client of a service that answers is never a scanner: a source
 * that fails on 15 distinct ports of one host (vertical) or on one port of 25 distinct hosts
 * (horizontal) within the scan window (5 min) is reported, once per source, host and transport (or
 * per source and port) and window: a TCP scan and a UDP scan of one host are two findings. {@code TrwDetector} adds the Threshold Random Walk of Jung et
 * al. (2004) over each source's first contacts with hosts, {@code SlowScanDetector} a stricter walk over
 * first TCP contacts with (host, port) pairs kept an hour, for scans slower than the window (method
 * {@code slow_trw}). Ports a target answered before the source's first failure on it count too
 * ({@code AnswerCache}). Alerts of allowed scanners and flood targets ({@link
 * io.portwatch.analysis.detect.AllowList}) are counted, not sent. Alerts are sent when the analyzer closes a reporting
 * window (for {@code read} without {@code --interval}, at the end of the input), when the scan window
 * ends, or when the state is evicted, so that they carry the whole scan seen so far: ports touched
 * (count, sample, range), open ports found, first and last time; every port written with its
 * transport ({@code tcp/22}).
 *
 * <p><b>SYN floods</b> ({@code SynFloodDetector}): per server address
 * and port, a window (10 s) with at least 100 SYNs a second of which at most one in four completed.
 *
 * <p><b>Exposed services</b> ({@code ServiceInventory}): servers that
 * completed a handshake or answered UDP; new_service against a {@link
 * io.portwatch.analysis.detect.ServiceBaseline} or after a learning period; saved through a {@link
 * io.portwatch.analysis.detect.BaselineRecorder}.
 *
 * <p><b>Port policy</b> ({@link io.portwatch.analysis.detect.PortPolicy}): each new flow's server
 * endpoint is checked; traffic outside the policy raises one alert per flow key and window.
 *
 * <p><b>Cost.</b> Detectors run on the analyzer's thread. An ordinary packet (not a client SYN, not
 * its flow's first answer, not a completed handshake or a new flow) costs a few comparisons and no
 * allocation; disabled detection costs one null check. State lives in tables bounded by bytes
 * ({@link io.portwatch.analysis.detect.DetectConfig#maxStateBytes()}), least recently used entries
 * evicted and counted ({@link io.portwatch.analysis.detect.DetectionStats}).
 */
package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
