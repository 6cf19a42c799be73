package org.stickwright.engine.job;

/**
 * How a job ended, and the exit code the command-line contract gives it (design §4). The GUI
 * and the helper protocol use the same values so the three front ends agree.
 */
public enum Outcome {
    DONE(0),
    /** Usage error or bad input; nothing was written. */
    BAD_INPUT(2),
    /** The target was refused by a safety rule; nothing was written. */
    REFUSED(3),
    /** An I/O error during the job; the target's partition tables were wiped. */
    IO_ERROR(4),
    /** What was read back differs from what was written. */
    VERIFY_MISMATCH(5),
    /** The user cancelled; the target's partition tables were wiped. */
    CANCELLED(130);

    private final int exitCode;

    Outcome(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
