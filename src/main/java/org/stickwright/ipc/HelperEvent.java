package org.stickwright.ipc;

import java.util.Locale;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.job.JobException;

/**
 * One line the helper writes: {@code progress} (the job's counters, about ten a second),
 * {@code result} (done; {@code verified} says whether it was read back) or {@code error}
 * ({@code code} is the exit code of design §4, {@code message} the words the user reads).
 * An {@code inspect} plan's result carries {@code stores} instead. Fields that do not apply to
 * an event are absent (null).
 */
public record HelperEvent(int version, String event, String phase, Long done, Long total, Long bytesPerSecond,
        Long secondsLeft, Integer code, String outcome, String message, Boolean verified, Long bytesWritten,
        java.util.List<StoreInfo> stores, String question, java.util.Map<String, Object> overlay) {

    /** Outcome of an overlay plan that stopped at its question (nothing written). */
    public static final String QUESTION = "question";

    public static final String PROGRESS = "progress";
    public static final String RESULT = "result";
    public static final String ERROR = "error";

    public static HelperEvent progress(Progress progress) {
        return new HelperEvent(HelperProtocol.VERSION, PROGRESS, progress.phase(), progress.done(), progress.total(),
                progress.bytesPerSecond(), progress.secondsLeft(), null, null, null, null, null, null, null, null);
    }

    public static HelperEvent result(boolean verified, long bytesWritten, String message) {
        return new HelperEvent(HelperProtocol.VERSION, RESULT, null, null, null, null, null, 0, "done", message,
                verified, bytesWritten, null, null, null);
    }

    /** The result of an {@code inspect} plan: the stick's partitions as stores. */
    public static HelperEvent stores(java.util.List<StoreInfo> stores) {
        return new HelperEvent(HelperProtocol.VERSION, RESULT, null, null, null, null, null, 0, "done", null, null, null,
                java.util.List.copyOf(stores), null, null);
    }

    /**
     * The answer of an overlay plan: {@code question} set (outcome {@code question}) when it stopped
     * to ask, else {@code overlay} holds the result fields of {@code stickwright overlay … --json}.
     */
    public static HelperEvent overlay(String question, java.util.Map<String, Object> fields, String text) {
        return new HelperEvent(HelperProtocol.VERSION, RESULT, null, null, null, null, null, 0,
                question != null ? QUESTION : "done", text, null, null, null, question,
                question != null ? null : fields);
    }

    /** Whether this is an overlay plan's question rather than its result. */
    public boolean isQuestion() {
        return isResult() && question != null;
    }

    public static HelperEvent error(JobException e) {
        return new HelperEvent(HelperProtocol.VERSION, ERROR, null, null, null, null, null, e.outcome().exitCode(),
                e.outcome().name().toLowerCase(Locale.ROOT), e.getMessage(), null, null, null, null, null);
    }

    public boolean isProgress() {
        return PROGRESS.equals(event);
    }

    public boolean isResult() {
        return RESULT.equals(event);
    }

    public boolean isError() {
        return ERROR.equals(event);
    }

    /** Whether this event ends the session (the helper writes nothing after it). */
    public boolean isFinal() {
        return isResult() || isError();
    }

    /** Fraction of the phase done, 0..1, or -1 when the phase has no known total. */
    public double fraction() {
        return total == null || total <= 0 || done == null ? -1 : Math.min(1.0, (double) done / total);
    }
}
