package org.stickwright.engine.squashfs;

import org.stickwright.engine.io.MemoryBlockDevice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** Corrupted copies of mksquashfs images fail with SquashfsFormatException naming structure and offset. */
@Tag(Tags.ORACLE)
class SquashfsCorruptionTest {
    @TempDir
    static Path dir;
    static byte[] plain;
    static byte[] gzip;

    @BeforeAll
    static void build() throws IOException {
        Capabilities.requireTools("mksquashfs");
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("sub"));
        Files.writeString(src.resolve("sub/file"), "content\n");
        Path plainImage = dir.resolve("plain.sqfs");
        Path gzipImage = dir.resolve("gzip.sqfs");
        Tool.run(null, 60, List.of("mksquashfs", src.toString(), plainImage.toString(), "-noI", "-noD", "-noF",
                "-noX", "-noappend", "-quiet")).ok();
        Tool.run(null, 60, List.of("mksquashfs", src.toString(), gzipImage.toString(), "-comp", "gzip",
                "-noappend", "-quiet")).ok();
        plain = Files.readAllBytes(plainImage);
        gzip = Files.readAllBytes(gzipImage);
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void pristineImagesRead() throws IOException {
        for (byte[] image : new byte[][] {plain, gzip}) {
            SquashfsImage squashfs = SquashfsImage.open(new MemoryBlockDevice(image.clone()));
            assertThat(squashfs.walk()).extracting(SquashfsEntry::path).containsExactly("/sub", "/sub/file");
        }
    }

    @Test
    void directoryEntryPointingAtTheRootIsACycle() {
        byte[] image = plain.clone();
        long dirTable = le(image).getLong(72);
        int rootOffset = (int) (le(image).getLong(32) & 0xffff);
        // The root's listing holds the entry "sub": offset, delta, type, name length-1 = 2, "sub".
        int name = indexOf(image, (int) dirTable, new byte[] {2, 0, 's', 'u', 'b'});
        assertThat(name).isPositive();
        le(image).putShort(name - 6, (short) rootOffset);
        assertThatThrownBy(() -> SquashfsImage.open(new MemoryBlockDevice(image)).walk())
                .isInstanceOf(SquashfsFormatException.class).hasMessageContaining("cycle")
                .hasMessageContaining("directory entry at byte ");
    }

    private static int indexOf(byte[] hay, int from, byte[] needle) {
        for (int i = from; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void metadataBlockClaimingMoreThan8KiBIsRefused() {
        byte[] image = gzip.clone();
        int inodeTable = (int) le(image).getLong(64);
        le(image).putShort(inodeTable, (short) 0x7fff);
        assertThatThrownBy(() -> SquashfsImage.open(new MemoryBlockDevice(image)).root())
                .isInstanceOf(SquashfsFormatException.class)
                .hasMessageContaining("metadata block at byte " + inodeTable);
    }

    @Test
    void corruptCompressedMetadataIsRefused() {
        byte[] image = gzip.clone();
        int inodeTable = (int) le(image).getLong(64);
        for (int i = 2; i < 12; i++) {
            image[inodeTable + i] ^= (byte) 0x5a;
        }
        assertThatThrownBy(() -> SquashfsImage.open(new MemoryBlockDevice(image)).walk())
                .isInstanceOf(SquashfsFormatException.class)
                .hasMessageContaining("metadata block at byte " + inodeTable).hasMessageContaining("zlib data is corrupt");
    }

    @Test
    void truncatedImageIsRefusedAtTheSuperblock() {
        byte[] image = Arrays.copyOf(gzip, (int) le(gzip).getLong(40) - 10);
        assertThatThrownBy(() -> SquashfsImage.open(new MemoryBlockDevice(image)))
                .isInstanceOf(SquashfsFormatException.class).hasMessageContaining("superblock at byte 40")
                .hasMessageContaining("bytes used");
    }

    @Test
    void unknownCompressionAndVersionAreRefused() {
        byte[] image = gzip.clone();
        le(image).putShort(20, (short) 9);
        assertThatThrownBy(() -> SquashfsImage.open(new MemoryBlockDevice(image)))
                .isInstanceOf(SquashfsFormatException.class).hasMessageContaining("compression id 9");
        byte[] old = gzip.clone();
        le(old).putShort(28, (short) 3);
        assertThatThrownBy(() -> SquashfsImage.open(new MemoryBlockDevice(old)))
                .isInstanceOf(SquashfsFormatException.class).hasMessageContaining("version 3.0");
    }

    @Test
    void probeTellsSquashfsFromOtherData() throws IOException {
        assertThat(SquashfsSuperblock.probe(new MemoryBlockDevice(gzip.clone()), 0)).isPresent();
        assertThat(SquashfsSuperblock.probe(new MemoryBlockDevice(new byte[4096]), 0)).isEmpty();
        assertThat(SquashfsSuperblock.probe(new MemoryBlockDevice(new byte[10]), 0)).isEmpty();
    }
}
