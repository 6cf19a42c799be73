package org.stickwright.ui;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.ipc.HelperEvent;
import org.stickwright.ipc.HelperProtocol;
import org.stickwright.ipc.JobPlan;
import org.stickwright.ipc.ProtocolException;

/**
 * One run of the helper: sends the plan, reads its event lines on a reader thread and keeps
 * only the latest progress, which the Progress step pulls ten times a second (progress from
 * counters, as Raspberry Pi Imager does: nothing is pushed at the FX thread per event).
 */
public final class HelperSession {
    private final Process process;
    private final OutputStream toHelper;
    private final AtomicReference<HelperEvent> latest = new AtomicReference<>();
    private final CompletableFuture<HelperEvent> finished = new CompletableFuture<>();
    private final StringBuilder diagnostics = new StringBuilder();

    private HelperSession(Process process) {
        this.process = process;
        this.toHelper = process.getOutputStream();
    }

    /** Starts the helper with {@code command} and sends {@code plan}. */
    public static HelperSession start(List<String> command, JobPlan plan) throws IOException {
        Process process = new ProcessBuilder(command).start();
        HelperSession session = new HelperSession(process);
        session.send(HelperProtocol.encode(plan));
        Thread reader = new Thread(session::readEvents, "stickwright-helper-events");
        reader.setDaemon(true);
        reader.start();
        Thread errors = new Thread(session::readDiagnostics, "stickwright-helper-stderr");
        errors.setDaemon(true);
        errors.start();
        return session;
    }

    /** The newest progress (or final) event, or null before the first. */
    public HelperEvent latest() {
        return latest.get();
    }

    /** Completes with the result or error event; a helper that died without one gives an error event. */
    public CompletableFuture<HelperEvent> finished() {
        return finished;
    }

    /** Asks the helper to stop; it wipes what it wrote and ends with a {@code cancelled} error. */
    public void cancel() {
        try {
            send(HelperProtocol.cancelLine());
        } catch (IOException e) {
            // The helper has already ended: its final event says how.
        }
    }

    private synchronized void send(String line) throws IOException {
        toHelper.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        toHelper.flush();
    }

    private void readEvents() {
        HelperEvent last = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                try {
                    HelperEvent event = HelperProtocol.decodeEvent(line);
                    latest.set(event);
                    if (event.isFinal()) {
                        last = event;
                    }
                } catch (ProtocolException e) {
                    appendDiagnostic("unreadable helper line: " + line);
                }
            }
        } catch (IOException e) {
            appendDiagnostic("reading the helper failed: " + e.getMessage());
        }
        int exit;
        try {
            exit = process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit = -1;
        }
        if (last == null) {
            String why = exit == 126 || exit == 127 ? "the system did not allow the helper to run (exit " + exit + ")"
                    : "the helper ended without a result (exit " + exit + ")";
            last = HelperEvent.error(new JobException(exit == 126 || exit == 127 ? Outcome.REFUSED : Outcome.IO_ERROR,
                    why + diagnosticsSuffix()));
        }
        finished.complete(last);
    }

    private void readDiagnostics() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                appendDiagnostic(line);
            }
        } catch (IOException e) {
            appendDiagnostic("reading the helper's diagnostics failed: " + e.getMessage());
        }
    }

    private synchronized void appendDiagnostic(String line) {
        if (diagnostics.length() < 16_384) {
            diagnostics.append(line).append('\n');
        }
    }

    private synchronized String diagnosticsSuffix() {
        return diagnostics.length() == 0 ? "" : ":\n" + diagnostics;
    }
}
