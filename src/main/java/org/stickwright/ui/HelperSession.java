package org.stickwright.ui;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * One run of the helper: sends the plan (through its stdin, or a plan file when an elevation
 * cannot pass pipes), reads its event lines on a reader thread and keeps
 * only the latest progress, which the Progress step pulls ten times a second (progress from
 * counters, as Raspberry Pi Imager does: nothing is pushed at the FX thread per event).
 */
public final class HelperSession {
    private final Process process;
    private final OutputStream toHelper;
    private final Path cancelFile;
    private final AtomicReference<HelperEvent> latest = new AtomicReference<>();
    private final CompletableFuture<HelperEvent> finished = new CompletableFuture<>();
    private final StringBuilder diagnostics = new StringBuilder();

    private HelperSession(Process process, Path cancelFile) {
        this.process = process;
        this.toHelper = process.getOutputStream();
        this.cancelFile = cancelFile;
    }

    /** Starts the helper with {@code command} and sends {@code plan}. */
    public static HelperSession start(List<String> command, JobPlan plan) throws IOException {
        Process process = new ProcessBuilder(command).start();
        HelperSession session = new HelperSession(process, null);
        session.send(HelperProtocol.encode(plan));
        Thread reader = new Thread(() -> session.readEvents(process.getInputStream()), "stickwright-helper-events");
        reader.setDaemon(true);
        reader.start();
        Thread errors = new Thread(session::readDiagnostics, "stickwright-helper-stderr");
        errors.setDaemon(true);
        errors.start();
        return session;
    }

    /**
     * Starts the helper in file mode ({@code command} ends with {@code --plan-file planFile
     * --events-file eventsFile}, possibly inside an elevating wrapper): the plan is written to
     * {@code planFile} first and the events file is followed as the helper appends to it.
     */
    public static HelperSession startWithFiles(List<String> command, JobPlan plan, Path planFile, Path eventsFile)
            throws IOException {
        Files.writeString(planFile, HelperProtocol.encode(plan) + "\n", StandardCharsets.UTF_8);
        Files.deleteIfExists(eventsFile);
        Files.createFile(eventsFile);
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        HelperSession session = new HelperSession(process, eventsFile.resolveSibling(eventsFile.getFileName() + ".cancel"));
        Thread reader = new Thread(() -> session.followEvents(eventsFile), "stickwright-helper-events");
        reader.setDaemon(true);
        reader.start();
        Thread errors = new Thread(session::readDiagnostics, "stickwright-helper-stderr");
        errors.setDaemon(true);
        errors.start();
        return session;
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
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
            if (cancelFile != null) {
                Files.writeString(cancelFile, HelperProtocol.cancelLine() + "\n");
                return;
            }
            send(HelperProtocol.cancelLine());
        } catch (IOException e) {
            // The helper has already ended: its final event says how.
        }
    }

    private synchronized void send(String line) throws IOException {
        toHelper.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        toHelper.flush();
    }

    private void readEvents(java.io.InputStream stream) {
        HelperEvent last = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                last = accept(line, last);
            }
        } catch (IOException e) {
            appendDiagnostic("reading the helper failed: " + e.getMessage());
        }
        end(last);
    }

    /**
     * Follows a growing events file: whole lines only (a line is used once its newline is
     * there), until the helper process has ended and the file is read to its end.
     */
    private void followEvents(Path eventsFile) {
        HelperEvent last = null;
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (java.io.InputStream in = Files.newInputStream(eventsFile)) {
            while (true) {
                boolean ended = !process.isAlive();
                int n = in.read(buffer);
                if (n < 0) {
                    if (ended) {
                        break;
                    }
                    Thread.sleep(50);
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        last = accept(line.toString(StandardCharsets.UTF_8), last);
                        line.reset();
                    } else if (line.size() < HelperProtocol.MAX_LINE) {
                        line.write(buffer[i]);
                    }
                }
            }
        } catch (IOException e) {
            appendDiagnostic("reading the helper's events failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        end(last);
    }

    private HelperEvent accept(String line, HelperEvent last) {
        try {
            HelperEvent event = HelperProtocol.decodeEvent(line);
            latest.set(event);
            return event.isFinal() ? event : last;
        } catch (ProtocolException e) {
            appendDiagnostic("unreadable helper line: " + line);
            return last;
        }
    }

    private void end(HelperEvent lastEvent) {
        HelperEvent last = lastEvent;
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
