package org.stickwright.engine.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import org.stickwright.engine.fat.Fat32FormatOptions;
import org.stickwright.engine.fat.Fat32Formatter;
import org.stickwright.engine.fat.FatWriter;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.testing.Tool;

/**
 * Benchmark (not a test): extracts the tree of a ~1 GiB ISO (a live ISO's shape: a few large
 * files, many small ones) into a FAT32 image file with {@link IsoTreeToFat}, and compares it
 * with a raw sequential copy of the ISO's bytes into a file and with {@code mcopy -s} of the same
 * tree into a {@code mkfs.fat} image. Best of three interleaved rounds, each ending in fsync.
 * <pre>
 * mvn -B -q test-compile
 * java -cp "$(cat target/test-classpath.txt)" org.stickwright.engine.job.IsoExtractBenchmark [workdir] [MiB]
 * </pre>
 * (the class path: {@code mvn -q dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt}
 * then append {@code :target/classes:target/test-classes}).
 */
public final class IsoExtractBenchmark {
    private IsoExtractBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "/var/tmp/stickwright-iso-bench"));
        long total = (args.length > 1 ? Long.parseLong(args[1]) : 1024) << 20;
        Path tree = work.resolve("tree");
        Path iso = work.resolve("tree.iso");
        if (!Files.exists(iso)) {
            makeTree(tree, total);
            Tool.run(null, 600, List.of("xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-o", iso.toString(),
                    tree.toString())).ok();
        }
        long isoBytes = Files.size(iso);
        long imageBytes = isoBytes + isoBytes / 4 + (64L << 20);
        Path raw = work.resolve("raw.bin");
        Path ours = work.resolve("ours.img");
        Path mcopy = work.resolve("mcopy.img");
        Tool.run("sh", "-c", "cat " + iso + " > /dev/null").ok(); // same warm source for every variant
        long rawBest = Long.MAX_VALUE;
        long oursBest = Long.MAX_VALUE;
        long mcopyBest = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            rawCopy(iso, raw);
            rawBest = Math.min(rawBest, System.nanoTime() - t0);
            Files.delete(raw);

            t0 = System.nanoTime();
            try (ImageFile image = ImageFile.create(ours, imageBytes); ImageFile source = ImageFile.openReadOnly(iso)) {
                Fat32Formatter.format(image, Fat32FormatOptions.defaults().withLabel("BENCH"));
                try (FatWriter writer = FatWriter.open(image)) {
                    IsoImage.open(source).extract(new IsoTreeToFat(writer, source));
                }
            }
            oursBest = Math.min(oursBest, System.nanoTime() - t0);
            Files.delete(ours);

            t0 = System.nanoTime();
            Tool.run(null, 600, List.of("sh", "-c", "truncate -s " + imageBytes + " " + mcopy + " && mkfs.fat -F 32 -n BENCH "
                    + mcopy + " >/dev/null && MTOOLS_SKIP_CHECK=1 mcopy -s -i " + mcopy + " " + tree + "/* ::/ && sync " + mcopy)).ok();
            mcopyBest = Math.min(mcopyBest, System.nanoTime() - t0);
            Files.delete(mcopy);
        }
        System.out.printf("ISO %.0f MiB: raw copy %.2f s, ISO->FAT32 %.2f s, mcopy -s %.2f s%n", isoBytes / 1048576.0,
                rawBest / 1e9, oursBest / 1e9, mcopyBest / 1e9);
        System.out.printf("ISO->FAT32 throughput = %.2f x raw sequential write (target >= 0.8); %.2f x faster than mcopy -s%n",
                (double) rawBest / oursBest, (double) mcopyBest / oursBest);
    }

    private static void rawCopy(Path from, Path to) throws IOException {
        try (FileChannel in = FileChannel.open(from); FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(4 << 20);
            while (in.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                buffer.clear();
            }
            out.force(true);
        }
    }

    /** A live ISO's shape: 8 % of the bytes in many small files, the rest in a few large ones. */
    private static void makeTree(Path root, long total) throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        byte[] block = new byte[1 << 20];
        random.nextBytes(block);
        long small = total / 12;
        int dirs = 0;
        for (long written = 0; written < small; dirs++) {
            Path dir = Files.createDirectories(root.resolve("usr/share/d" + (dirs / 20) + "/e" + dirs));
            for (int i = 0; i < 40 && written < small; i++) {
                int size = 1 + random.nextInt(64 << 10);
                Files.write(dir.resolve("file-" + i + ".dat"), java.util.Arrays.copyOfRange(block, i, i + size));
                written += size;
            }
        }
        Path live = Files.createDirectories(root.resolve("LiveOS"));
        long big = total - small;
        for (int i = 0; big > 0; i++) {
            long size = Math.min(big, 256L << 20);
            try (FileChannel out = FileChannel.open(live.resolve("part" + i + ".img"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                for (long at = 0; at < size; at += block.length) {
                    block[(int) (at >> 20) % block.length] ^= 1;
                    out.write(ByteBuffer.wrap(block, 0, (int) Math.min(block.length, size - at)));
                }
            }
            big -= size;
        }
    }
}
