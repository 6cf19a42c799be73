package org.stickwright.helper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.stickwright.cli.OverlayOperations;
import org.stickwright.cli.TargetOpener;
import org.stickwright.engine.io.BadImageException;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.ImageSource;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.job.CreateJob;
import org.stickwright.engine.job.CreatePlan;
import org.stickwright.engine.job.CreateRequest;
import org.stickwright.engine.job.ImageCheck;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.engine.job.WriteJob;
import org.stickwright.ipc.HelperEvent;
import org.stickwright.ipc.HelperProtocol;
import org.stickwright.ipc.JobPlan;
import org.stickwright.ipc.ProtocolException;
import org.stickwright.platform.TargetPolicy;
import org.stickwright.platform.TargetVerdict;
import org.stickwright.platform.linux.LinuxRawDisk;

/**
 * Runs one plan: reads it from the first input line, re-validates it, runs the engine job and
 * reports on the output, ten progress lines a second at most. Later input lines may cancel; the
 * end of input does not (a plan piped from a file runs to its end). The exit code is the CLI's.
 */
public final class Helper {
    private static final long PROGRESS_MILLIS = 100;

    private final PrintStream out;
    private final Cancellation cancellation = new Cancellation();
    private final Progress progress = new Progress();

    private Helper(OutputStream out) {
        this.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    }

    /** {@code stickwright helper}: stdin and stdout are the protocol's pipe. */
    public static int main() {
        return run(System.in, System.out);
    }

    public static int run(InputStream in, OutputStream out) {
        return new Helper(out).serve(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
    }

    /**
     * {@code stickwright helper --plan-file PLAN --events-file EVENTS}: the same protocol through
     * files, for an elevation that cannot pass pipes (Windows' "runas" starts a new process
     * without the caller's stdin/stdout). The plan is PLAN's first line; events are appended to
     * EVENTS; the file {@code EVENTS.cancel} appearing is the cancel command.
     */
    public static int runWithFiles(Path planFile, Path eventsFile) {
        Path cancelFile = eventsFile.resolveSibling(eventsFile.getFileName() + ".cancel");
        try (InputStream in = Files.newInputStream(planFile); OutputStream out = Files.newOutputStream(eventsFile)) {
            Helper helper = new Helper(out);
            Thread watcher = new Thread(() -> helper.watchCancelFile(cancelFile), "stickwright-helper-cancel-file");
            watcher.setDaemon(true);
            watcher.start();
            return helper.serve(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            System.err.println("stickwright helper: " + e.getMessage());
            return Outcome.BAD_INPUT.exitCode();
        }
    }

    private void watchCancelFile(Path cancelFile) {
        try {
            while (!Files.exists(cancelFile)) {
                Thread.sleep(PROGRESS_MILLIS);
            }
            cancellation.cancel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int serve(BufferedReader in) {
        JobPlan plan;
        try {
            plan = HelperProtocol.decodePlan(in.readLine());
        } catch (IOException e) {
            return fail(new JobException(Outcome.BAD_INPUT, "the plan was refused: " + e.getMessage(), e));
        }
        Thread listener = new Thread(() -> listenForCancel(in), "stickwright-helper-cancel");
        listener.setDaemon(true);
        listener.start();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "stickwright-helper-progress");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleAtFixedRate(this::reportProgress, 0, PROGRESS_MILLIS, TimeUnit.MILLISECONDS);
        try {
            HelperEvent result = switch (plan.operation()) {
                case JobPlan.WRITE -> write(plan);
                case JobPlan.CREATE -> create(plan);
                case JobPlan.INSPECT -> inspect(plan);
                default -> overlay(plan);
            };
            stop(ticker);
            send(result);
            return 0;
        } catch (JobException e) {
            stop(ticker);
            return fail(e);
        } catch (RuntimeException e) {
            stop(ticker);
            return fail(new JobException(Outcome.IO_ERROR, "internal error: " + e, e));
        }
    }

    private HelperEvent write(JobPlan plan) throws JobException {
        ImageSource source;
        try {
            source = ImageSource.of(imagePath(plan));
        } catch (BadImageException e) {
            throw new JobException(Outcome.BAD_INPUT, e.getMessage(), e);
        }
        TargetOpener opener = vet(plan);
        ImageCheck.Checked checked = WriteJob.checkImage(source, null, progress, cancellation);
        WriteJob.checkFits(checked, plan.target(), opener.targetSize(), opener.sectorSize());
        try (BlockDevice device = opener.open()) {
            WriteJob job = new WriteJob(new WriteJob.Request(source, null, device), progress, cancellation);
            WriteJob.Written written = job.write(checked);
            boolean verified = false;
            if (plan.verify()) {
                try (BlockDevice readBack = opener.openReadBack(device)) {
                    job.verify(written, readBack);
                    verified = true;
                }
            }
            return HelperEvent.result(verified, written.bytesWritten(), "wrote " + written.bytesCovered() + " bytes");
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, e.getMessage(), e);
        } finally {
            opener.afterClose();
        }
    }

    private HelperEvent create(JobPlan plan) throws JobException {
        CreateRequest request;
        try {
            request = plan.toRequest();
        } catch (ProtocolException e) {
            throw new JobException(Outcome.BAD_INPUT, "the plan was refused: " + e.getMessage(), e);
        }
        imagePath(plan);
        TargetOpener opener = vet(plan);
        CreateJob job = CreateJob.of(request, progress, cancellation);
        CreatePlan created = job.plan(opener.targetSize(), opener.sectorSize());
        try (BlockDevice device = opener.open()) {
            CreateJob.Created result = job.write(created, device);
            boolean verified = false;
            if (request.verify()) {
                try (BlockDevice readBack = opener.openReadBack(device)) {
                    job.verify(result, readBack);
                    verified = true;
                }
            }
            return HelperEvent.result(verified, result.bytesWritten(), "made a persistent " + request.mode().cliName() + " stick");
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, e.getMessage(), e);
        } finally {
            opener.afterClose();
        }
    }

    /**
     * {@code stickwright overlay …} on the plan's target: the target is vetted here as for
     * {@code inspect}, then the subcommand applies the CLI's own rules again (a writing one opens
     * the target through {@link TargetOpener}, refusing system disks and mounted partitions) and
     * checks the store before its first write.
     */
    private static HelperEvent overlay(JobPlan plan) throws JobException {
        vetReadable(plan);
        OverlayOperations.Answer answer = OverlayOperations.run(plan.overlayOperation(), Path.of(plan.target()),
                plan.profile(), plan.argument(), plan.confirmed());
        return HelperEvent.overlay(answer.question(), answer.fields(), answer.text());
    }

    /** The target rules for reading: a removable drive, loop device or image file that exists. */
    private static boolean vetReadable(JobPlan plan) throws JobException {
        Path target = Path.of(plan.target());
        try {
            TargetVerdict verdict = TargetPolicy.forThisMachine().vet(target, plan.allowFixedDisk());
            if (verdict instanceof TargetVerdict.Refused refused) {
                throw new JobException(refused.exitCode() == TargetPolicy.EXIT_REFUSED ? Outcome.REFUSED : Outcome.BAD_INPUT,
                        refused.reason());
            }
            boolean imageFile = ((TargetVerdict.Allowed) verdict).imageFile();
            if (imageFile && !Files.isRegularFile(target)) {
                throw new JobException(Outcome.BAD_INPUT, target + " does not exist");
            }
            return imageFile;
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, target + ": " + e.getMessage(), e);
        }
    }

    /** Reads the stick's stores; the same target rules, except that mounted partitions are fine to read. */
    private static HelperEvent inspect(JobPlan plan) throws JobException {
        Path target = Path.of(plan.target());
        boolean imageFile = vetReadable(plan);
        try (BlockDevice device = imageFile ? ImageFile.openReadOnly(target) : LinuxRawDisk.openReadOnly(target)) {
            return HelperEvent.stores(StickStores.read(device));
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, target + ": " + e.getMessage(), e);
        }
    }

    /** The image must be a readable regular file: never a device, never a directory. */
    private static Path imagePath(JobPlan plan) throws JobException {
        Path image = Path.of(plan.image());
        if (!Files.isRegularFile(image) || !Files.isReadable(image)) {
            throw new JobException(Outcome.BAD_INPUT, "the image " + image + " is not a readable file");
        }
        return image;
    }

    /** The CLI's own safety rules; the plan's flags are the user's consent, never an override of them. */
    private static TargetOpener vet(JobPlan plan) throws JobException {
        TargetOpener opener = new TargetOpener(Path.of(plan.target()), plan.createSize() >= 0 ? plan.createSize() : -1,
                plan.allowFixedDisk(), plan.unmount());
        opener.vet(Path.of(plan.image()));
        return opener;
    }

    private void listenForCancel(BufferedReader in) {
        try {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (HelperProtocol.isCancel(line)) {
                    cancellation.cancel();
                }
            }
        } catch (IOException e) {
            // The GUI closed its end; a job already running finishes (or is cancelled by a signal).
        }
    }

    private long lastDone = -1;
    private String lastPhase = "";

    private synchronized void reportProgress() {
        String phase = progress.phase();
        long done = progress.done();
        if (done != lastDone || !phase.equals(lastPhase)) {
            lastDone = done;
            lastPhase = phase;
            send(HelperEvent.progress(progress));
        }
    }

    private static void stop(ScheduledExecutorService ticker) {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int fail(JobException e) {
        send(HelperEvent.error(e));
        return e.outcome().exitCode();
    }

    private synchronized void send(HelperEvent event) {
        out.println(HelperProtocol.encode(event));
        out.flush();
    }
}
