package org.stickwright.engine.ext;

import org.stickwright.engine.io.MemoryBlockDevice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Damaged filesystems: our own exception, naming structure and offset; never a hang or OOM. */
class Ext4CorruptionTest {
    private static byte[] pristine;

    @BeforeAll
    static void formatOnce() throws IOException {
        MemoryBlockDevice device = new MemoryBlockDevice(16 << 20);
        Ext4Formatter.format(device, Ext4Options.labelled("damaged").withEntries(List.of(
                Ext4Entry.directory("/a/b/c", 0755),
                Ext4Entry.file("/a/file", 0644, new byte[50_000]).xattr("user.x", "value"),
                Ext4Entry.file("/a/b/tiny", 0644, "tiny"),
                Ext4Entry.symlink("/a/link", "/" + "x".repeat(80)),
                Ext4Entry.directory("/xattr-block", 0755).xattr("user.big", new byte[1000]))));
        pristine = device.bytes();
    }

    private static MemoryBlockDevice copy() {
        return new MemoryBlockDevice(pristine.clone());
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** First physical block of an inode whose i_block is a depth-0 extent root. */
    private static long firstBlock(Ext4Inode inode) {
        return le(inode.iBlock()).getInt(12 + 8) & 0xFFFF_FFFFL;
    }

    @Test
    void pristineImageReadsCleanly() throws IOException {
        assertThat(ReaderExercise.exercise(copy())).isEqualTo(8);
    }

    @Test
    void truncatedDeviceIsRefusedAtTheSuperblock() {
        MemoryBlockDevice half = new MemoryBlockDevice(Arrays.copyOf(pristine, 8 << 20));
        assertThatThrownBy(() -> Ext4Reader.open(half)).isInstanceOf(Ext4FormatException.class)
                .hasMessageContaining("superblock at byte 1028").hasMessageContaining("does not fit");
        MemoryBlockDevice tiny = new MemoryBlockDevice(Arrays.copyOf(pristine, 1500));
        assertThatThrownBy(() -> Ext4Reader.open(tiny)).isInstanceOf(Ext4FormatException.class);
    }

    @Test
    void wrongMagicNamesTheSuperblockOffset() {
        MemoryBlockDevice device = copy();
        device.bytes()[1024 + 0x38] = 0x54;
        assertThatThrownBy(() -> Ext4Reader.open(device)).isInstanceOf(Ext4FormatException.class)
                .hasMessageContaining("superblock at byte 1080").hasMessageContaining("magic");
    }

    @Test
    void extentIndexReachingTheSameBlockTwiceIsACycle() throws IOException {
        MemoryBlockDevice device = copy();
        Ext4Reader reader = Ext4Reader.open(device);
        Ext4Inode file = reader.lookup("/a/file");
        long leaf = firstBlock(file) + 1;   // any block: we write a leaf into it
        ByteBuffer block = le(new byte[4096]);
        block.putShort(0, (short) 0xF30A).putShort(2, (short) 1).putShort(4, (short) 340).putShort(6, (short) 0);
        block.putInt(12, 0).putShort(16, (short) 1).putShort(18, (short) 0).putInt(20, (int) firstBlock(file));
        device.write(block.rewind(), leaf * 4096);
        ByteBuffer root = le(device.bytes()).position((int) file.offset() + 0x28).slice().order(ByteOrder.LITTLE_ENDIAN);
        root.putShort(2, (short) 2).putShort(6, (short) 1);
        root.putInt(12, 0).putInt(16, (int) leaf).putShort(20, (short) 0);
        root.putInt(24, 1).putInt(28, (int) leaf).putShort(32, (short) 0);
        Ext4Inode damaged = Ext4Reader.open(device).inode(file.number());
        assertThatThrownBy(() -> Ext4Reader.open(device).readAll(damaged, 1 << 20))
                .isInstanceOf(Ext4FormatException.class).hasMessageContaining("reached twice")
                .hasMessageContaining("extent root of inode " + file.number());
    }

    @Test
    void extentPointingOutsideTheFilesystemIsRefused() throws IOException {
        MemoryBlockDevice device = copy();
        Ext4Inode file = Ext4Reader.open(device).lookup("/a/file");
        le(device.bytes()).putInt((int) file.offset() + 0x28 + 12 + 8, 0x7FFF_FFF0);
        Ext4Reader reader = Ext4Reader.open(device);
        assertThatThrownBy(() -> reader.readAll(reader.lookup("/a/file"), 1 << 20))
                .isInstanceOf(Ext4FormatException.class).hasMessageContaining("outside the filesystem")
                .hasMessageContaining("byte " + (file.offset() + 0x28 + 12));
    }

    @Test
    void directoryCycleIsDetected() throws IOException {
        MemoryBlockDevice device = copy();
        Ext4Reader reader = Ext4Reader.open(device);
        Ext4Inode a = reader.lookup("/a");
        Ext4Inode c = reader.lookup("/a/b/c");
        // make /a/b/c's entry "c" inside /a/b point back at /a
        long block = firstBlock(reader.lookup("/a/b"));
        byte[] data = device.readBytes(block * 4096, 4096);
        int at = indexOf(data, "c".getBytes(StandardCharsets.US_ASCII), c.number());
        le(device.bytes()).putInt((int) (block * 4096 + at), (int) a.number());
        assertThatThrownBy(() -> ReaderExercise.exercise(device)).isInstanceOf(Ext4FormatException.class)
                .hasMessageContaining("directory cycle").hasMessageContaining("/a/b/c");
    }

    /** Offset of the dirent naming {@code name} with inode {@code ino}. */
    private static int indexOf(byte[] block, byte[] name, long ino) {
        ByteBuffer b = le(block);
        for (int at = 0; at + 8 < block.length; at += b.getShort(at + 4) & 0xFFFF) {
            if ((b.getInt(at) & 0xFFFF_FFFFL) == ino && (block[at + 6] & 0xFF) == name.length
                    && Arrays.equals(Arrays.copyOfRange(block, at + 8, at + 8 + name.length), name)) {
                return at;
            }
            if ((b.getShort(at + 4) & 0xFFFF) == 0) {
                break;
            }
        }
        throw new AssertionError("entry not found");
    }

    @Test
    void entryNamingAnInodeInTheUninitialisedTableIsRefused() throws IOException {
        MemoryBlockDevice device = copy();
        Ext4Reader reader = Ext4Reader.open(device);
        Ext4Inode tiny = reader.lookup("/a/b/tiny");
        long block = firstBlock(reader.lookup("/a/b"));
        int at = indexOf(device.readBytes(block * 4096, 4096), "tiny".getBytes(StandardCharsets.US_ASCII), tiny.number());
        // inode 1000 of 1024 in group 0, past the used part: on a used stick that is stale data
        le(device.bytes()).putInt((int) (block * 4096 + at), 1000);
        assertThatThrownBy(() -> Ext4Reader.open(device).lookup("/a/b/tiny")).isInstanceOf(Ext4FormatException.class)
                .hasMessageContaining("inode 1000").hasMessageContaining("uninitialised part of group 0");
    }

    @Test
    void zeroRecordLengthNamesTheDirectoryBlock() throws IOException {
        MemoryBlockDevice device = copy();
        Ext4Reader reader = Ext4Reader.open(device);
        long block = firstBlock(reader.lookup("/a"));
        le(device.bytes()).putShort((int) (block * 4096 + 12 + 4), (short) 0);
        assertThatThrownBy(() -> Ext4Reader.open(device).lookup("/a/file")).isInstanceOf(Ext4FormatException.class)
                .hasMessageContaining("directory block of inode").hasMessageContaining("at byte " + (block * 4096 + 12))
                .hasMessageContaining("record length 0");
    }

    @Test
    void xattrValueRunningPastTheBlockIsRefused() throws IOException {
        MemoryBlockDevice device = copy();
        Ext4Reader reader = Ext4Reader.open(device);
        Ext4Inode dir = reader.lookup("/xattr-block");
        long block = dir.xattrBlock();
        le(device.bytes()).putShort((int) (block * 4096 + 32 + 2), (short) 4000);
        assertThatThrownBy(() -> reader.xattrs(dir)).isInstanceOf(Ext4FormatException.class)
                .hasMessageContaining("xattr block of inode " + dir.number()).hasMessageContaining("runs past the end");
    }

    @Test
    void checksumMismatchInSuperblockOrDescriptorIsRefusedUnlessAskedNotToVerify() throws IOException {
        MemoryBlockDevice device = copy();
        device.bytes()[1024 + 0x10] ^= 1;   // s_free_inodes_count, checksum not updated
        assertThatThrownBy(() -> Ext4Reader.open(device)).isInstanceOf(Ext4FormatException.class)
                .hasMessageContaining("superblock at byte " + (1024 + 0x3FC)).hasMessageContaining("checksum");
        assertThat(Ext4Reader.open(device, false).superblock().label()).isEqualTo("damaged");
        MemoryBlockDevice other = copy();
        other.bytes()[4096 + 64 * 0 + 0x0E] ^= 1;   // group 0's free inode count
        assertThatThrownBy(() -> Ext4Reader.open(other)).isInstanceOf(Ext4FormatException.class)
                .hasMessageContaining("group descriptor 0 at byte 4096").hasMessageContaining("checksum");
    }

    @Test
    void absurdInodeSizeAndCountsAreRefused() {
        MemoryBlockDevice device = copy();
        le(device.bytes()).putShort(1024 + 0x58, (short) 3000);
        assertThatThrownBy(() -> Ext4Reader.open(device)).isInstanceOf(Ext4FormatException.class)
                .hasMessageContaining("inode size 3000");
        MemoryBlockDevice other = copy();
        le(other.bytes()).putInt(1024 + 0x28, 0);
        assertThatThrownBy(() -> Ext4Reader.open(other)).isInstanceOf(Ext4FormatException.class)
                .hasMessageContaining("inodes per group 0");
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<Integer, Byte>>> damage() {
        // the superblock and descriptors, the inode table of group 0 and the directory/file data after the journal
        Arbitrary<Integer> metadata = Arbitraries.integers().between(1024, 70 * 4096);
        Arbitrary<Integer> data = Arbitraries.integers().between(1093 * 4096, 1160 * 4096);
        Arbitrary<Integer> where = Arbitraries.oneOf(metadata, data);
        return net.jqwik.api.Combinators.combine(where, Arbitraries.bytes()).as(Tuple::of).list().ofMinSize(1).ofMaxSize(30);
    }

    @Property(tries = 200)
    void randomDamageEndsInAnIoExceptionOrAResult(@ForAll("damage") List<Tuple.Tuple2<Integer, Byte>> damage) {
        MemoryBlockDevice device = copy();
        for (Tuple.Tuple2<Integer, Byte> d : damage) {
            device.bytes()[d.get1()] = d.get2();
        }
        try {
            ReaderExercise.exercise(device, false);
        } catch (IOException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
