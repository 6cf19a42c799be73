package org.stickwright.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Sizes;

/**
 * Where a command's words go: human text (results on stdout, progress and errors on stderr), or
 * with {@code --json} one JSON object per line on stdout, as the contract in design §4 says:
 * {@code progress} events while running, one {@code result} at the end, {@code error} on failure.
 */
final class Output {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private final boolean json;
    private final PrintStream out;
    private final PrintStream err;
    private boolean progressOpen;

    Output(boolean json) {
        this(json, System.out, System.err);
    }

    Output(boolean json, PrintStream out, PrintStream err) {
        this.json = json;
        this.out = out;
        this.err = err;
    }

    boolean json() {
        return json;
    }

    /** Prints one event line ({@code --json}); the map keeps its insertion order. */
    synchronized void event(String name, Map<String, ?> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", name);
        line.putAll(fields);
        out.println(GSON.toJson(line));
        out.flush();
    }

    /** Human text on stdout (ignored with {@code --json}). */
    synchronized void say(String text) {
        if (!json) {
            out.println(text);
        }
    }

    synchronized void progress(Progress progress) {
        if (json) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("phase", progress.phase());
            fields.put("done", progress.done());
            fields.put("total", progress.total());
            fields.put("bytesPerSecond", progress.bytesPerSecond());
            event("progress", fields);
        } else if (progress.total() > 0) {
            long eta = progress.secondsLeft();
            err.printf("\r%-15s %5.1f %%  %s of %s  %s/s  %s   ", progress.phase(),
                    100.0 * progress.done() / progress.total(), Sizes.human(progress.done()),
                    Sizes.human(progress.total()), Sizes.human(progress.bytesPerSecond()),
                    eta < 0 ? "" : String.format("%d:%02d left", eta / 60, eta % 60));
            err.flush();
            progressOpen = true;
        }
    }

    /** Ends a progress line on a terminal. */
    synchronized void endProgress() {
        if (progressOpen) {
            err.println();
            progressOpen = false;
        }
    }

    /** Reports a failure and returns the exit code the contract gives it. */
    synchronized int error(JobException e) {
        if (json) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("code", e.outcome().exitCode());
            fields.put("outcome", e.outcome().name().toLowerCase());
            fields.put("message", e.getMessage());
            event("error", fields);
        } else {
            endProgress();
            err.println("stickwright: " + e.getMessage());
        }
        return e.outcome().exitCode();
    }
}
