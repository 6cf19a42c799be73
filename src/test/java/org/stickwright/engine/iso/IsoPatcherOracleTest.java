package org.stickwright.engine.iso;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * Patches files of xorriso-made images and checks with xorriso, isoinfo (Rock Ridge and
 * Joliet) and fuseiso that the new content is there and every other file is unchanged.
 */
@Tag(Tags.ORACLE)
class IsoPatcherOracleTest {
    private static final String CFG = "boot/grub/grub.cfg";

    @TempDir
    static Path dir;
    static Path plainIso;
    static Path offsetIso;
    static TreeMap<String, String> plainBaseline;
    static TreeMap<String, String> offsetBaseline;
    static final AtomicInteger COUNTER = new AtomicInteger();

    @BeforeAll
    static void build() throws IOException {
        Capabilities.requireTools("xorriso", "isoinfo", "mkfs.fat", "mcopy", "fuseiso", "fusermount");
        Capabilities.require(Files.exists(IsoFixtures.ISOHYBRID_MBR), "isolinux is not installed");
        Path src = IsoFixtures.sourceTree(dir);
        plainIso = IsoFixtures.buildIso(dir, src, "plain.iso");
        offsetIso = IsoFixtures.buildIso(dir, src, "offset.iso", "-partition_offset", "16");
        plainBaseline = IsoFixtures.describe(IsoFixtures.xorrisoExtract(plainIso, dir.resolve("base-plain")));
        offsetBaseline = IsoFixtures.describe(IsoFixtures.xorrisoExtract(offsetIso, dir.resolve("base-offset")));
    }

    private static Path copy(Path iso, long extraBytes) throws IOException {
        Path copy = dir.resolve("work-" + COUNTER.incrementAndGet() + ".iso");
        Files.copy(iso, copy, StandardCopyOption.REPLACE_EXISTING);
        if (extraBytes > 0) {
            try (ImageFile f = ImageFile.openReadWrite(copy)) {
                f.setSize(f.size() + extraBytes);
            }
        }
        return copy;
    }

    private static byte[] content(int size, int seed) {
        byte[] bytes = new byte[size];
        String line = "menuentry 'Persistent' { linux /live/vmlinuz boot=live persistence }\n";
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) line.charAt((i + seed) % line.length());
        }
        return bytes;
    }

    /** Plans (checking that planning writes nothing), then replaces; both must agree. */
    private static IsoPatcher.Result patch(Path iso, String path, byte[] bytes) throws IOException {
        byte[] before = Files.readAllBytes(iso);
        IsoPatcher.Result planned;
        try (ImageFile device = ImageFile.openReadOnly(iso)) {
            planned = IsoPatcher.plan(device, path, bytes.length);
        }
        assertThat(Files.readAllBytes(iso)).isEqualTo(before);
        try (ImageFile device = ImageFile.openReadWrite(iso)) {
            IsoPatcher.Result result = IsoPatcher.replace(device, path, bytes);
            assertThat(result).isEqualTo(planned);
            return result;
        }
    }

    /** The baseline with {@code path}'s content replaced, as every oracle must now see it. */
    private static TreeMap<String, String> expected(TreeMap<String, String> baseline, String path, byte[] bytes) {
        TreeMap<String, String> expected = new TreeMap<>(baseline);
        String old = expected.get(path);
        String mode = old.substring(old.lastIndexOf(' ') + 1);
        expected.put(path, "file " + bytes.length + " " + IsoFixtures.sha256(bytes) + " " + mode);
        return expected;
    }

    /** xorriso, isoinfo -R, isoinfo -J and fuseiso all see the new content and nothing else changed. */
    private static void verify(Path iso, TreeMap<String, String> baseline, String path, byte[] bytes)
            throws IOException {
        TreeMap<String, String> expected = expected(baseline, path, bytes);
        Path out = dir.resolve("check-" + COUNTER.incrementAndGet());
        assertThat(IsoFixtures.describe(IsoFixtures.xorrisoExtract(iso, out))).isEqualTo(expected);
        assertThat(Tool.run("xorriso", "-indev", iso.toString(), "-check_media", "--").exitCode()).isZero();
        assertThat(isoinfoExtract(iso, "-R", "/" + path)).isEqualTo(bytes);
        assertThat(isoinfoExtract(iso, "-J", "/" + path)).isEqualTo(bytes);
        assertThat(isoinfoExtract(iso, "-R", "/big.bin")).isEqualTo(Files.readAllBytes(out.resolve("big.bin")));
        Path mount = dir.resolve("mnt-" + COUNTER.incrementAndGet());
        Files.createDirectories(mount);
        Tool.run("fuseiso", iso.toString(), mount.toString()).ok();
        try {
            for (Map.Entry<String, String> e : expected.entrySet()) {
                if (e.getValue().startsWith("file ") && !e.getKey().contains(IsoFixtures.UNICODE_NAME.substring(0, 3))) {
                    Path file = mount.resolve(e.getKey());
                    String[] parts = e.getValue().split(" ");
                    assertThat(IsoFixtures.sha256(file)).as("fuseiso " + e.getKey()).isEqualTo(parts[2]);
                }
            }
        } finally {
            Tool.run("fusermount", "-u", mount.toString()).ok();
        }
    }

    private static byte[] isoinfoExtract(Path iso, String extension, String path) {
        // isoinfo writes the file's bytes to stdout; our Tool decodes text, so go through a file.
        try {
            Path out = dir.resolve("isoinfo-" + COUNTER.incrementAndGet());
            Tool.run("sh", "-c", "isoinfo -i '" + iso + "' " + extension + " -x '" + path + "' > '" + out + "'").ok();
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void longerContentThatFitsTheLastBlockStaysInPlace() throws IOException {
        Path iso = copy(plainIso, 0);
        byte[] bytes = content(1900, 1);
        long before;
        try (ImageFile device = ImageFile.openReadOnly(iso)) {
            before = IsoImage.open(device).find("/" + CFG).orElseThrow().firstDataOffset();
        }
        IsoPatcher.Result result = patch(iso, "/" + CFG, bytes);
        assertThat(result.placement()).isEqualTo(IsoPatcher.Placement.IN_PLACE);
        assertThat(result.extent().offset()).isEqualTo(before);
        assertThat(result.recordsUpdated()).isEqualTo(2); // Rock Ridge/primary and Joliet
        assertThat(Files.size(iso)).isEqualTo(Files.size(plainIso));
        verify(iso, plainBaseline, CFG, bytes);
    }

    @Test
    void shorterContentStaysInPlaceAndWritesOnlyChangedBytes() throws IOException {
        Path iso = copy(plainIso, 0);
        byte[] bytes = "shrunk\n".getBytes();
        IsoPatcher.Result result = patch(iso, "/big.bin", bytes);
        assertThat(result.placement()).isEqualTo(IsoPatcher.Placement.IN_PLACE);
        byte[] before = Files.readAllBytes(plainIso);
        byte[] after = Files.readAllBytes(iso);
        int changed = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] != after[i]) {
                changed++;
            }
        }
        // 7 content bytes plus at most 2 x 16 record bytes (LBA and size, both-endian).
        assertThat(changed).isBetween(1, 7 + 32);
        verify(iso, plainBaseline, "big.bin", bytes);
    }

    @Test
    void contentLargerThanItsBlocksIsRelocatedToFreeBlocksInsideTheImage() throws IOException {
        Path iso = copy(plainIso, 0);
        byte[] bytes = content(40 * 1024 + 5, 2);
        IsoPatcher.Result result = patch(iso, "/" + CFG, bytes);
        assertThat(result.placement()).isEqualTo(IsoPatcher.Placement.RELOCATED);
        assertThat(result.extent().offset() + bytes.length).isLessThanOrEqualTo(Files.size(plainIso));
        assertThat(Files.size(iso)).isEqualTo(Files.size(plainIso));
        verify(iso, plainBaseline, CFG, bytes);
    }

    @Test
    void contentWithoutRoomInsideIsAppendedAndTheVolumeGrows() throws IOException {
        Path iso = copy(plainIso, 4L << 20);
        byte[] bytes = content(3 << 20, 3);
        IsoPatcher.Result result = patch(iso, "/" + CFG, bytes);
        assertThat(result.placement()).isEqualTo(IsoPatcher.Placement.APPENDED);
        assertThat(result.extent().offset()).isEqualTo(Files.size(plainIso));
        String info = Tool.run("isoinfo", "-d", "-i", iso.toString()).ok().stdout();
        assertThat(info).contains("Volume size is: " + result.volumeSpaceBlocks());
        verify(iso, plainBaseline, CFG, bytes);
    }

    @Test
    void appendingRefusesATooSmallDevice() throws IOException {
        Path iso = copy(plainIso, 0);
        assertThatThrownBy(() -> patch(iso, "/" + CFG, content(8 << 20, 4))).isInstanceOf(IOException.class)
                .hasMessageContaining("device ends");
        assertThat(Files.readAllBytes(iso)).isEqualTo(Files.readAllBytes(plainIso));
    }

    @Test
    void partitionOffsetImagesGetBothTreeSetsPatched() throws IOException {
        for (int size : new int[] {1500, 40 * 1024, 3 << 20}) {
            Path iso = copy(offsetIso, 4L << 20);
            byte[] bytes = content(size, size);
            IsoPatcher.Result result = patch(iso, "/" + CFG, bytes);
            assertThat(result.recordsUpdated()).as("primary + Joliet in both sets").isEqualTo(4);
            verify(iso, offsetBaseline, CFG, bytes);
            // What dracut mounts: the ISO partition starting at byte 32768.
            Path partition = dir.resolve("partition-" + COUNTER.incrementAndGet() + ".iso");
            try (InputStream in = Files.newInputStream(iso)) {
                in.skipNBytes(32768);
                Files.copy(in, partition);
            }
            TreeMap<String, String> throughPartition = IsoFixtures.describe(IsoFixtures.xorrisoExtract(partition,
                    dir.resolve("part-" + COUNTER.incrementAndGet())));
            assertThat(throughPartition).isEqualTo(expected(offsetBaseline, CFG, bytes));
            String info = Tool.run("isoinfo", "-d", "-i", partition.toString()).ok().stdout();
            assertThat(info).contains("Volume size is: " + (result.volumeSpaceBlocks() - 16));
        }
    }

    @Test
    void grubRescueConfigGrowsIntoFreeBlocksOfTheThirdPartyImage() throws IOException {
        Path grubRescue = Path.of("/usr/lib/grub-rescue/grub-rescue-cdrom.iso");
        Capabilities.require(Files.exists(grubRescue), "grub-rescue-pc is not installed");
        TreeMap<String, String> baseline = IsoFixtures.describe(IsoFixtures.xorrisoExtract(grubRescue,
                dir.resolve("base-grub")));
        Path iso = copy(grubRescue, 0);
        byte[] bytes = content(20_000, 6);
        IsoPatcher.Result result = patch(iso, "/boot/grub/grub.cfg", bytes);
        assertThat(result.placement()).isEqualTo(IsoPatcher.Placement.RELOCATED);
        assertThat(result.recordsUpdated()).isEqualTo(1); // Rock Ridge only, no Joliet
        TreeMap<String, String> expected = expected(baseline, "boot/grub/grub.cfg", bytes);
        assertThat(IsoFixtures.describe(IsoFixtures.xorrisoExtract(iso, dir.resolve("grub-after")))).isEqualTo(expected);
        assertThat(isoinfoExtract(iso, "-R", "/boot/grub/grub.cfg")).isEqualTo(bytes);
    }

    @Test
    void patchedFileReadsBackThroughOurReader() throws IOException {
        Path iso = copy(plainIso, 0);
        byte[] bytes = content(10_000, 5);
        patch(iso, "/" + CFG, bytes);
        try (ImageFile device = ImageFile.openReadOnly(iso)) {
            for (IsoImage.Naming naming : new IsoImage.Naming[] {IsoImage.Naming.ROCK_RIDGE, IsoImage.Naming.JOLIET}) {
                IsoImage image = IsoImage.open(device, naming);
                IsoEntry entry = image.find("/" + CFG).orElseThrow();
                assertThat(Arrays.equals(image.readAll(entry), bytes)).as(naming.name()).isTrue();
            }
        }
    }
}
