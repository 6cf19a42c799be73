package org.stickwright.engine.io;

/** A flag a front end raises (Cancel button, SIGINT) and a job checks between units of work. */
public final class Cancellation {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    public void check() throws CancelledException {
        if (cancelled) {
            throw new CancelledException();
        }
    }

    /** Thrown by {@link #check()} once cancelled. */
    public static final class CancelledException extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        public CancelledException() {
            super("cancelled");
        }
    }
}
