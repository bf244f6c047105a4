package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.AllowedAlerts;
import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.ports.IanaServices;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.IcmpHeader;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.capture.flow.FlowTable;

import java.util.List;
import java.util.function.Consumer;

/**
 * The detectors of one analysis, fed by the analyzer's per-packet path: port scans (vertical,
 * horizontal, and the Threshold Random Walk), SYN floods, exposed services, and the port policy.
 * Alerts go to the consumer given (the record sink); the services and the scan evidence of each reporting
 * window are set aside for its record. Runs on the analyzer's thread.
 *
 * <p>What it looks at, so that an ordinary packet costs a few comparisons and no allocation: a
 * client's SYN (flood counts), the server's first packet of each flow (the outcome of the attempt),
 * a completed handshake (services, floods, connect scans), a new flow (policy), the end of a flow the
 * server never answered (unanswered probes), and ICMP destination-unreachable errors, whose quoted
 * header names the probe they answer.
 */
public final class Detection implements DetectionInput {

    /** How often the detectors' clock ticks, in packet time. */
    public static final long TICK_NANOS = DetectConfig.SECOND;
    private static final long EXPIRE_NANOS = 10 * DetectConfig.SECOND;

    private final DetectConfig config;
    private final Consumer<Alert> sink;
    private final Episode.Reporter reporter;
    private final ScanDetector scans;
    private final AnswerCache answers;
    private final TrwDetector trw;
    /** Null when the slow scan walk is off. */
    private final SlowScanDetector slow;
    private final SynFloodDetector floods;
    private final ServiceInventory services;
    private List<ServiceStats> windowServices = List.of();
    /** Null when no scan evidence is reported. */
    private final EvidenceTable evidence;
    private List<ScanEvidence> windowEvidence = List.of();
    private final PolicyDetector policy;
    private final long[] sent = new long[Alert.Kind.values().length];
    /** Alerts held back by the allow-list, by kind: in all, and in the reporting window open now. */
    private final long[] allowed = new long[Alert.Kind.values().length];
    private final long[] windowAllowed = new long[Alert.Kind.values().length];
    private AllowedAlerts closedAllowed = AllowedAlerts.NONE;

    private long started = Long.MIN_VALUE;
    private long nextTick = Long.MIN_VALUE;
    private long nextExpire = Long.MIN_VALUE;
    private long now = Long.MIN_VALUE;
    private boolean finished;

    /**
     * @param config what to detect
     * @param input  the capture input's name, for alerts
     * @param sink   where alerts go, on the analyzer's thread
     */
    public Detection(DetectConfig config, String input, Consumer<Alert> sink) {
        this.config = config;
        this.sink = sink;
        Consumer<Alert> out = this::emit;
        long share = config.maxStateBytes()
                / (6 + (config.scanEvidence() > 0 ? 1 : 0) + (config.slowWindowNanos() > 0 ? 1 : 0));
        this.reporter = new Episode.Reporter(out, input, config.windowNanos());
        this.answers = new AnswerCache(share / 8);
        this.scans = new ScanDetector(config, reporter, share - answers.bytes(), answers);
        this.trw = config.trw() ? new TrwDetector(config, reporter, share) : null;
        this.slow = config.slowWindowNanos() > 0 ? new SlowScanDetector(config, reporter, share, answers) : null;
        this.floods = new SynFloodDetector(config, input, out, share);
        this.services = new ServiceInventory(config, input, out, share);
        this.policy = config.policy() != null ? new PolicyDetector(config, input, out, share) : null;
        this.evidence = config.scanEvidence() > 0 ? new EvidenceTable(config.scanEvidence(), share) : null;
    }

    public DetectConfig config() {
        return config;
    }

    private void emit(Alert a) {
        AllowList allow = config.allow();
        if ((a.kind() == Alert.Kind.PORT_SCAN && allow.scanner(a.source()))
                || (a.kind() == Alert.Kind.SYN_FLOOD && allow.floodTarget(a.target()))) {
            allowed[a.kind().ordinal()]++;
            windowAllowed[a.kind().ordinal()]++;
            return;
        }
        sent[a.kind().ordinal()]++;
        sink.accept(a);
    }

    /**
     * A TCP or UDP packet, just tracked by the flow table.
     *
     * @param ft       the flow table
     * @param slot     the packet's flow
     * @param events   the table's {@code EV_*} bits for this packet
     * @param toServer whether the client sent it
     * @param p        the packet
     */
    public void onTransport(FlowTable ft, int slot, int events, boolean toServer, DecodedPacket p) {
        transport(this, ft, slot, events, toServer, p, policy != null);
    }

    /**
     * Tells {@code in} what a TCP or UDP packet, just tracked by the flow table, means to the detectors:
     * read on the thread that owns the flow table.
     *
     * @param policy whether new flows matter (a port policy is on)
     */
    public static void transport(DetectionInput in, FlowTable ft, int slot, int events, boolean toServer,
                                 DecodedPacket p, boolean policy) {
        final long t = p.timestampNanos;
        if (p.protocol == DecodedPacket.PROTO_TCP) {
            final int f = p.tcpFlags;
            if (toServer) {
                if ((f & (DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK)) == DecodedPacket.TCP_SYN) {
                    in.syn(ft.clientHi(slot), ft.clientLo(slot), ft.serverHi(slot), ft.serverLo(slot),
                            ft.serverPort(slot), t);
                }
                if ((events & FlowTable.EV_ESTABLISHED) != 0) {
                    in.established(ft.clientHi(slot), ft.clientLo(slot), ft.serverHi(slot), ft.serverLo(slot),
                            ft.serverPort(slot), t);
                }
            } else if (ft.packetsToClient(slot) == 1 && ft.packetsToServer(slot) > 0) {
                in.tcpAnswer(ft.clientHi(slot), ft.clientLo(slot), ft.serverHi(slot), ft.serverLo(slot),
                        ft.serverPort(slot), ft.tcpFlags(slot), f, t);
            }
        } else if (!toServer && ft.packetsToClient(slot) == 1 && ft.packetsToServer(slot) > 0) {
            in.udpAnswer(ft.clientHi(slot), ft.clientLo(slot), ft.serverHi(slot), ft.serverLo(slot),
                    ft.serverPort(slot), t);
        }
        if ((events & FlowTable.EV_NEW) != 0 && policy) {
            in.newFlow(p.protocol, ft.clientHi(slot), ft.clientLo(slot), ft.serverHi(slot), ft.serverLo(slot),
                    ft.serverPort(slot), t);
        }
    }

    @Override
    public void syn(long cHi, long cLo, long sHi, long sLo, int port, long t) {
        floods.syn(cHi, cLo, sHi, sLo, port, t);
    }

    @Override
    public void tcpAnswer(long cHi, long cLo, long sHi, long sLo, int port, int flowFlags, int f, long t) {
        if ((f & DecodedPacket.TCP_RST) != 0 && (f & DecodedPacket.TCP_SYN) == 0) {
            failure(DecodedPacket.PROTO_TCP, cHi, cLo, sHi, sLo, port, Probe.rejectedKind(flowFlags, f), t);
            return;
        }
        int kind = (f & DecodedPacket.TCP_SYN) != 0 ? Probe.SYN : 0;
        scans.answered(DecodedPacket.PROTO_TCP, cHi, cLo, sHi, sLo, port, kind, t);
        if (trw != null) {
            trw.contact(cHi, cLo, sHi, sLo, port, true, kind, t);
        }
        if (slow != null) {
            slow.contact(cHi, cLo, sHi, sLo, port, true, kind, false, t);
        }
        if (evidence != null) {
            evidence.contact(DecodedPacket.PROTO_TCP, cHi, cLo, sHi, sLo, port, true);
        }
    }

    @Override
    public void udpAnswer(long cHi, long cLo, long sHi, long sLo, int port, long t) {
        scans.answered(DecodedPacket.PROTO_UDP, cHi, cLo, sHi, sLo, port, Probe.UDP, t);
        services.seen(DecodedPacket.PROTO_UDP, sHi, sLo, port, cHi, cLo, t);
        if (evidence != null) {
            evidence.contact(DecodedPacket.PROTO_UDP, cHi, cLo, sHi, sLo, port, true);
        }
    }

    @Override
    public void established(long cHi, long cLo, long sHi, long sLo, int port, long t) {
        floods.established(sHi, sLo, port, t);
        services.seen(DecodedPacket.PROTO_TCP, sHi, sLo, port, cHi, cLo, t);
        scans.established(cHi, cLo, sHi, sLo, port, t);
    }

    @Override
    public void newFlow(int proto, long cHi, long cLo, long sHi, long sLo, int port, long t) {
        if (policy != null) {
            policy.check(proto, cHi, cLo, sHi, sLo, port, t);
        }
    }

    @Override
    public void failure(int proto, long cHi, long cLo, long sHi, long sLo, int port, int kind, long t) {
        boolean flagged = scans.failure(proto, cHi, cLo, sHi, sLo, port, kind, t);
        if (trw != null && proto == DecodedPacket.PROTO_TCP) {
            flagged |= trw.contact(cHi, cLo, sHi, sLo, port, false, kind, t);
        }
        if (slow != null && proto == DecodedPacket.PROTO_TCP) {
            slow.contact(cHi, cLo, sHi, sLo, port, false, kind, flagged, t);
        }
        if (evidence != null) {
            evidence.contact(proto, cHi, cLo, sHi, sLo, port, false);
        }
    }

    /**
     * An ICMP or ICMPv6 packet. A destination unreachable error (any code: port, host, network,
     * administratively prohibited) quoting a TCP or UDP packet from its client side is a failed
     * attempt of that packet's sender.
     */
    public void onIcmp(DecodedPacket p) {
        icmp(this, p);
    }

    /** Tells {@code in} of the failed attempt an ICMP or ICMPv6 packet reports, if it reports one (see {@link #onIcmp}). */
    public static void icmp(DetectionInput in, DecodedPacket p) {
        if (!p.hasQuoted) {
            return;
        }
        boolean unreachable = (p.protocol == DecodedPacket.PROTO_ICMP && p.icmpType == IcmpHeader.V4_DESTINATION_UNREACHABLE)
                || (p.protocol == DecodedPacket.PROTO_ICMPV6 && p.icmpType == IcmpHeader.V6_DESTINATION_UNREACHABLE);
        int qp = p.quotedProtocol;
        if (!unreachable || (qp != DecodedPacket.PROTO_TCP && qp != DecodedPacket.PROTO_UDP)
                || !fromClientSide(qp, p.quotedSrcPort, p.quotedDstPort)) {
            return;
        }
        in.failure(qp, p.quotedSrcHi, p.quotedSrcLo, p.quotedDstHi, p.quotedDstLo, p.quotedDstPort,
                qp == DecodedPacket.PROTO_UDP ? Probe.UDP : 0, p.timestampNanos);
    }

    /**
     * Whether a packet between these ports goes from client to server, by the flow table's rule for
     * packets that are not SYNs: the well-known port's side is the server, else the IANA service
     * port's, else the sender is the client. (An error answering a server's reply is not a failed
     * attempt of the server.)
     */
    static boolean fromClientSide(int proto, int srcPort, int dstPort) {
        boolean srcWk = srcPort < 1024;
        boolean dstWk = dstPort < 1024;
        if (srcWk != dstWk) {
            return dstWk;
        }
        boolean srcSvc = IanaServices.isServicePort(proto, srcPort);
        boolean dstSvc = IanaServices.isServicePort(proto, dstPort);
        if (srcSvc != dstSvc) {
            return dstSvc;
        }
        return true;
    }

    /** A flow ended: one the server never answered is an unanswered probe, if it looks like one. */
    public void onFlowEnd(FlowTable ft, int slot, EndReason reason) {
        flowEnd(this, ft, slot, reason);
    }

    /** Tells {@code in} of the failed attempt a flow's end shows, if it shows one (see {@link #onFlowEnd}). */
    public static void flowEnd(DetectionInput in, FlowTable ft, int slot, EndReason reason) {
        if (reason == EndReason.ACTIVE || ft.packetsToClient(slot) != 0) {
            return;
        }
        long n = ft.packetsToServer(slot);
        if (n == 0) {
            return;
        }
        int proto = ft.protocol(slot);
        int kind = proto == DecodedPacket.PROTO_TCP ? Probe.unansweredKind(ft.tcpFlags(slot), n)
                : n <= 2 ? Probe.UDP : 0;
        if (kind != 0) {
            in.failure(proto, ft.clientHi(slot), ft.clientLo(slot), ft.serverHi(slot), ft.serverLo(slot),
                    ft.serverPort(slot), kind, ft.lastNanos(slot));
        }
    }

    /** The time from which {@link #onTime} has something to do (its next tick). */
    @Override
    public long nextTick() {
        return nextTick;
    }

    /**
     * Time moved on (a packet's time, or the clock while idle): about once a second, closes flood
     * windows, reports scans whose window ended, and forgets what is too old to matter.
     */
    @Override
    public void onTime(long nanos) {
        if (nanos < nextTick) {
            return;
        }
        if (started == Long.MIN_VALUE) {
            started = nanos;
            services.start(nanos);
        }
        now = nanos;
        nextTick = nanos + TICK_NANOS;
        floods.roll(nanos);
        reporter.flush(nanos, false);
        if (nanos >= nextExpire) {
            nextExpire = nanos + EXPIRE_NANOS;
            scans.expire(nanos);
            if (trw != null) {
                trw.expire(nanos);
            }
            if (slow != null) {
                slow.expire(nanos);
            }
            if (policy != null) {
                policy.expire(nanos);
            }
        }
    }

    /**
     * The analyzer closes a reporting window: pending scan alerts go out before its record, and the
     * services seen in it and its scan evidence are set aside for the record ({@link #takeWindowServices},
     * {@link #takeWindowEvidence}).
     */
    @Override
    public void onWindowClose() {
        reporter.flush(now, true);
        windowServices = services.takeWindow();
        if (evidence != null) {
            windowEvidence = evidence.takeWindow();
        }
        closedAllowed = new AllowedAlerts(windowAllowed[Alert.Kind.PORT_SCAN.ordinal()],
                windowAllowed[Alert.Kind.SYN_FLOOD.ordinal()]);
        java.util.Arrays.fill(windowAllowed, 0);
    }

    /**
     * The alerts the allow-list held back in the window last closed (once; then none until the next
     * closes), or null when there is no allow-list.
     */
    public AllowedAlerts takeWindowAllowed() {
        if (config.allow().isEmpty()) {
            return null;
        }
        AllowedAlerts a = closedAllowed;
        closedAllowed = AllowedAlerts.NONE;
        return a;
    }

    /** The scan evidence of the window last closed, strongest first (once; then none until the next closes). */
    public List<ScanEvidence> takeWindowEvidence() {
        List<ScanEvidence> e = windowEvidence;
        windowEvidence = List.of();
        return e;
    }

    /** The exposed services seen in the window last closed (once; then none until the next closes). */
    public List<ServiceStats> takeWindowServices() {
        List<ServiceStats> s = windowServices;
        windowServices = List.of();
        return s;
    }

    /**
     * The input ended (call after the flow table has ended its flows): open flood windows are judged,
     * pending alerts go out, and the services seen go to the recorder. Idempotent.
     */
    @Override
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        floods.finish();
        reporter.flush(Long.MAX_VALUE, true);
        if (config.recorder() != null) {
            config.recorder().add(services.services());
        }
    }

    /** The exposed services seen so far, by transport, address and port. */
    public List<ExposedService> services() {
        return ServiceBaseline.of(services.services()).services();
    }

    public DetectionStats stats() {
        long evictions = scans.evictions() + floods.evictions() + services.evictions()
                + (trw != null ? trw.evictions() : 0) + (slow != null ? slow.evictions() : 0)
                + (policy != null ? policy.evictions() : 0)
                + (evidence != null ? evidence.evictions() : 0);
        long entries = scans.entries() + floods.entries() + services.entries()
                + (trw != null ? trw.entries() : 0) + (slow != null ? slow.entries() : 0)
                + (policy != null ? policy.entries() : 0)
                + (evidence != null ? evidence.entries() : 0);
        long bytes = scans.bytes() + answers.bytes() + floods.bytes() + services.bytes()
                + (trw != null ? trw.bytes() : 0) + (slow != null ? slow.bytes() : 0)
                + (policy != null ? policy.bytes() : 0)
                + (evidence != null ? evidence.bytes() : 0);
        return new DetectionStats(sent[Alert.Kind.PORT_SCAN.ordinal()], sent[Alert.Kind.SYN_FLOOD.ordinal()],
                sent[Alert.Kind.NEW_SERVICE.ordinal()], sent[Alert.Kind.POLICY_VIOLATION.ordinal()],
                policy != null ? policy.suppressed() : 0, evictions, entries, bytes, config.maxStateBytes(),
                services.entries(), allowed[Alert.Kind.PORT_SCAN.ordinal()], allowed[Alert.Kind.SYN_FLOOD.ordinal()],
                slow != null ? slow.entries() : 0, slow != null ? slow.bytes() : 0,
                slow != null ? slow.evictions() : 0);
    }
}
