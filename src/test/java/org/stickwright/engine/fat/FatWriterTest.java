package org.stickwright.engine.fat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

class FatWriterTest {
    private static final long MIB = 1L << 20;
    private static final FileTimes WHEN = FileTimes.of(Instant.parse("2024-05-06T07:08:10Z"));

    @TempDir
    Path dir;

    static Path formatted(Path image, long bytes) throws IOException {
        try (ImageFile file = ImageFile.create(image, bytes)) {
            Fat32Formatter.format(file, Fat32FormatOptions.defaults().withLabel("TEST").withSerial(0x2024_0506));
        }
        return image;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static byte[] content(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The generated tree: path -> content (directories implied by paths, plus empty ones). */
    static Map<String, byte[]> tree() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        String[] names = {"Grüße aus Köln.txt", "日本語のファイル名.txt", "Ελληνικά.md", "readme.txt", "UPPER.TXT",
            "MiXed.Txt", "lower.TXT", "a b c.dat", ".hidden-config", "name.with.many.dots.tar.gz",
            "Long File Name 1.txt", "Long File Name 2.txt", "Long File Name 3.txt", "Long File Name 4.txt",
            "Long File Name 5.txt", "x+y=z;[1].txt", "exactly-thirteen", "A".repeat(200) + ".bin"};
        int seed = 1;
        for (String name : names) {
            files.put("/names/" + name, content(seed++, 100 + seed * 37));
        }
        StringBuilder deep = new StringBuilder();
        for (int level = 0; level < 24; level++) {
            deep.append("/level ").append(level).append(" directory");
        }
        files.put(deep + "/bottom.txt", content(seed++, 5000));
        int clusterSize = 4096;
        files.put("/sizes/empty", new byte[0]);
        files.put("/sizes/one-cluster", content(seed++, clusterSize));
        files.put("/sizes/cluster-plus-one", content(seed++, clusterSize + 1));
        files.put("/sizes/five-megabytes.bin", content(seed++, 5 * (int) MIB + 3));
        Random sizes = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            String folder = i < 6000 ? "/many/flat" : "/many/split/group-" + (i % 40);
            files.put(folder + "/file-" + String.format("%05d", i) + ".dat", content(10_000 + i, sizes.nextInt(3000)));
        }
        return files;
    }

    static void writeTree(FatWriter writer, Map<String, byte[]> files) throws IOException {
        writer.mkdirs("/empty/directory", WHEN);
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            String path = file.getKey();
            writer.mkdirs(path.substring(0, path.lastIndexOf('/')), WHEN);
            writer.writeFile(path, file.getValue().length, new ByteArrayInputStream(file.getValue()), WHEN);
        }
    }

    @Test
    @Tag(Tags.ORACLE)
    void mtoolsExtractsTheWrittenTreeIdenticallyAndFsckIsClean() throws Exception {
        Capabilities.requireTools("mcopy", "mdir", "fsck.fat");
        Path image = formatted(dir.resolve("tree.img"), 600 * MIB);
        Map<String, byte[]> files = tree();
        try (ImageFile file = ImageFile.openReadWrite(image); FatWriter writer = FatWriter.open(file, ZoneOffset.UTC)) {
            writeTree(writer, files);
        }
        FatOracles.fsckClean(image);

        Path out = dir.resolve("out");
        Files.createDirectories(out);
        FatOracles.mtools("mcopy", "-s", "-n", "-i", image.toString(), "::*", out.toString()).ok();
        Map<String, String> extracted = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(out)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    extracted.put("/" + out.relativize(p).toString().replace('\\', '/'), sha256(Files.readAllBytes(p)));
                }
            }
        }
        Map<String, String> expected = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            expected.put(e.getKey(), sha256(e.getValue()));
        }
        assertThat(extracted).hasSize(files.size()).isEqualTo(expected);
        assertThat(out.resolve("empty/directory")).isDirectory();

        // mdir shows the lower-case 8.3 names without long entries, and the times we gave.
        String listing = FatOracles.mtools("mdir", "-i", image.toString(), "::/names").ok().stdout();
        assertThat(listing).contains("readme   txt", "UPPER    TXT", "2024-05-06", "7:08");

        try (ImageFile file = ImageFile.openReadOnly(image); FatFileSystem fs = FatFileSystem.open(file, ZoneOffset.UTC)) {
            Map<String, String> read = new TreeMap<>();
            fs.walk((path, entry) -> {
                if (!entry.isDirectory()) {
                    try {
                        read.put(path, sha256(fs.readAllBytes(path)));
                    } catch (Exception e) {
                        throw new IOException(e);
                    }
                }
            });
            assertThat(read).isEqualTo(expected);
            FatEntry readme = fs.stat("/names/readme.txt").orElseThrow();
            assertThat(readme.shortName()).isEqualTo("README.TXT");
            assertThat(readme.modified()).isEqualTo(WHEN.modified());
            assertThat(fs.stat("/NAMES/Long File Name 5.txt").orElseThrow().shortName()).isEqualTo("LONGFI~5.TXT");
        }
    }

    @Test
    @Tag(Tags.ORACLE)
    void fileOfFourGibibytesLessOneByteRoundTrips() throws Exception {
        Capabilities.requireTools("mcopy", "fsck.fat", "cmp", "sh");
        // A sparse source with a marker in every MiB, so misplaced clusters cannot go unseen.
        long size = FatFileSystem.MAX_FILE_SIZE;
        Path source = dir.resolve("source.bin");
        try (ImageFile src = ImageFile.create(source, size)) {
            for (long at = 0; at + 8 <= size; at += MIB) {
                src.writeBytes(at, java.nio.ByteBuffer.allocate(8).putLong(at ^ 0x5A5A5A5A5A5A5A5AL).array());
            }
            src.writeBytes(size - 1, new byte[] {0x7F});
        }
        Path image = formatted(dir.resolve("big.img"), size + 256 * MIB);
        try (ImageFile file = ImageFile.openReadWrite(image); FatWriter writer = FatWriter.open(file);
                InputStream in = Files.newInputStream(source)) {
            writer.mkdirs("/LiveOS");
            writer.writeFile("/LiveOS/overlay-big.img", size, in, WHEN);
        }
        FatOracles.fsckCleanButForMaxSizeFile(image, "/LiveOS/overlay-big.img");
        Tool.run("sh", "-c", "MTOOLS_SKIP_CHECK=1 mcopy -i '" + image + "' ::/LiveOS/overlay-big.img - | cmp - '" + source + "'").ok();
        try (ImageFile file = ImageFile.openReadOnly(image); FatFileSystem fs = FatFileSystem.open(file);
                InputStream ours = fs.openInputStream("/liveos/OVERLAY-BIG.IMG"); InputStream theirs = Files.newInputStream(source)) {
            assertThat(fs.extents("/LiveOS/overlay-big.img")).hasSize(1);
            byte[] a = new byte[(int) MIB];
            byte[] b = new byte[(int) MIB];
            long compared = 0;
            int n;
            while ((n = ours.readNBytes(a, 0, a.length)) > 0) {
                assertThat(theirs.readNBytes(b, 0, n)).isEqualTo(n);
                assertThat(java.util.Arrays.equals(a, 0, n, b, 0, n)).as("bytes at %d", compared).isTrue();
                compared += n;
            }
            assertThat(compared).isEqualTo(size);
        }
    }

    @Test
    void fourGibibyteFileIsRefusedNamingFileAndLimit() throws Exception {
        Path image = formatted(dir.resolve("refuse.img"), 64 * MIB);
        try (ImageFile file = ImageFile.openReadWrite(image); FatWriter writer = FatWriter.open(file)) {
            long fourGib = 4L << 30;
            assertThatThrownBy(() -> writer.writeFile("/LiveOS/home.img", fourGib, InputStream.nullInputStream(), WHEN))
                    .isInstanceOf(FatException.class).hasMessageContaining("/LiveOS/home.img")
                    .hasMessageContaining("4294967295").hasMessageContaining("4 GiB");
            assertThatThrownBy(() -> writer.allocateContiguous("/persistence", fourGib))
                    .isInstanceOf(FatException.class).hasMessageContaining("/persistence");
        }
    }

    @Test
    @Tag(Tags.ORACLE)
    void contiguousAllocationIsContiguousAndWritesNoData() throws Exception {
        Capabilities.requireTools("fsck.fat", "minfo", "mdir", "stat");
        Path image = formatted(dir.resolve("persist.img"), 8L << 30);
        long before = FatOracles.allocatedBytes(image);
        long size = (3L << 30) + 12345;
        FileExtent extent;
        try (ImageFile file = ImageFile.openReadWrite(image); FatWriter writer = FatWriter.open(file)) {
            writer.writeFile("/small.txt", 5, new ByteArrayInputStream("hello".getBytes()), WHEN);
            writer.mkdirs("/LiveOS");
            extent = writer.allocateContiguous("/LiveOS/overlay-STICK-ABCD-1234", size);
        }
        assertThat(extent.length()).isEqualTo(size);
        long after = FatOracles.allocatedBytes(image);
        // The 3 GiB file's data were never written: only FAT sectors and directories changed.
        assertThat(after - before).as("bytes newly allocated in the image").isLessThan(8 * MIB);
        FatOracles.fsckClean(image);
        assertThat(FatOracles.mtools("mdir", "-i", image.toString(), "::/LiveOS").ok().stdout())
                .contains("overlay-STICK-ABCD-1234").contains(String.format("%,d", size).replace(',', ' '));
        try (ImageFile file = ImageFile.openReadOnly(image); FatFileSystem fs = FatFileSystem.open(file)) {
            assertThat(fs.extents("/LiveOS/overlay-STICK-ABCD-1234")).containsExactly(extent);
            FatEntry entry = fs.stat("/LiveOS/overlay-STICK-ABCD-1234").orElseThrow();
            assertThat(extent.deviceOffset()).isEqualTo(
                    fs.extents("/small.txt").get(0).deviceOffset() + (entry.firstCluster() - fs.stat("/small.txt").orElseThrow().firstCluster()) * fs.clusterSize());
        }
    }


    @Test
    @Tag(Tags.ORACLE)
    void directoriesEvictedFromATinyCacheAreWrittenAndReloadedCorrectly() throws Exception {
        Capabilities.requireTools("fsck.fat", "mcopy");
        Path image = formatted(dir.resolve("evict.img"), 40 * MIB);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < 400; i++) {
            // Revisit earlier directories so that evicted ones are loaded again and grown.
            int d = i % 150;
            files.put("/top " + d % 10 + "/directory number " + d + "/file " + i + " with a long name.txt",
                    content(i, 700 + i));
        }
        try (ImageFile file = ImageFile.openReadWrite(image); FatWriter writer = FatWriter.open(file, ZoneOffset.UTC, 4096)) {
            writeTree(writer, files);
        }
        FatOracles.fsckClean(image);
        Path out = dir.resolve("evicted");
        Files.createDirectories(out);
        FatOracles.mtools("mcopy", "-s", "-n", "-i", image.toString(), "::*", out.toString()).ok();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            assertThat(Files.readAllBytes(out.resolve(e.getKey().substring(1)))).as(e.getKey()).isEqualTo(e.getValue());
        }
    }
}
