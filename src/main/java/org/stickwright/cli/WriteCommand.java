package org.stickwright.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.stickwright.engine.io.BadImageException;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageSource;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.job.Bmap;
import org.stickwright.engine.job.ImageCheck;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.engine.job.Sizes;
import org.stickwright.engine.job.WriteJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code stickwright write IMAGE TARGET}: the image byte for byte (raw mode), verified. */
@Command(name = "write", mixinStandardHelpOptions = true,
        description = "Write an image (.iso, .img, optionally .gz/.xz/.zst) to a drive or image file, then verify it.")
final class WriteCommand extends TargetWritingCommand {
    @Option(names = "--bmap", paramLabel = "FILE", description = "Block map (bmaptool); default: IMAGE's .bmap beside it, if any.")
    Path bmapFile;

    @Override
    int run(Output output, Cancellation cancellation) throws JobException {
        ImageSource source;
        Bmap bmap;
        try {
            source = ImageSource.of(image);
            bmap = loadBmap();
        } catch (BadImageException e) {
            throw new JobException(Outcome.BAD_INPUT, e.getMessage(), e);
        }
        TargetOpener opener = new TargetOpener(target, createSize(), allowFixedDisk, unmount);
        opener.vet(source.path());
        Progress progress = new Progress();
        try (ProgressTicker ticker = new ProgressTicker(progress, output)) {
            // The image is checked before the target is even opened for writing.
            ImageCheck.Checked checked = WriteJob.checkImage(source, bmap, progress, cancellation);
            WriteJob.checkFits(checked, target.toString(), opener.targetSize(), opener.sectorSize());
            output.endProgress();
            Written<Done> written = confirmWriteVerify(opener, output, device -> {
                WriteJob job = new WriteJob(new WriteJob.Request(source, bmap, device), progress, cancellation);
                return new Done(job, job.write(checked));
            }, (done, readBack) -> done.job().verify(done.written(), readBack));
            report(output, checked, written.result().written(), written.verifyNanos());
            return 0;
        }
    }

    /** The job stays with what it wrote: it verifies against its own record of the written ranges. */
    private record Done(WriteJob job, WriteJob.Written written) {
    }

    private Bmap loadBmap() throws BadImageException {
        if (bmapFile != null) {
            return Bmap.read(bmapFile);
        }
        Path beside = image.resolveSibling(image.getFileName() + ".bmap");
        String name = image.getFileName().toString();
        Path stripped = image.resolveSibling(name.replaceFirst("\\.(gz|xz|zst)$", "") + ".bmap");
        if (Files.isRegularFile(beside)) {
            return Bmap.read(beside);
        }
        return Files.isRegularFile(stripped) ? Bmap.read(stripped) : null;
    }

    private void report(Output output, ImageCheck.Checked checked, WriteJob.Written written, long verifyNanos) {
        double writeSeconds = written.nanos() / 1e9;
        double verifySeconds = verifyNanos / 1e9;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("outcome", "done");
        result.put("image", image.toString());
        result.put("target", target.toString());
        result.put("imageSize", checked.size());
        result.put("bytesCovered", written.bytesCovered());
        result.put("bytesWritten", written.bytesWritten());
        result.put("writeSeconds", round(writeSeconds));
        result.put("writeBytesPerSecond", (long) (written.bytesCovered() / Math.max(writeSeconds, 1e-9)));
        result.put("verified", verifyNanos >= 0);
        if (verifyNanos >= 0) {
            result.put("verifySeconds", round(verifySeconds));
            result.put("verifyBytesPerSecond", (long) (written.bytesCovered() / Math.max(verifySeconds, 1e-9)));
        }
        if (output.json()) {
            output.event("result", result);
        } else {
            output.say(String.format("Wrote %s to %s in %.1f s (%s/s)%s.", Sizes.human(written.bytesCovered()), target,
                    writeSeconds, Sizes.human((long) result.get("writeBytesPerSecond")),
                    verifyNanos >= 0 ? String.format("; verified in %.1f s", verifySeconds) : "; not verified"));
        }
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }
}
