package org.stickwright.engine.squashfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * Our writer and mksquashfs compress the same file of mixed data (random, text and zero pages)
 * with the same compressor, level and block size on the same cores: both images extract to the
 * input, ours is within 2% of mksquashfs's size (same zlib/xz per block), and the throughput of
 * each is printed. 32 MiB (xz: 8) by default; {@code -Dsquashfs.throughput.mib=512}
 * (gzip) and {@code -Dsquashfs.throughput.xz.mib=N} for a measurement.
 */
@Tag(Tags.ORACLE)
class SquashfsWriterThroughputTest {
    private static final long SEED = 5;
    private static final int ZERO_PERCENT = 10;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = SquashfsSuperblock.Compression.class, names = {"GZIP", "XZ"})
    void weCompressLikeMksquashfs(SquashfsSuperblock.Compression compression) throws IOException {
        Capabilities.requireTools("mksquashfs", "unsquashfs");
        long mib = compression == SquashfsSuperblock.Compression.XZ ? Long.getLong("squashfs.throughput.xz.mib", 8)
                : Long.getLong("squashfs.throughput.mib", 32);
        long length = mib << 20;
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        Path src = Files.createDirectories(dir.resolve("src"));
        Path data = src.resolve("mixed.bin");
        try (OutputStream out = Files.newOutputStream(data)) {
            byte[] chunk = new byte[1 << 20];
            for (long done = 0; done < length; done += chunk.length) {
                SquashfsTrees.fill(SEED, ZERO_PERCENT, done, chunk, 0, chunk.length);
                out.write(chunk);
            }
        }
        String name = compression.name().toLowerCase(Locale.ROOT);

        Path theirs = dir.resolve("theirs.sqfs");
        long t0 = System.nanoTime();
        Tool.run(null, 1800, List.of("mksquashfs", src.toString(), theirs.toString(), "-comp", name, "-noappend",
                "-no-xattrs", "-processors", Integer.toString(threads), "-quiet", "-no-progress")).ok();
        long theirNanos = System.nanoTime() - t0;

        Path ours = dir.resolve("ours.sqfs");
        t0 = System.nanoTime();
        try (ImageFile in = ImageFile.openReadOnly(data);
                SquashfsWriter w = SquashfsWriter.create(ours, SquashfsWriter.Options.defaults()
                        .withCompression(compression).withThreads(threads))) {
            w.file("/mixed.bin", 0644, 0, 0, 0, Map.of(), length, SquashfsWriter.ContentSource.of(in, 0));
        }
        long ourNanos = System.nanoTime() - t0;

        double ourRate = mib / (ourNanos / 1e9);
        double theirRate = mib / (theirNanos / 1e9);
        System.out.printf(Locale.ROOT, "squashfs %s, %d MiB, %d threads: ours %.1f MiB/s (%d bytes), mksquashfs %.1f"
                + " MiB/s (%d bytes), ours/mksquashfs throughput %.2f%n", name, mib, threads, ourRate,
                Files.size(ours), theirRate, Files.size(theirs), ourRate / theirRate);

        assertThat((double) Files.size(ours)).isCloseTo((double) Files.size(theirs),
                org.assertj.core.data.Percentage.withPercentage(2));
        Path out = dir.resolve("out");
        Tool.run(null, 900, List.of("unsquashfs", "-d", out.toString(), ours.toString())).ok();
        try (InputStream a = Files.newInputStream(out.resolve("mixed.bin"));
                InputStream b = Files.newInputStream(data)) {
            byte[] x = new byte[1 << 20];
            byte[] y = new byte[1 << 20];
            for (long done = 0; done < length; done += x.length) {
                assertThat(a.readNBytes(x, 0, x.length)).isEqualTo(x.length);
                b.readNBytes(y, 0, y.length);
                assertThat(java.util.Arrays.equals(x, y)).as("MiB at %d", done).isTrue();
            }
            assertThat(a.read()).isEqualTo(-1);
        }
    }
}
