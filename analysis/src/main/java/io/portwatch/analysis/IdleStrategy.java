package io.portwatch.analysis;

/**
 * How a thread waits for work that another thread hands it (room in a ring, or events in it), as
 * Agrona's idle strategies: the waiting loop calls {@link #idle()} each time it finds nothing to do and
 * {@link #reset()} once it has work again. One instance per waiting thread: it keeps that thread's state.
 */
interface IdleStrategy {

    /** Nothing to do this time round: wait a little (more as nothing keeps coming). */
    void idle();

    /** There was work: the next wait starts short again. */
    void reset();
}
