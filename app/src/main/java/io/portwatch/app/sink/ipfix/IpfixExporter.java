package io.portwatch.app.sink.ipfix;

import io.portwatch.analysis.output.FlowRecord;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Turns flow records into IPFIX data records (RFC 7011) and sends them to a collector: one record per
 * direction with packets (what NetFlow-era collectors expect), or one bidirectional record per flow with
 * RFC 5103's reverse counters ({@code biflow}).
 *
 * <p>Records gather in a message of at most the MTU, sent when the next record does not fit, when the
 * oldest record in it has waited {@link #MAX_HOLD_NANOS} (checked as records come), and at each
 * {@link #flush} (the sink flushes at every window, so a quiet live run still delivers its flows within
 * a window). A template goes in the message before the first record that uses it; over UDP it goes again
 * once {@link #REFRESH_NANOS} or {@link #REFRESH_MESSAGES} messages have passed since it was last sent
 * (RFC 7011's template refresh: a collector that restarts, or lost the datagram, learns it again), and
 * again after a failed send that carried it. Sequence numbers count the data records of the messages
 * before, lost ones included, so that the collector sees the loss.
 *
 * <p>What cannot be sent (no collector, a broken TCP connection) is counted, never retried: export is a
 * stream of the present. Not thread-safe: the output thread's; the counters may be read from any thread.
 */
public final class IpfixExporter implements AutoCloseable {

    /** The transports. */
    public enum Protocol { udp, tcp }

    static final long REFRESH_NANOS = 60_000_000_000L;
    static final int REFRESH_MESSAGES = 100;
    static final long MAX_HOLD_NANOS = 1_000_000_000L;
    /** How long sends must have worked, after failures, before that is said. */
    static final long QUIET_NANOS = 10_000_000_000L;
    /** The smallest MTU taken: a message header, the largest template and its record, with room to spare. */
    public static final int MIN_MTU = 256;

    private final IpfixTransport transport;
    private final MessageWriter writer;
    private final Templates templates;
    private final boolean biflow;
    private final RecordValues values = new RecordValues();
    private final LongSupplier nanoClock;
    private final LongSupplier millisClock;
    private final Consumer<String> notice;

    /** By template ID - 256: sent on this session, when (nanos) and at which message count. */
    private final boolean[] announced = new boolean[16];
    private final long[] announcedAt = new long[16];
    private final long[] announcedMessage = new long[16];
    /** The templates in the message being built, to be announced again if it is lost. */
    private final int[] inMessage = new int[16];
    private int inMessageCount;
    private long messageCount;
    private long firstRecordNanos;
    private boolean failing;
    private long lastFailure;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong messages = new AtomicLong();

    IpfixExporter(IpfixTransport transport, int domain, int mtu, boolean biflow, LongSupplier nanoClock,
                  LongSupplier millisClock, Consumer<String> notice) {
        if (mtu < MIN_MTU || mtu > IpfixLayout.MAX_MESSAGE) {
            throw new IllegalArgumentException("mtu must be " + MIN_MTU + " to " + IpfixLayout.MAX_MESSAGE + ": " + mtu);
        }
        this.transport = transport;
        this.writer = new MessageWriter(mtu, domain);
        this.templates = new Templates(biflow);
        this.biflow = biflow;
        this.nanoClock = nanoClock;
        this.millisClock = millisClock;
        this.notice = notice;
        transport.newSession(); // the first session: nothing announced yet
    }

    /**
     * Opens the transport to the collector (TCP: connects).
     *
     * @param notice told, in one line, when sending starts failing and when it works again
     * @throws IOException when the socket cannot be opened (TCP: the collector does not accept)
     */
    public static IpfixExporter open(InetSocketAddress collector, Protocol protocol, int domain, int mtu,
                                     boolean biflow, Consumer<String> notice) throws IOException {
        IpfixTransport t = protocol == Protocol.tcp ? new TcpTransport(collector) : new UdpTransport(collector);
        return new IpfixExporter(t, domain, mtu, biflow, System::nanoTime, System::currentTimeMillis, notice);
    }

    /** The collector, as {@code udp://host:port}. */
    public String collector() {
        return transport.describe();
    }

    /** Data records sent. */
    public long sent() {
        return sent.get();
    }

    /** Data records that could not be sent. */
    public long lost() {
        return lost.get();
    }

    /** Messages sent. */
    public long messages() {
        return messages.get();
    }

    /** Exports a flow: its records go in the message being built (which may be sent). */
    public void export(FlowRecord f) {
        if (biflow) {
            record(f, RecordValues.Direction.BIFLOW);
        } else {
            if (f.packetsToServer() > 0) {
                record(f, RecordValues.Direction.TO_SERVER);
            }
            if (f.packetsToClient() > 0) {
                record(f, RecordValues.Direction.TO_CLIENT);
            }
        }
        if (writer.records() > 0 && nanoClock.getAsLong() - firstRecordNanos >= MAX_HOLD_NANOS) {
            send();
        }
    }

    private void record(FlowRecord f, RecordValues.Direction d) {
        if (transport.newSession()) {
            newSession();
        }
        if (!transport.ready() || !values.take(f, d)) {
            lost.incrementAndGet();
            return;
        }
        Template t = templates.of(values);
        int length = t.recordLength(values);
        long now = nanoClock.getAsLong();
        if (need(t, length, now) > writer.room()) {
            send();
            if (need(t, length, now) > writer.room()) {
                lost.incrementAndGet(); // larger than an empty message: cannot be (MIN_MTU), but bounded anyway
                return;
            }
        }
        if (due(t, now)) {
            writer.addTemplate(t);
            int i = t.id - IpfixLayout.FIRST_TEMPLATE_ID;
            announced[i] = true;
            announcedAt[i] = now;
            announcedMessage[i] = messageCount;
            inMessage[inMessageCount++] = i;
        }
        if (writer.records() == 0) {
            firstRecordNanos = now;
        }
        writer.addRecord(t, values);
    }

    /** The bytes a record of {@code t} needs in the message, its template (and the data set's header) included. */
    private int need(Template t, int length, long now) {
        return due(t, now)
                ? IpfixLayout.SET_HEADER_LENGTH + t.templateRecordLength() + IpfixLayout.SET_HEADER_LENGTH + length
                : writer.setOverhead(t.id) + length;
    }

    private boolean due(Template t, long now) {
        int i = t.id - IpfixLayout.FIRST_TEMPLATE_ID;
        if (!announced[i]) {
            return true;
        }
        if (!transport.refreshesTemplates()) {
            return false;
        }
        for (int k = 0; k < inMessageCount; k++) {
            if (inMessage[k] == i) {
                return false; // already in this message
            }
        }
        return now - announcedAt[i] >= REFRESH_NANOS || messageCount - announcedMessage[i] >= REFRESH_MESSAGES;
    }

    /** A new session (TCP connected again): what was built for the old one is lost; templates go again. */
    private void newSession() {
        if (writer.records() > 0) {
            lost.addAndGet(writer.records());
        }
        writer.next();
        inMessageCount = 0;
        java.util.Arrays.fill(announced, false);
        writer.restartSequence();
    }

    /** Sends the message being built, if it holds anything. */
    public void flush() {
        send();
    }

    private void send() {
        if (writer.empty()) {
            return;
        }
        int n = writer.records();
        ByteBuffer m = writer.finish(Math.floorDiv(millisClock.getAsLong(), 1000L));
        try {
            transport.send(m);
            sent.addAndGet(n);
            messages.incrementAndGet();
            if (failing && nanoClock.getAsLong() - lastFailure >= QUIET_NANOS) {
                // over UDP a refused datagram fails the send after it: only a quiet while says it works again
                failing = false;
                notice.accept("ipfix: sending to " + transport.describe() + " again");
            }
        } catch (IOException e) {
            lost.addAndGet(n);
            lastFailure = nanoClock.getAsLong();
            for (int k = 0; k < inMessageCount; k++) {
                announced[inMessage[k]] = false; // the collector never had it
            }
            if (!failing) {
                failing = true;
                notice.accept("ipfix: cannot send to " + transport.describe() + ": "
                        + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName())
                        + " (records are counted as lost while it lasts)");
            }
        } finally {
            writer.next();
            inMessageCount = 0;
            messageCount++;
        }
    }

    /** Sends what is built, then closes the transport. */
    @Override
    public void close() {
        try {
            send();
        } finally {
            transport.close();
        }
    }
}
