package org.stickwright.engine.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

/**
 * {@link Ext4Grower} judged by e2fsprogs: every grown filesystem passes {@code e2fsck -fn}, and
 * its counts (blocks, inodes, free blocks, free inodes, reserved GDT blocks) equal what
 * {@code resize2fs} makes of a copy of the same filesystem grown to the same size — for our
 * formatter's filesystems and for mke2fs's (metadata_csum, uninit_bg, 32-byte descriptors,
 * 1 KiB blocks), within one descriptor block and across into a reserved one, twice in a row.
 * Every file reads back unchanged through our reader.
 */
@Tag(Tags.ORACLE)
class Ext4GrowerOracleTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        Capabilities.requireTools("e2fsck", "resize2fs", "mke2fs", "dumpe2fs", "debugfs");
    }

    private static List<Ext4Entry> tree() {
        List<Ext4Entry> entries = new ArrayList<>();
        entries.add(Ext4Entry.directory("/rw", 0755));
        entries.add(Ext4Entry.directory("/rw/etc", 0755).xattr("trusted.overlay.opaque", "y"));
        entries.add(Ext4Entry.file("/rw/etc/hostname", 0644, "grown\n"));
        entries.add(Ext4Entry.file("/rw/big", 0600, new byte[3 << 20]));
        entries.add(Ext4Entry.symlink("/rw/link", "etc/hostname"));
        entries.add(Ext4Entry.whiteout("/rw/gone"));
        entries.add(Ext4Entry.file("/persistence.conf", 0644, "/ union\n"));
        return entries;
    }

    /** Our formatter's filesystem of {@code bytes} in a sparse file. */
    private Path formatted(long bytes) throws IOException {
        Path image = dir.resolve("fs.img");
        try (ImageFile file = ImageFile.create(image, bytes)) {
            Ext4Formatter.format(file, Ext4Options.labelled("persistence").withEntries(tree()));
        }
        return image;
    }

    /** mke2fs's filesystem with {@code options}, filled with a few files by debugfs (no mount needed). */
    private Path mkfs(long bytes, String... options) throws IOException {
        Path image = dir.resolve("fs.img");
        try (ImageFile file = ImageFile.create(image, bytes)) {
            file.flush();
        }
        List<String> command = new ArrayList<>(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-L", "writable"));
        command.addAll(List.of(options));
        command.add(image.toString());
        Tool.run(null, 120, command).ok();
        Path content = dir.resolve("content.bin");
        Files.write(content, new byte[300_000]);
        Tool.run("debugfs", "-w", "-R", "mkdir upper", image.toString()).ok();
        Tool.run("debugfs", "-w", "-R", "write " + content + " upper/file", image.toString()).ok();
        return image;
    }

    /** Grows {@code image} to {@code bytes} with us, and a copy with resize2fs; checks both; returns ours. */
    private Ext4Grower.Growth growAndCompare(Path image, long bytes) throws IOException {
        Map<String, String> filesBefore = files(image);
        Path theirs = dir.resolve("resize2fs.img");
        Files.copy(image, theirs, StandardCopyOption.REPLACE_EXISTING);
        Ext4Grower.Growth growth;
        try (ImageFile file = ImageFile.openReadWrite(image)) {
            file.setSize(bytes);
            growth = Ext4Grower.grow(file);
        }
        try (ImageFile file = ImageFile.openReadWrite(theirs)) {
            file.setSize(bytes);
        }
        Tool.run("resize2fs", "-f", theirs.toString()).ok();
        Tool.Result fsck = Tool.run("e2fsck", "-fn", image.toString());
        assertThat(fsck.exitCode()).as(fsck.output()).isZero();
        Map<String, String> ours = header(image);
        Map<String, String> reference = header(theirs);
        for (String field : List.of("Block count", "Inode count", "Free blocks", "Free inodes", "Reserved GDT blocks",
                "Reserved block count")) {
            assertThat(ours.get(field)).as(field).isEqualTo(reference.get(field));
        }
        assertThat(Long.parseLong(ours.get("Block count"))).isEqualTo(growth.newBlocks());
        assertThat(files(image)).isEqualTo(filesBefore);
        Files.delete(theirs);
        return growth;
    }

    private static Map<String, String> header(Path image) {
        String out = Tool.run("dumpe2fs", "-h", image.toString()).ok().stdout();
        Map<String, String> fields = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^([A-Za-z /]+):\\s+(.*)$").matcher(out);
        while (m.find()) {
            fields.put(m.group(1).trim(), m.group(2).trim());
        }
        return fields;
    }

    /** Path → content digest (or kind) of everything in the filesystem, through our reader. */
    private static Map<String, String> files(Path image) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            Ext4Reader ext4 = Ext4Reader.open(file);
            ext4.walk(ext4.root(), "/", (path, entry, inode) -> out.put(path, inode.isRegularFile()
                    ? java.util.HexFormat.of().formatHex(sha256(ext4.readAll(inode, 64 << 20))) : inode.isSymlink() ? "-> "
                    + ext4.readSymlink(inode) : Integer.toOctalString(inode.mode()) + " " + ext4.xattrs(inode).keySet()));
        }
        return out;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void growsOurFilesystemWithinItsDescriptorBlockAsResize2fsWould() throws IOException {
        Path image = formatted(256 * MIB);
        Ext4Grower.Growth growth = growAndCompare(image, 1024 * MIB);
        assertThat(growth.oldGroups()).isEqualTo(2);
        assertThat(growth.newGroups()).isEqualTo(8);
        assertThat(growth.descriptorBlocksAdded()).isZero();
        // again, from a size that leaves a partial last group
        try (ImageFile file = ImageFile.openReadWrite(image)) {
            assertThat(Ext4Reader.open(file).superblock().blocksCount()).isEqualTo(262_144);
        }
        growAndCompare(image, 1024 * MIB + 300 * MIB + 4096 * 7);
    }

    @Test
    void growsFromAPartialLastGroup() throws IOException {
        Path image = formatted(200 * MIB);
        growAndCompare(image, 700 * MIB);
    }

    @Test
    void takesAReservedDescriptorBlockPast64Groups() throws IOException {
        Path image = formatted(512 * MIB);
        Ext4Grower.Growth growth = growAndCompare(image, 9L * 1024 * MIB);
        assertThat(growth.newGroups()).isEqualTo(72);
        assertThat(growth.descriptorBlocksAdded()).isEqualTo(1);
    }

    @Test
    void growsMke2fsFilesystems() throws IOException {
        growAndCompare(mkfs(300 * MIB, "-b", "4096"), 2048 * MIB);
        growAndCompare(mkfs(300 * MIB, "-b", "4096", "-O", "^metadata_csum,uninit_bg"), 1100 * MIB);
        growAndCompare(mkfs(300 * MIB, "-b", "4096", "-O", "^64bit"), 9L * 1024 * MIB);
        growAndCompare(mkfs(300 * MIB, "-b", "4096", "-O", "^metadata_csum,^uninit_bg"), 700 * MIB);
        // what mke2fs makes below 512 MiB: 1 KiB blocks, the superblock in block 1
        growAndCompare(mkfs(64 * MIB), 200 * MIB);
        growAndCompare(mkfs(64 * MIB, "-O", "^metadata_csum,^uninit_bg"), 300 * MIB);
    }

    @Test
    void refusesWhatItCannotGrowAndWritesNothing() throws IOException {
        Path image = mkfs(300 * MIB, "-b", "4096", "-O", "meta_bg,^resize_inode");
        assertRefused(image, 600 * MIB, "meta_bg");
        image = formatted(256 * MIB);
        assertRefused(image, 256 * MIB + 4096 * 10, "nothing to grow");
        // a filesystem whose journal needs replaying (mounted, or not unmounted cleanly)
        Tool.run("debugfs", "-w", "-R", "feature needs_recovery", image.toString()).ok();
        assertRefused(image, 512 * MIB, "journal");
    }

    @Test
    void refusesGrowthPastTheReservedDescriptorBlocks() throws IOException {
        Path image = mkfs(300 * MIB, "-b", "4096", "-O", "^resize_inode");
        assertRefused(image, 9L * 1024 * MIB, "at most");
        growAndCompare(image, 7L * 1024 * MIB);
    }

    private void assertRefused(Path image, long bytes, String why) throws IOException {
        String before = TestImages.sha256(image);
        try (ImageFile file = ImageFile.openReadWrite(image)) {
            long size = file.size();
            file.setSize(bytes);
            assertThatThrownBy(() -> Ext4Grower.grow(file)).isInstanceOf(Ext4EditRefusedException.class)
                    .hasMessageContaining(why);
            file.setSize(size);
        }
        assertThat(TestImages.sha256(image)).isEqualTo(before);
    }
}
