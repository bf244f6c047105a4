package io.portwatch.app.sink.spool;

import java.util.ArrayDeque;

/** A backlog in memory, for a sink without a spool; its bound is the caller's (it counts more than this). */
public final class MemoryBacklog implements Backlog {

    private final ArrayDeque<SpooledRecord> queue = new ArrayDeque<>();

    @Override
    public boolean append(SpooledRecord r) {
        queue.addLast(r);
        return true;
    }

    @Override
    public SpooledRecord next() {
        return queue.pollFirst();
    }

    @Override
    public long size() {
        return queue.size();
    }
}
