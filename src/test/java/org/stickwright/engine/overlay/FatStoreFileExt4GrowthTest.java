package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.ext.Ext4EditRefusedException;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.fat.Fat32FormatOptions;
import org.stickwright.engine.fat.Fat32Formatter;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * Growing an embedded overlayfs store on FAT in place: the tree (files, symlink, whiteout,
 * opaque directory xattr, owner, permissions, inode numbers), label and UUID stay, e2fsck and
 * fsck.fat accept the result, also when the clusters after the file are taken and its chain
 * continues elsewhere; every refusal leaves the volume byte for byte.
 */
class FatStoreFileExt4GrowthTest {
    private static final long MIB = 1024 * 1024;
    private static final String STORE = "/LiveOS/overlay-LIVE-1234-ABCD";
    private static final UUID UUID_1 = UUID.fromString("0a0b0c0d-1111-2222-3333-444455556666");

    @TempDir
    Path dir;

    private static List<Ext4Entry> upper() {
        byte[] big = new byte[300_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + i / 7);
        }
        return List.of(
                Ext4Entry.directory("/overlayfs", 0755),
                Ext4Entry.directory("/overlayfs/etc", 0755),
                Ext4Entry.file("/overlayfs/etc/hostname", 0644, "field\n"),
                Ext4Entry.file("/overlayfs/home/user/big.bin", 0600, big).owner(1000, 1000),
                Ext4Entry.symlink("/overlayfs/etc/localtime", "/usr/share/zoneinfo/UTC"),
                Ext4Entry.whiteout("/overlayfs/etc/issue"),
                Ext4Entry.directory("/overlayfs/mnt", 0755).xattr(OverlayfsUpper.OPAQUE_XATTR, "y"),
                Ext4Entry.file("/overlayfs/mnt/new.txt", 0644, "opaque\n"),
                Ext4Entry.directory("/ovlwork", 0700));
    }

    private Path fatWithStore(long volumeBytes, long storeBytes) throws IOException {
        Path volume = dir.resolve("fat.img");
        try (ImageFile file = ImageFile.create(volume, volumeBytes)) {
            Fat32Formatter.format(file, Fat32FormatOptions.defaults().withLabel("LIVE"));
            try (FatFileSystem fs = FatFileSystem.open(file)) {
                fs.mkdirs("LiveOS");
                fs.allocateContiguous(STORE, storeBytes, FileTimes.of(Instant.EPOCH));
                fs.flush();
                try (ExtentDevice image = FatStoreFile.open(fs, file, STORE)) {
                    Ext4Formatter.format(image, Ext4Options.labelled("OVERLAY").withUuid(UUID_1).withReservedPercent(0)
                            .withEntries(upper()));
                }
            }
        }
        return volume;
    }

    @Test
    @Tag(Tags.ORACLE)
    void growsInPlaceKeepingTreeLabelAndUuid() throws IOException {
        Capabilities.requireTools("e2fsck", "fsck.fat");
        Path volume = fatWithStore(80 * MIB, 16 * MIB);
        Map<String, String> before = describe(volume);
        grow(volume, 40 * MIB + 1000, 40 * MIB);
        assertThat(describe(volume)).isEqualTo(before);
    }

    @Test
    @Tag(Tags.ORACLE)
    void growsIntoClustersElsewhereWhenTheNextOnesAreTaken() throws IOException {
        Capabilities.requireTools("e2fsck", "fsck.fat");
        Path volume = fatWithStore(200 * MIB, 16 * MIB);
        try (ImageFile file = ImageFile.openReadWrite(volume); FatFileSystem fs = FatFileSystem.open(file)) {
            fs.writeFile("/after.bin", 1 << 20, new java.io.ByteArrayInputStream(new byte[1 << 20]), FileTimes.now());
            assertThat(fs.extents("/after.bin").get(0).deviceOffset())
                    .isEqualTo(fs.extents(STORE).get(0).deviceOffset() + 16 * MIB);
        }
        Map<String, String> before = describe(volume);
        grow(volume, 150 * MIB, 150 * MIB);
        try (ImageFile file = ImageFile.openReadOnly(volume); FatFileSystem fs = FatFileSystem.open(file)) {
            assertThat(fs.extents(STORE)).hasSizeGreaterThan(1);
            assertThat(fs.readAllBytes("/after.bin")).isEqualTo(new byte[1 << 20]);
        }
        assertThat(describe(volume)).isEqualTo(before);
    }

    private void grow(Path volume, long asked, long expected) throws IOException {
        try (ImageFile file = ImageFile.openReadWrite(volume); FatFileSystem fs = FatFileSystem.open(file)) {
            assertThat(FatStoreFile.growExt4(fs, file, STORE, asked).newBytes()).isEqualTo(expected);
            assertThat(fs.stat(STORE).orElseThrow().size()).isEqualTo(expected);
        }
        Tool.run("fsck.fat", "-n", volume.toString()).ok();
        Path image = dir.resolve("store.img");
        try (ImageFile file = ImageFile.openReadOnly(volume); FatFileSystem fs = FatFileSystem.open(file);
                var in = fs.openInputStream(STORE)) {
            Files.copy(in, image, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Tool.run("e2fsck", "-fn", image.toString()).ok();
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            Ext4Reader ext4 = Ext4Reader.open(file);
            assertThat(ext4.superblock().label()).isEqualTo("OVERLAY");
            assertThat(ext4.superblock().uuid()).isEqualTo(UUID_1);
            assertThat(ext4.superblock().blocksCount() * ext4.superblock().blockSize()).isEqualTo(expected);
            assertThat(ext4.superblock().reservedBlocksCount()).isZero();
        }
    }

    @Test
    void refusalsLeaveTheStoreAsItWas() throws IOException {
        Path volume = fatWithStore(48 * MIB, 16 * MIB);
        String original = org.stickwright.testing.TestImages.sha256(volume);
        try (ImageFile file = ImageFile.openReadWrite(volume); FatFileSystem fs = FatFileSystem.open(file)) {
            assertThatThrownBy(() -> FatStoreFile.growExt4(fs, file, STORE, 16 * MIB))
                    .isInstanceOf(Ext4EditRefusedException.class).hasMessageContaining("only grows");
            assertThatThrownBy(() -> FatStoreFile.growExt4(fs, file, STORE, 200 * MIB))
                    .isInstanceOf(Ext4EditRefusedException.class).hasMessageContaining("free");
            assertThatThrownBy(() -> FatStoreFile.growExt4(fs, file, STORE, 5L << 30))
                    .isInstanceOf(Ext4EditRefusedException.class).hasMessageContaining("at most");
        }
        assertThat(org.stickwright.testing.TestImages.sha256(volume)).isEqualTo(original);
    }

    /** Every path of the store with its kind, mode, owner, content digest and xattrs. */
    private static Map<String, String> describe(Path volume) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (ImageFile file = ImageFile.openReadOnly(volume); FatFileSystem fs = FatFileSystem.open(file);
                ExtentDevice image = FatStoreFile.open(fs, file, STORE)) {
            Ext4Reader ext4 = Ext4Reader.open(image);
            ext4.walk(ext4.root(), "/", (path, entry, inode) -> {
                StringBuilder s = new StringBuilder("#" + inode.number() + " ").append(Integer.toOctalString(inode.mode())).append(' ')
                        .append(inode.uid()).append(':').append(inode.gid());
                if (inode.isRegularFile()) {
                    s.append(" ").append(java.util.Arrays.hashCode(ext4.readAll(inode, 1 << 20)));
                } else if (inode.isSymlink()) {
                    s.append(" -> ").append(ext4.readSymlink(inode));
                }
                ext4.xattrs(inode).forEach((k, v) -> s.append(' ').append(k).append('=').append(new String(v)));
                out.put(path, s.toString());
            });
        }
        assertThat(out).containsKeys("/overlayfs/etc/issue", "/overlayfs/mnt/new.txt", "/overlayfs/home/user/big.bin");
        assertThat(out.get("/overlayfs/mnt")).contains(OverlayfsUpper.OPAQUE_XATTR + "=y");
        return out;
    }
}
