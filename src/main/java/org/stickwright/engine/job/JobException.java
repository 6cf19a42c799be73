package org.stickwright.engine.job;

/** A job that could not be done, with the outcome that decides the exit code. */
public class JobException extends Exception {
    private static final long serialVersionUID = 1L;
    private final Outcome outcome;

    public JobException(Outcome outcome, String message) {
        super(message);
        this.outcome = outcome;
    }

    public JobException(Outcome outcome, String message, Throwable cause) {
        super(message, cause);
        this.outcome = outcome;
    }

    public Outcome outcome() {
        return outcome;
    }
}
