package org.stickwright.cli;

import org.stickwright.engine.io.Cancellation;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns Ctrl-C into a cancellation the job sees between chunks, so it can wipe the target's
 * partition tables and exit 130 instead of dying mid-write with a plausible-looking stick.
 */
final class SigintCancel implements AutoCloseable {
    private final SignalHandler previous;

    private SigintCancel(SignalHandler previous) {
        this.previous = previous;
    }

    static SigintCancel install(Cancellation cancellation) {
        return new SigintCancel(Signal.handle(new Signal("INT"), signal -> cancellation.cancel()));
    }

    @Override
    public void close() {
        Signal.handle(new Signal("INT"), previous);
    }
}
