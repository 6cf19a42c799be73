package org.stickwright.engine.job;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.stickwright.boot.LiveFixture;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.Progress;
import org.stickwright.testing.Tool;

/**
 * Benchmark (not a test): extract-mode {@code create} (write + verify) of a Fedora-layout live
 * ISO onto an 8 GiB sparse image, with a 256 MiB and with a 3.9 GiB overlay (the time must not
 * grow with the overlay: nothing is zero-filled), against {@code xorriso -osirrox on -extract}
 * plus {@code mcopy -s} into a {@code mkfs.fat -F 32} image doing the copy alone. The ISO is the
 * FEDORA_FLAT fixture's tree plus a file of random bytes (default 1024 MiB) so the copy weighs
 * something. Best of five interleaved rounds (-Drounds=N); every variant ends with its data on disk (fsync).
 * <pre>
 * mvn -B -q test-compile
 * mvn -q dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt
 * java -cp "$(cat target/test-classpath.txt):target/classes:target/test-classes" \
 *     org.stickwright.engine.job.ExtractCreateBenchmark [workdir] [padding MiB]
 * </pre>
 */
public final class ExtractCreateBenchmark {
    private static final long TARGET = 8L << 30;
    private static final int ROUNDS = Integer.getInteger("rounds", 5);
    /** Bytes the last create wrote: unlike seconds, not disturbed by a busy machine. */
    private static long lastBytesWritten;

    private ExtractCreateBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "/var/tmp/stickwright-extract-bench"));
        long padding = (args.length > 1 ? Long.parseLong(args[1]) : 1024) << 20;
        Path iso = work.resolve("live.iso");
        if (!Files.exists(iso)) {
            makeIso(work, iso, padding);
        }
        Tool.run("sh", "-c", "cat " + iso + " > /dev/null").ok(); // the same warm source for every variant
        long small = Long.MAX_VALUE;
        long large = Long.MAX_VALUE;
        long copyAlone = Long.MAX_VALUE;
        long smallBytes = 0;
        long largeBytes = 0;
        for (int round = 0; round < ROUNDS; round++) {
            small = Math.min(small, create(iso, work.resolve("small.img"), 256L << 20));
            smallBytes = lastBytesWritten;
            large = Math.min(large, create(iso, work.resolve("large.img"), 3994L << 20));
            largeBytes = lastBytesWritten;
            copyAlone = Math.min(copyAlone, xorrisoAndMcopy(iso, work));
        }
        System.out.printf("ISO %d MiB, target 8 GiB sparse, best of %d%n", Files.size(iso) >> 20, ROUNDS);
        System.out.printf("create --mode extract --persistence 256M   : %6.2f s (write + verify), %d bytes written%n",
                small / 1e9, smallBytes);
        System.out.printf("create --mode extract --persistence 3994M  : %6.2f s (write + verify), %d bytes written%n",
                large / 1e9, largeBytes);
        System.out.printf("  bytes written, difference                : %6.2f %%%n", 100.0 * (largeBytes - smallBytes) / smallBytes);
        System.out.printf("  difference                               : %6.1f %%%n", 100.0 * (large - small) / small);
        System.out.printf("xorriso -osirrox extract + mcopy -s alone  : %6.2f s%n", copyAlone / 1e9);
        System.out.printf("  create (256M) / copy alone               : %6.2f%n", (double) small / copyAlone);
    }

    private static long create(Path iso, Path target, long persistence) throws Exception {
        Files.deleteIfExists(target);
        long start = System.nanoTime();
        CreateRequest request = new CreateRequest(iso, CreateRequest.Mode.EXTRACT, persistence, 0, List.of(), null,
                CreateRequest.DataFs.FAT32, false, false, null, true, OptionalLong.empty());
        ExtractJob job = new ExtractJob(request, new Progress(), new Cancellation());
        try (ImageFile device = ImageFile.create(target, TARGET)) {
            CreatePlan plan = job.plan(device.size(), device.logicalSectorSize());
            CreateJob.Created created = job.write(plan, device);
            lastBytesWritten = created.bytesWritten();
            device.flush();
            job.verify(created, device);
        }
        long elapsed = System.nanoTime() - start;
        Files.delete(target);
        return elapsed;
    }

    private static long xorrisoAndMcopy(Path iso, Path work) throws IOException {
        Path tree = work.resolve("tree");
        Path image = work.resolve("mcopy.img");
        Tool.run("rm", "-rf", tree.toString()).ok();
        Files.deleteIfExists(image);
        Tool.run("truncate", "-s", Long.toString(TARGET), image.toString()).ok();
        Tool.run("mkfs.fat", "-F", "32", image.toString()).ok();
        long start = System.nanoTime();
        Tool.run(null, 1800, List.of("xorriso", "-osirrox", "on", "-indev", iso.toString(), "-extract", "/",
                tree.toString())).ok();
        Tool.run(null, 1800, List.of("sh", "-c", "cd " + tree + " && mcopy -s -i " + image + " ./* ::/")).ok();
        Tool.run("sync", "-f", image.toString()).ok();
        long elapsed = System.nanoTime() - start;
        Tool.run("rm", "-rf", tree.toString()).ok();
        Files.delete(image);
        return elapsed;
    }

    /** The FEDORA_FLAT fixture's tree, same volume id and boot setup, plus {@code padding} random bytes. */
    private static void makeIso(Path work, Path iso, long padding) throws IOException {
        Path tree = work.resolve("fixture-tree");
        Tool.run("rm", "-rf", tree.toString()).ok();
        Tool.run(null, 600, List.of("xorriso", "-osirrox", "on", "-indev", LiveFixture.FEDORA_FLAT.iso().toString(),
                "-extract", "/", tree.toString())).ok();
        SplittableRandom random = new SplittableRandom(1);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(tree.resolve("LiveOS").resolve("padding.bin"))) {
            for (long done = 0; done < padding; done += block.length) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        Tool.run(null, 1800, List.of("xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-V",
                LiveFixture.FEDORA_FLAT.volumeLabel(), "-o", iso.toString(), tree.toString())).ok();
        Tool.run("rm", "-rf", tree.toString()).ok();
    }
}
