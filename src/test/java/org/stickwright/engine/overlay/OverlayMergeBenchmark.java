package org.stickwright.engine.overlay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.squashfs.SquashfsEntry;
import org.stickwright.engine.squashfs.SquashfsImage;
import org.stickwright.engine.squashfs.SquashfsSuperblock;
import org.stickwright.engine.squashfs.SquashfsWriter;
import org.stickwright.testing.Tool;

/**
 * How long {@code overlay merge} takes on a multi-GiB root, against mksquashfs on the same
 * cores: a lower squashfs is made by mksquashfs (xz, 128 KiB blocks) from the given
 * directories, an upper with 20 MiB of new files, three whiteouts and an opaque directory is
 * folded in by {@link OverlayfsMerge} into our {@link SquashfsWriter} (xz, same block size,
 * one thread per core) and, where installed, into tar2sqfs ({@link Tar2SqfsSink}, the same
 * settings), and mksquashfs then compresses the merged tree (unsquashfs'ed) with the same
 * settings. Prints the times, their ratios to mksquashfs, the image sizes and the heap in use.
 * Not a test: run by hand, e.g.
 *
 * <pre>
 * java -Xmx1g -cp target/classes:target/test-classes:$(cat cp.txt) \
 *     org.stickwright.engine.overlay.OverlayMergeBenchmark /var/tmp/bench /usr/share /usr/lib/jvm
 * </pre>
 */
public final class OverlayMergeBenchmark {
    private OverlayMergeBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path work = Files.createDirectories(Path.of(args[0]));
        List<String> sources = List.of(args).subList(1, args.length);
        int cores = Runtime.getRuntime().availableProcessors();
        Path lowerFile = work.resolve("lower.sqfs");
        Files.deleteIfExists(lowerFile);
        List<String> make = new ArrayList<>(List.of("mksquashfs"));
        make.addAll(sources);
        make.addAll(List.of(lowerFile.toString(), "-comp", "xz", "-b", "131072", "-noappend", "-no-xattrs",
                "-processors", Integer.toString(cores), "-quiet", "-no-progress"));
        long t = System.nanoTime();
        Tool.run(null, 7200, make).ok();
        System.out.printf("lower: %d bytes, mksquashfs %.1f s%n", Files.size(lowerFile), (System.nanoTime() - t) / 1e9);

        Path upperFile = work.resolve("upper.img");
        Path mergedFile = work.resolve("merged.sqfs");
        Files.deleteIfExists(upperFile);
        Files.deleteIfExists(mergedFile);
        try (ImageFile lowerDevice = ImageFile.openReadOnly(lowerFile)) {
            SquashfsImage lower = SquashfsImage.open(lowerDevice);
            List<SquashfsEntry> all = lower.walk();
            List<Ext4Entry> upper = new ArrayList<>();
            upper.add(Ext4Entry.directory("/overlayfs", 0755));
            Random random = new Random(7);
            for (int i = 0; i < 20; i++) {
                byte[] content = new byte[1 << 20];
                random.nextBytes(content);
                upper.add(Ext4Entry.file("/overlayfs/new/file-" + i, 0644, content));
            }
            int whiteouts = 0;
            String opaque = null;
            for (SquashfsEntry e : all) {
                String path = e.path();
                if (path.chars().filter(c -> c == '/').count() != 2) {
                    continue;
                }
                if (e.isDirectory() && opaque == null) {
                    opaque = path;
                    upper.add(Ext4Entry.directory("/overlayfs" + path.substring(0, path.lastIndexOf('/')), 0755));
                    upper.add(Ext4Entry.directory("/overlayfs" + path, 0755).xattr(OverlayfsUpper.OPAQUE_XATTR, "y"));
                } else if (!e.isDirectory() && whiteouts < 3 && opaque != null
                        && !path.startsWith(opaque.substring(0, opaque.lastIndexOf('/') + 1))) {
                    upper.add(Ext4Entry.directory("/overlayfs" + path.substring(0, path.lastIndexOf('/')), 0755));
                    upper.add(Ext4Entry.whiteout("/overlayfs" + path));
                    whiteouts++;
                }
            }
            upper = dedupe(upper);
            try (ImageFile image = ImageFile.create(upperFile, 64L << 20)) {
                Ext4Formatter.format(image, Ext4Options.labelled("OVERLAY").withEntries(upper));
            }
            System.out.printf("upper: %d entries, %d whiteouts, opaque %s%n", upper.size(), whiteouts, opaque);

            Runtime rt = Runtime.getRuntime();
            long[] peak = {0};
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peak[0] = Math.max(peak[0], rt.totalMemory() - rt.freeMemory());
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            SquashfsWriter.Options options = SquashfsWriter.Options.defaults()
                    .withCompression(SquashfsSuperblock.Compression.XZ).withBlockSize(lower.superblock().blockSize())
                    .withThreads(cores);
            t = System.nanoTime();
            OverlayfsMerge.Summary summary;
            try (ImageFile upperDevice = ImageFile.openReadOnly(upperFile);
                    SquashfsWriter writer = SquashfsWriter.create(mergedFile, options)) {
                summary = OverlayfsMerge.merge(lower, Ext4Reader.open(upperDevice), "/overlayfs", writer);
            }
            long ours = System.nanoTime() - t;
            sampler.interrupt();
            Path nativeFile = work.resolve("merged-tar2sqfs.sqfs");
            long tar2sqfs = 0;
            if (Tar2SqfsSink.version().isPresent()) {
                t = System.nanoTime();
                try (ImageFile upperDevice = ImageFile.openReadOnly(upperFile);
                        Tar2SqfsSink sink = Tar2SqfsSink.start(nativeFile, SquashfsSuperblock.Compression.XZ, options)) {
                    OverlayfsMerge.merge(lower, Ext4Reader.open(upperDevice), "/overlayfs", sink);
                }
                tar2sqfs = System.nanoTime() - t;
                System.out.printf("merge (%s, xz, %d jobs): %.1f s, %d bytes%n", Tar2SqfsSink.version().get(), cores,
                        tar2sqfs / 1e9, Files.size(nativeFile));
            }
            System.out.printf("merge (ours, xz, %d threads): %.1f s, %d bytes, %s, peak heap %d MiB of %d%n", cores,
                    ours / 1e9, Files.size(mergedFile), summary, peak[0] >> 20, rt.maxMemory() >> 20);

            Path tree = work.resolve("tree");
            Path reference = work.resolve("reference.sqfs");
            Tool.run(null, 7200, List.of("rm", "-rf", tree.toString(), reference.toString())).ok();
            Tool.run(null, 7200, List.of("unsquashfs", "-q", "-n", "-d", tree.toString(), mergedFile.toString())).ok();
            t = System.nanoTime();
            Tool.run(null, 7200, List.of("mksquashfs", tree.toString(), reference.toString(), "-comp", "xz", "-b",
                    Integer.toString(lower.superblock().blockSize()), "-noappend", "-no-xattrs", "-processors",
                    Integer.toString(cores), "-quiet", "-no-progress")).ok();
            long theirs = System.nanoTime() - t;
            System.out.printf("mksquashfs of the merged tree (xz, %d processors): %.1f s, %d bytes%n", cores,
                    theirs / 1e9, Files.size(reference));
            System.out.printf("speed ours/mksquashfs: %.2f; size ours/mksquashfs: %.3f%n", (double) theirs / ours,
                    (double) Files.size(mergedFile) / Files.size(reference));
            if (tar2sqfs > 0) {
                System.out.printf("speed tar2sqfs/mksquashfs: %.2f; size tar2sqfs/mksquashfs: %.3f%n",
                        (double) theirs / tar2sqfs, (double) Files.size(nativeFile) / Files.size(reference));
            }
            Tool.run(null, 7200, List.of("rm", "-rf", tree.toString())).ok();
        }
    }

    private static List<Ext4Entry> dedupe(List<Ext4Entry> entries) {
        List<Ext4Entry> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Ext4Entry e : entries) {
            if (seen.add(e.path())) {
                out.add(e);
            }
        }
        return out;
    }
}
