package org.stickwright.engine.squashfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * A 3 GiB file, mostly zeros like a nested rootfs.img, written by a JVM with a 48 MiB heap (so
 * it must stream), comes back byte for byte through unsquashfs and through our reader's stream.
 */
@Tag(Tags.ORACLE)
class SquashfsWriterLargeFileTest {
    private static final long LENGTH = 3L * 1024 * 1024 * 1024 + 12_345;
    private static final long SEED = 77;
    private static final int ZERO_PERCENT = 99;

    @TempDir
    Path dir;

    @Test
    void aThreeGibFileStreamsThroughASmallHeap() throws Exception {
        Capabilities.requireTools("unsquashfs");
        Path image = dir.resolve("big.sqfs");
        String java = ProcessHandle.current().info().command().orElse("java");
        Tool.Result run = Tool.run(null, 900, List.of(java, "-Xmx48m", "-cp", System.getProperty("java.class.path"),
                BigSparseImage.class.getName(), image.toString(), Long.toString(LENGTH), Long.toString(SEED),
                Integer.toString(ZERO_PERCENT))).ok();
        assertThat(run.stdout()).contains("heap used at the end");

        try (ImageFile file = ImageFile.openReadOnly(image)) {
            SquashfsImage read = SquashfsImage.open(file);
            SquashfsEntry entry = read.find("/LiveOS/rootfs.img").orElseThrow();
            assertThat(entry.size()).isEqualTo(LENGTH);
            // Zero blocks became holes: most of the 24 577 size words are 0.
            long holes = entry.layout().blockSizes().stream().filter(w -> w == 0).count();
            assertThat(holes).isGreaterThan(entry.layout().blockSizes().size() / 2);
            try (InputStream in = read.openFile(entry)) {
                assertGeneratedContent(in);
            }
        }

        Path out = dir.resolve("out");
        Tool.run(null, 900, List.of("unsquashfs", "-d", out.toString(), image.toString())).ok();
        Path extracted = out.resolve("LiveOS/rootfs.img");
        assertThat(Files.size(extracted)).isEqualTo(LENGTH);
        try (InputStream in = Files.newInputStream(extracted)) {
            assertGeneratedContent(in);
        }
    }

    /** Compares with the generator directly: hashing 3 GiB three times would dominate the test's time. */
    private static void assertGeneratedContent(InputStream in) throws java.io.IOException {
        byte[] expected = new byte[1 << 20];
        byte[] actual = new byte[1 << 20];
        for (long done = 0; done < LENGTH; ) {
            int n = (int) Math.min(expected.length, LENGTH - done);
            SquashfsTrees.fill(SEED, ZERO_PERCENT, done, expected, 0, n);
            int got = in.readNBytes(actual, 0, n);
            assertThat(got).as("bytes at %d", done).isEqualTo(n);
            if (!java.util.Arrays.equals(expected, 0, n, actual, 0, n)) {
                throw new AssertionError("content differs in the MiB at byte " + done);
            }
            done += n;
        }
        assertThat(in.read()).as("end of file").isEqualTo(-1);
    }
}
