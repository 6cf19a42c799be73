package org.stickwright.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.engine.job.Sizes;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code write} and {@code create} share: IMAGE and TARGET, the target's consent options, and one order of
 * work — vet the target, ask, write, read back through a fresh handle — so the two cannot drift apart on safety.
 */
abstract class TargetWritingCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The live ISO or image to write.")
    Path image;

    @Parameters(index = "1", paramLabel = "TARGET", description = "A whole drive (/dev/sdX) or a disk-image file.")
    Path target;

    @Option(names = "--size", paramLabel = "SIZE", description = "Create a missing TARGET image file of this size (e.g. 8G).")
    String size;

    @Option(names = "--no-verify", description = "Do not read the target back.")
    boolean noVerify;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--unmount", description = "Unmount the target's mounted partitions first (consent).")
    boolean unmount;

    @Option(names = "--allow-fixed-disk", description = "Allow a fixed internal disk as target (never the system disk).")
    boolean allowFixedDisk;

    @Option(names = "--json", description = "Print JSON lines (progress, result, error).")
    boolean json;

    /** One job step that writes or reads the target. */
    @FunctionalInterface
    interface DeviceStep<T> {
        T run(BlockDevice device) throws JobException, IOException;
    }

    /** The command's own work; a {@link JobException} it throws becomes the error event and exit code. */
    abstract int run(Output output, Cancellation cancellation) throws JobException;

    @Override
    public final Integer call() {
        Output output = new Output(json);
        Cancellation cancellation = new Cancellation();
        try (SigintCancel ignored = SigintCancel.install(cancellation)) {
            return run(output, cancellation);
        } catch (JobException e) {
            return output.error(e);
        }
    }

    /** {@code --size} in bytes, or -1 when the target must already exist. */
    final long createSize() throws JobException {
        return size == null ? -1 : parseSize("--size", size);
    }

    /**
     * Asks (unless {@code --yes}), writes, and reads back through a second handle unless {@code --no-verify};
     * {@code verify} gets the written result and the read-back device. Returns the written result and how long the
     * read-back took.
     */
    final <W> Written<W> confirmWriteVerify(TargetOpener opener, Output output, DeviceStep<W> write,
            VerifyStep<W> verify) throws JobException {
        Confirmation.ask(opener.describe(), yes, output);
        try (BlockDevice device = opener.open()) {
            W written = write.run(device);
            long verifyNanos = -1;
            if (!noVerify) {
                try (BlockDevice readBack = opener.openReadBack(device)) {
                    long start = System.nanoTime();
                    verify.run(written, readBack);
                    verifyNanos = System.nanoTime() - start;
                } catch (IOException e) {
                    throw new JobException(Outcome.IO_ERROR, "cannot open " + target + " to read it back: "
                            + e.getMessage(), e);
                }
            }
            output.endProgress();
            return new Written<>(written, verifyNanos);
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, e.getMessage(), e);
        } finally {
            opener.afterClose();
        }
    }

    /** Reads the target back and compares it with what was written. */
    @FunctionalInterface
    interface VerifyStep<W> {
        void run(W written, BlockDevice readBack) throws JobException, IOException;
    }

    /** What was written, and the read-back's duration ({@code -1}: not read back). */
    record Written<W>(W result, long verifyNanos) {
        boolean verified() {
            return verifyNanos >= 0;
        }
    }

    static long parseSize(String option, String text) throws JobException {
        try {
            return Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new JobException(Outcome.BAD_INPUT, option + ": " + e.getMessage(), e);
        }
    }
}
