package org.stickwright.engine.fat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

@Tag(Tags.ORACLE)
class FatEditorTest {
    @TempDir
    Path dir;

    private Path mkfs(int bits, int kib) {
        Path image = dir.resolve("fat" + bits + ".img");
        Tool.run("mkfs.fat", "-F", String.valueOf(bits), "-n", "EFIBOOT", "-C", image.toString(), String.valueOf(kib)).ok();
        return image;
    }

    private Path hostFile(String name, byte[] content) throws Exception {
        Path file = dir.resolve("host").resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        return file;
    }

    private String mtype(Path image, String path) {
        return FatOracles.mtools("mtype", "-i", image.toString(), "::" + path).ok().stdout();
    }

    private byte[] mcopyOut(Path image, String path) throws Exception {
        Path out = dir.resolve("out-" + Math.abs(path.hashCode()));
        FatOracles.mtools("mcopy", "-n", "-i", image.toString(), "::" + path, out.toString()).ok();
        byte[] bytes = Files.readAllBytes(out);
        Files.delete(out);
        return bytes;
    }

    @ParameterizedTest(name = "FAT{0}")
    @CsvSource({"12, 4096", "16, 40960", "32, 66000"})
    void editsOnMkfsVolumesAreSeenByMtoolsAndFsckIsClean(int bits, int kib) throws Exception {
        Capabilities.requireTools("mkfs.fat", "mcopy", "mmd", "mtype", "mdir", "fsck.fat");
        Path image = mkfs(bits, kib);
        String grubCfg = "set timeout=5\nmenuentry 'Live' {\n  linux /vmlinuz root=live:CDLABEL=LIVE quiet\n}\n";
        byte[] efi = FatWriterTest.content(7, 300_000);
        byte[] keep = FatWriterTest.content(8, 12_345);
        byte[] doomed = FatWriterTest.content(9, 40_000);
        FatOracles.mtools("mmd", "-i", image.toString(), "::/EFI", "::/EFI/BOOT", "::/Docs", "::/Empty Dir").ok();
        FatOracles.mtools("mcopy", "-i", image.toString(), hostFile("grub.cfg", grubCfg.getBytes(StandardCharsets.UTF_8)).toString(),
                "::/EFI/BOOT/grub.cfg").ok();
        FatOracles.mtools("mcopy", "-i", image.toString(), hostFile("BOOTX64.EFI", efi).toString(), "::/EFI/BOOT/BOOTX64.EFI").ok();
        FatOracles.mtools("mcopy", "-i", image.toString(), hostFile("Keep this long-named file.bin", keep).toString(),
                "::/Docs/Keep this long-named file.bin").ok();
        FatOracles.mtools("mcopy", "-i", image.toString(), hostFile("Old Name Ünïcode.txt", "renamed".getBytes()).toString(),
                "::/Docs/Old Name Ünïcode.txt").ok();
        FatOracles.mtools("mcopy", "-i", image.toString(), hostFile("doomed.bin", doomed).toString(), "::/doomed.bin").ok();
        FatOracles.fsckClean(image);

        String bigger = grubCfg.replace("quiet", "quiet rd.live.overlay=LABEL=persist " + "x".repeat(9000));
        try (ImageFile file = ImageFile.openReadWrite(image); FatFileSystem fs = FatFileSystem.open(file)) {
            assertThat(fs.type()).isEqualTo(FatType.valueOf("FAT" + bits));
            assertThat(fs.volumeLabel()).isEqualTo("EFIBOOT");
            assertThat(fs.list("/Docs")).extracting(FatEntry::name)
                    .containsExactlyInAnyOrder("Keep this long-named file.bin", "Old Name Ünïcode.txt");
            assertThat(new String(fs.readAllBytes("/efi/boot/GRUB.CFG"), StandardCharsets.UTF_8)).isEqualTo(grubCfg);

            fs.replaceFile("/EFI/BOOT/grub.cfg", bigger.length(),
                    new java.io.ByteArrayInputStream(bigger.getBytes(StandardCharsets.UTF_8)));
            fs.rename("/Docs/Old Name Ünïcode.txt", "/EFI/Renamed — with a much longer name than before.txt");
            fs.delete("/doomed.bin");
            fs.delete("/Empty Dir");
            fs.mkdirs("/EFI/new dir/deeper");
            fs.putFile("/EFI/new dir/deeper/Fresh File.cfg", "fresh".getBytes());
            fs.rename("/EFI/new dir", "/Moved Dir");
            assertThatThrownBy(() -> fs.delete("/EFI")).isInstanceOf(DirectoryNotEmptyException.class);
            assertThatThrownBy(() -> fs.delete("/nothing")).isInstanceOf(NoSuchFileException.class);
            assertThatThrownBy(() -> fs.rename("/Moved Dir", "/Moved Dir/deeper/inside")).isInstanceOf(FatException.class);
            assertThatThrownBy(() -> fs.putFile("/EFI", new byte[1])).isInstanceOf(FatException.class);
            assertThatThrownBy(() -> fs.writeFile("/EFI/BOOT/GRUB.CFG", 1, new java.io.ByteArrayInputStream(new byte[1]),
                    FileTimes.now())).isInstanceOf(FileAlreadyExistsException.class);
        }
        FatOracles.fsckClean(image);
        assertThat(mtype(image, "/EFI/BOOT/grub.cfg")).isEqualTo(bigger);
        assertThat(mtype(image, "/EFI/Renamed — with a much longer name than before.txt")).isEqualTo("renamed");
        assertThat(mtype(image, "/Moved Dir/deeper/Fresh File.cfg")).isEqualTo("fresh");
        assertThat(mcopyOut(image, "/EFI/BOOT/BOOTX64.EFI")).isEqualTo(efi);
        assertThat(mcopyOut(image, "/Docs/Keep this long-named file.bin")).isEqualTo(keep);
        String root = FatOracles.mtools("mdir", "-i", image.toString(), "::/").ok().stdout();
        assertThat(root).doesNotContain("doomed").doesNotContain("Empty Dir").contains("Moved Dir");
        // ".." of the moved directory now names the root: mtools resolves it there.
        assertThat(FatOracles.mtools("mdir", "-i", image.toString(), "::/Moved Dir/..").ok().stdout()).contains("EFI");

        // Shrinking back frees clusters again; the volume stays consistent.
        try (ImageFile file = ImageFile.openReadWrite(image); FatFileSystem fs = FatFileSystem.open(file)) {
            long free = fs.freeBytes();
            fs.putFile("/EFI/BOOT/grub.cfg", grubCfg.getBytes(StandardCharsets.UTF_8));
            assertThat(fs.freeBytes()).isGreaterThan(free);
        }
        FatOracles.fsckClean(image);
        assertThat(mtype(image, "/EFI/BOOT/grub.cfg")).isEqualTo(grubCfg);
    }

    @ParameterizedTest(name = "FAT{0}")
    @CsvSource({"12, 4096", "16, 40960", "32, 66000"})
    void extendGrowsAFileInPlaceAfterItsLastClusterOrElsewhere(int bits, int kib) throws Exception {
        Capabilities.requireTools("mkfs.fat", "mcopy", "fsck.fat");
        Path image = mkfs(bits, kib);
        byte[] head = FatWriterTest.content(21, 10_000);
        byte[] neighbour = FatWriterTest.content(22, 5_000);
        try (ImageFile file = ImageFile.openReadWrite(image); FatFileSystem fs = FatFileSystem.open(file)) {
            fs.putFile("/adjacent.bin", head);
            fs.putFile("/empty.bin", new byte[0]);
            long start = fs.extents("/adjacent.bin").get(0).deviceOffset();
            fs.extend("/adjacent.bin", 50_000);
            assertThat(fs.extents("/adjacent.bin")).hasSize(1);
            assertThat(fs.extents("/adjacent.bin").get(0).deviceOffset()).isEqualTo(start);
            fs.putFile("/neighbour.bin", neighbour);
            // the clusters after it are the neighbour's now: the chain continues elsewhere
            fs.extend("/adjacent.bin", 90_000);
            assertThat(fs.extents("/adjacent.bin")).hasSize(2);
            fs.extend("/empty.bin", 3_000);
            assertThatThrownBy(() -> fs.extend("/adjacent.bin", 1_000)).isInstanceOf(FatException.class)
                    .hasMessageContaining("only grows");
            assertThatThrownBy(() -> fs.extend("/adjacent.bin", fs.freeBytes() + 200_000))
                    .isInstanceOf(FatException.class).hasMessageContaining("volume full");
        }
        FatOracles.fsckClean(image);
        byte[] grown = mcopyOut(image, "/adjacent.bin");
        assertThat(grown).hasSize(90_000);
        assertThat(java.util.Arrays.copyOf(grown, head.length)).isEqualTo(head);
        assertThat(mcopyOut(image, "/neighbour.bin")).isEqualTo(neighbour);
        assertThat(mcopyOut(image, "/empty.bin")).hasSize(3_000);
    }

    @Test
    void fragmentedFreeSpaceStillTakesALargeFile() throws Exception {
        Capabilities.requireTools("mkfs.fat", "mcopy", "fsck.fat");
        Path image = mkfs(12, 1440);
        Map<String, byte[]> kept = new TreeMap<>();
        try (ImageFile file = ImageFile.openReadWrite(image); FatFileSystem fs = FatFileSystem.open(file)) {
            for (int i = 0; i < 100; i++) {
                byte[] bytes = FatWriterTest.content(100 + i, 10_000);
                fs.putFile("/piece " + i + ".bin", bytes);
                if (i % 2 == 1) {
                    kept.put("/piece " + i + ".bin", bytes);
                }
            }
            for (int i = 0; i < 100; i += 2) {
                fs.delete("/piece " + i + ".bin");
            }
        }
        byte[] large = FatWriterTest.content(5, 700_000);
        try (ImageFile file = ImageFile.openReadWrite(image); FatFileSystem fs = FatFileSystem.open(file)) {
            fs.putFile("/large file.bin", large);
            List<FileExtent> extents = fs.extents("/large file.bin");
            assertThat(extents.size()).as("extents of a file written into holes").isGreaterThan(10);
            assertThat(extents.stream().mapToLong(FileExtent::length).sum()).isEqualTo(large.length);
            assertThat(fs.readAllBytes("/LARGEF~1.BIN")).isEqualTo(large);
        }
        FatOracles.fsckClean(image);
        assertThat(mcopyOut(image, "/large file.bin")).isEqualTo(large);
        for (Map.Entry<String, byte[]> e : kept.entrySet()) {
            assertThat(mcopyOut(image, e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void fullFixedRootDirectoryIsAClearError() throws Exception {
        Capabilities.requireTools("mkfs.fat", "fsck.fat");
        Path image = dir.resolve("root.img");
        Tool.run("mkfs.fat", "-F", "12", "-r", "16", "-C", image.toString(), "1024").ok();
        try (ImageFile file = ImageFile.openReadWrite(image); FatFileSystem fs = FatFileSystem.open(file)) {
            fs.mkdirs("/D");
            fs.putFile("/D/inside.txt", "kept".getBytes());
            for (int i = 0; i < 15; i++) {
                fs.putFile("/F" + i, new byte[0]);
            }
            assertThatThrownBy(() -> fs.putFile("/F16", new byte[0])).isInstanceOf(FatException.class)
                    .hasMessageContaining("root directory full");
            assertThatThrownBy(() -> fs.rename("/D/inside.txt", "/inside.txt")).isInstanceOf(FatException.class)
                    .hasMessageContaining("root directory full");
            assertThat(fs.readAllBytes("/D/inside.txt")).isEqualTo("kept".getBytes());
        }
        FatOracles.fsckClean(image);
    }

    @Test
    void failedWritesLeaveTheVolumeConsistent() throws Exception {
        Capabilities.requireTools("mkfs.fat", "fsck.fat", "mtype");
        Path image = mkfs(12, 1024);
        byte[] original = "menuentry 'Live' {}\n".getBytes(StandardCharsets.UTF_8);
        try (ImageFile file = ImageFile.openReadWrite(image); FatFileSystem fs = FatFileSystem.open(file)) {
            fs.mkdirs("/EFI/BOOT");
            fs.putFile("/EFI/BOOT/grub.cfg", original);
            long free = fs.freeBytes();
            // Content that ends early: no entry, no leaked clusters.
            assertThatThrownBy(() -> fs.writeFile("/short.bin", 10_000, new java.io.ByteArrayInputStream(new byte[100]),
                    FileTimes.now())).isInstanceOf(java.io.EOFException.class).hasMessageContaining("/short.bin");
            assertThat(fs.stat("/short.bin")).isEmpty();
            // Names FAT forbids are refused without allocating anything.
            assertThatThrownBy(() -> fs.mkdirs("/EFI/bad:name")).isInstanceOf(FatException.class).hasMessageContaining("U+003A");
            assertThatThrownBy(() -> fs.putFile("/EFI/what?.cfg", new byte[3000])).isInstanceOf(FatException.class);
            assertThat(fs.freeBytes()).isEqualTo(free);
            // More than the volume holds: refused before anything changes.
            long tooBig = free + fs.clusterSize() * 4L;
            assertThatThrownBy(() -> fs.replaceFile("/EFI/BOOT/grub.cfg", tooBig, java.io.InputStream.nullInputStream()))
                    .isInstanceOf(FatException.class).hasMessageContaining("volume full");
            assertThat(fs.freeBytes()).isEqualTo(free);
            assertThat(fs.readAllBytes("/EFI/BOOT/grub.cfg")).isEqualTo(original);
            // A replacement that only fits by reusing the old clusters still succeeds.
            byte[] fill = FatWriterTest.content(3, (int) (free + fs.clusterSize() / 2));
            fs.replaceFile("/EFI/BOOT/grub.cfg", fill.length, new java.io.ByteArrayInputStream(fill));
            assertThat(fs.readAllBytes("/EFI/BOOT/grub.cfg")).isEqualTo(fill);
        }
        FatOracles.fsckClean(image);
    }
}
