package org.stickwright.engine.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.MemoryBlockDevice;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * {@link Ext4Editor} without a kernel: what it refuses (recovery needed, unclean, orphans,
 * features it does not handle, the root), corruption it stops at before its first write (bad
 * checksums, a directory cycle, an extent past the end, random damage, never a hang), and a
 * property over random trees our formatter writes, judged by e2fsck.
 */
class Ext4EditorTest {
    private static final int SIZE = 16 << 20;

    @TempDir
    Path dir;

    /** A 16 MiB ext4 with /t (the store) and /keep, both holding a bit of everything. */
    private static byte[] formatted() throws IOException {
        List<Ext4Entry> entries = new ArrayList<>();
        for (String root : List.of("/t", "/keep")) {
            entries.add(Ext4Entry.directory(root, 0755));
            entries.add(Ext4Entry.directory(root + "/a", 0755).xattr("trusted.overlay.opaque", "y"));
            entries.add(Ext4Entry.directory(root + "/a/b", 0755));
            entries.add(Ext4Entry.file(root + "/a/b/file", 0644, new byte[70_000]));
            entries.add(Ext4Entry.file(root + "/small", 0644, "hello"));
            entries.add(Ext4Entry.symlink(root + "/link", "a/b/file"));
            entries.add(Ext4Entry.symlink(root + "/long-link", "x".repeat(300)));
            entries.add(Ext4Entry.whiteout(root + "/gone"));
            entries.add(Ext4Entry.file(root + "/xattrs", 0644, "x").xattr("user.big", new byte[900]));
        }
        MemoryBlockDevice device = new MemoryBlockDevice(SIZE);
        Ext4Formatter.format(device, Ext4Options.labelled("persistence").withEntries(entries));
        return device.bytes().clone();
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Changes the superblock through {@code edit} and puts a correct checksum back. */
    private static void editSuperblock(byte[] image, java.util.function.Consumer<ByteBuffer> edit) {
        ByteBuffer sb = ByteBuffer.wrap(image, 1024, 1024).slice().order(ByteOrder.LITTLE_ENDIAN);
        edit.accept(sb);
        sb.putInt(0x3FC, Crc32c.update(~0, image, 1024, 0x3FC));
    }

    private static void assertRefused(byte[] image, String path, String why) {
        byte[] before = image.clone();
        MemoryBlockDevice device = new MemoryBlockDevice(image);
        assertThatThrownBy(() -> Ext4Editor.open(device).emptyDirectories(List.of(path)))
                .isInstanceOf(Ext4EditRefusedException.class).hasMessageContaining(why);
        assertThat(device.bytesWritten()).isZero();
        assertThat(image).isEqualTo(before);
    }

    private static void assertCorrupt(byte[] image, String why) {
        byte[] before = image.clone();
        MemoryBlockDevice device = new MemoryBlockDevice(image);
        assertThatThrownBy(() -> Ext4Editor.open(device).emptyDirectories(List.of("/t")))
                .isInstanceOf(Ext4FormatException.class).hasMessageContaining(why);
        assertThat(device.bytesWritten()).isZero();
        assertThat(image).isEqualTo(before);
    }

    @Test
    void emptiesTheStoreAndKeepsTheRest() throws IOException {
        MemoryBlockDevice device = new MemoryBlockDevice(formatted());
        Ext4Reader before = Ext4Reader.open(device);
        long free = before.usage().freeBlocks();
        Map<String, String> keep = digest(before, "/keep");
        Ext4Editor.Emptying done = Ext4Editor.open(device, 1_800_000_000L).emptyDirectories(List.of("/t"));
        assertThat(done.names()).isEqualTo(8);
        assertThat(done.directoriesFreed()).isEqualTo(2);
        Ext4Reader after = Ext4Reader.open(device);
        assertThat(after.list(after.lookup("/t"))).isEmpty();
        assertThat(after.lookup("/t").linksCount()).isEqualTo(2);
        assertThat(digest(after, "/keep")).isEqualTo(keep);
        assertThat(after.usage().freeBlocks() - free).isEqualTo(done.blocksFreed()).isPositive();
        assertThat(after.superblock().freeBlocksCount()).isEqualTo(after.usage().freeBlocks());
        // emptying it again finds nothing to do and changes no count
        Ext4Editor.Emptying again = Ext4Editor.open(device).emptyDirectories(List.of("/t"));
        assertThat(again.inodesFreed()).isZero();
        assertThat(Ext4Reader.open(device).usage()).isEqualTo(after.usage());
    }

    @Test
    void refusesWhatNeedsRecoveryOrIsNotHandled() throws IOException {
        byte[] base = formatted();
        byte[] image = base.clone();
        editSuperblock(image, sb -> sb.putInt(0x60, sb.getInt(0x60) | 0x4));
        assertRefused(image, "/t", "needs recovery");
        image = base.clone();
        editSuperblock(image, sb -> sb.putShort(0x3A, (short) 0));
        assertRefused(image, "/t", "not cleanly unmounted");
        image = base.clone();
        editSuperblock(image, sb -> sb.putShort(0x3A, (short) 3));
        assertRefused(image, "/t", "errors");
        image = base.clone();
        editSuperblock(image, sb -> sb.putInt(0xE8, 12));
        assertRefused(image, "/t", "orphan list");
        image = base.clone();
        editSuperblock(image, sb -> sb.putInt(0x64, sb.getInt(0x64) | 0x100));
        assertRefused(image, "/t", "quota");
        image = base.clone();
        editSuperblock(image, sb -> sb.putInt(0x60, sb.getInt(0x60) | 0x20000));
        assertRefused(image, "/t", "casefold");
        image = base.clone();
        editSuperblock(image, sb -> sb.putInt(0x60, sb.getInt(0x60) | 0x10000));
        assertRefused(image, "/t", "encrypt");
        assertRefused(base.clone(), "/", "reserved inode 2");
        assertRefused(base.clone(), "/t/small", "not a directory");

        // a journal with transactions in it (jbd2 s_start, big-endian at 0x1C of the journal superblock)
        image = base.clone();
        Ext4Reader reader = Ext4Reader.open(new MemoryBlockDevice(image));
        ByteBuffer root = le(reader.inode(8).iBlock());
        long journalBlock = (root.getInt(12 + 8) & 0xFFFF_FFFFL) | (long) (root.getShort(12 + 6) & 0xFFFF) << 32;
        ByteBuffer.wrap(image).order(ByteOrder.BIG_ENDIAN).putInt((int) (journalBlock * 4096 + 0x1C), 1);
        assertRefused(image, "/t", "journal holds transactions");
    }

    @Test
    void stopsAtCorruptionBeforeItsFirstWrite() throws IOException {
        byte[] base = formatted();
        Ext4Reader reader = Ext4Reader.open(new MemoryBlockDevice(base));

        // an inode below the store whose bytes no longer match its checksum
        byte[] image = base.clone();
        Ext4Inode file = reader.lookup("/t/a/b/file");
        image[(int) file.offset() + 0x10] ^= 1;
        assertCorrupt(image, "inode " + file.number() + " at byte");

        // a directory cycle: /t/a/b's entry "file" renamed into a second name for /t/a
        image = base.clone();
        Ext4Inode a = reader.lookup("/t/a");
        long blockOfB = firstBlock(reader.lookup("/t/a/b"));
        int at = indexOf(image, (int) blockOfB * 4096, "file".getBytes(StandardCharsets.US_ASCII)) - 8;
        le(image).putInt(at, (int) a.number());
        image[at + 7] = 2;
        assertCorrupt(image, "reached twice");

        // an extent that points past the end of the filesystem (checksum made right again)
        image = base.clone();
        le(image).putInt((int) file.offset() + 0x28 + 12 + 8, 5_000_000);
        rechecksumInode(image, file);
        assertCorrupt(image, "outside");

        // a block bitmap whose checksum is wrong
        image = base.clone();
        long bitmap = le(image).getInt(4096) & 0xFFFF_FFFFL;
        image[(int) (bitmap * 4096) + 4000] ^= 0x10;
        assertCorrupt(image, "block bitmap of group 0");
    }

    private static long firstBlock(Ext4Inode inode) {
        ByteBuffer b = le(inode.iBlock());
        return b.getInt(12 + 8) & 0xFFFF_FFFFL;
    }

    private static int indexOf(byte[] haystack, int from, byte[] needle) {
        for (int i = from; i < haystack.length - needle.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    private static void rechecksumInode(byte[] image, Ext4Inode inode) {
        int seed = Crc32c.update(~0, image, 1024 + 0x68, 16);
        int off = (int) inode.offset();
        ByteBuffer in = ByteBuffer.wrap(image, off, 256).slice().order(ByteOrder.LITTLE_ENDIAN);
        in.putShort(0x7C, (short) 0).putShort(0x82, (short) 0);
        int crc = Crc32c.updateInt(Crc32c.updateInt(seed, (int) inode.number()), in.getInt(0x64));
        crc = Crc32c.update(crc, image, off, 256);
        in.putShort(0x7C, (short) crc).putShort(0x82, (short) (crc >>> 16));
    }

    /**
     * Random damage to the metadata of a mke2fs filesystem without metadata_csum (so it reaches
     * the editor's own checks, not only the checksums) filled by debugfs: every outcome is
     * success or our IOException, an exception comes before any write, and nothing hangs.
     */
    @Test
    @Tag(Tags.ORACLE)
    void randomDamageEndsInOurExceptionWithNothingWrittenAndNeverHangs() throws IOException {
        Capabilities.requireTools("mke2fs", "debugfs");
        Path image = dir.resolve("fuzz.img");
        try (ImageFile file = ImageFile.create(image, 8L << 20)) {
            file.flush();
        }
        Tool.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-O", "^metadata_csum,^64bit", "-N", "256",
                image.toString()).ok();
        Path payload = dir.resolve("payload");
        Files.write(payload, new byte[40_000]);
        StringBuilder script = new StringBuilder("mkdir /t\nmkdir /t/d\nmkdir /t/d/e\nmkdir /keep\n");
        for (int i = 0; i < 60; i++) {
            script.append("write ").append(payload).append(" /t/d/f").append(i).append('\n');
        }
        script.append("symlink /t/s /t/d/f1\nmknod /t/w c 0 0\nwrite ").append(payload).append(" /keep/k\n");
        Path commands = dir.resolve("debugfs.cmd");
        Files.writeString(commands, script);
        Tool.run("debugfs", "-w", "-f", commands.toString(), image.toString()).ok();
        byte[] base = Files.readAllBytes(image);
        Ext4Reader reader = Ext4Reader.open(new MemoryBlockDevice(base));
        assertThat(reader.list(reader.lookup("/t/d"))).hasSize(61);
        // the bytes the editor reads: superblock, descriptors, bitmaps, the store's inodes and directory blocks
        List<int[]> targets = new ArrayList<>(List.of(new int[] {1024, 0x100}, new int[] {2048, 1024}));
        ByteBuffer gd = le(base);
        targets.add(new int[] {gd.getInt(2048) * 1024, 1024});
        targets.add(new int[] {gd.getInt(2048 + 4) * 1024, 1024});
        reader.walk(reader.lookup("/t"), "/t", (p, entry, inode) -> {
            targets.add(new int[] {(int) inode.offset(), 160});
            if (inode.isDirectory()) {
                targets.add(new int[] {(int) firstBlock(inode) * 1024, 1024});
            }
        });
        targets.add(new int[] {(int) reader.lookup("/t").offset(), 160});
        targets.add(new int[] {(int) firstBlock(reader.lookup("/t")) * 1024, 1024});
        Random random = new Random(20261122);
        int refused = 0;
        for (int round = 0; round < 400; round++) {
            byte[] image2 = base.clone();
            int flips = 1 + random.nextInt(3);
            for (int i = 0; i < flips; i++) {
                int[] range = targets.get(random.nextInt(targets.size()));
                image2[range[0] + random.nextInt(range[1])] ^= (byte) (1 << random.nextInt(8));
            }
            byte[] before = image2.clone();
            MemoryBlockDevice device = new MemoryBlockDevice(image2);
            boolean threw = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                try {
                    Ext4Editor.open(device).emptyDirectories(List.of("/t"));
                    return false;
                } catch (IOException e) {
                    return true;
                }
            });
            if (threw) {
                refused++;
                assertThat(device.bytesWritten()).as("round " + round).isZero();
                assertThat(image2).isEqualTo(before);
            }
        }
        assertThat(refused).as("damage is caught").isGreaterThan(50);
    }

    /** A device that loses power before its write number {@code cutAt} (counting from 0). */
    private static final class PowerCut implements org.stickwright.engine.io.BlockDevice {
        private final MemoryBlockDevice inner;
        private final int cutAt;
        private int writes;

        PowerCut(MemoryBlockDevice inner, int cutAt) {
            this.inner = inner;
            this.cutAt = cutAt;
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public int logicalSectorSize() {
            return inner.logicalSectorSize();
        }

        @Override
        public int physicalSectorSize() {
            return inner.physicalSectorSize();
        }

        @Override
        public void read(ByteBuffer dst, long position) throws IOException {
            inner.read(dst, position);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            if (writes++ == cutAt) {
                throw new IOException("power cut before write " + cutAt);
            }
            inner.write(src, position);
        }

        @Override
        public void flush() {
        }

        @Override
        public String name() {
            return "power-cut disk";
        }

        @Override
        public void close() {
        }
    }

    /**
     * A power cut before any one of the editor's writes leaves a filesystem e2fsck repairs by
     * freeing leaked blocks and inodes: never a block or inode in use but marked free, never a
     * block claimed twice; and the repaired filesystem is clean.
     */
    @Test
    @Tag(Tags.ORACLE)
    void aPowerCutAtAnyWriteLeavesOnlyLeaksThatE2fsckRepairs() throws IOException {
        Capabilities.requireTools("e2fsck");
        byte[] base = formatted();
        MemoryBlockDevice counting = new MemoryBlockDevice(base.clone());
        Ext4Editor.open(counting).emptyDirectories(List.of("/t"));
        long total = 0;
        for (int cut = 0; ; cut++) {
            MemoryBlockDevice disk = new MemoryBlockDevice(base.clone());
            try {
                Ext4Editor.open(new PowerCut(disk, cut)).emptyDirectories(List.of("/t"));
                break; // every write went through: the cut came after the last one
            } catch (IOException e) {
                assertThat(e).hasMessageContaining("power cut");
            }
            total++;
            Path image = dir.resolve("cut-" + cut + ".img");
            Files.write(image, disk.bytes());
            String found = Tool.run("e2fsck", "-fn", image.toString()).output();
            assertThat(found).as("cut before write " + cut + ":\n" + found)
                    .doesNotContainPattern("(Block|Inode) bitmap differences:[^\n]*\\+")
                    .doesNotContain("Multiply-claimed", "multiply-claimed");
            Tool.run("e2fsck", "-fy", image.toString());
            Tool.Result again = Tool.run("e2fsck", "-fn", image.toString());
            assertThat(again.exitCode()).as("repaired after a cut before write " + cut + ":\n" + again.output()).isZero();
            Files.delete(image);
        }
        assertThat(total).as("writes the editor makes").isGreaterThan(8);
    }

    // ------------------------------------------------------------------ property

    private final List<Path> scratch = new ArrayList<>();

    @Provide
    Arbitrary<List<Ext4RoundTripTest.Spec>> trees() {
        return new Ext4RoundTripTest().trees();
    }

    @AfterProperty
    void removeScratch() throws IOException {
        for (Path p : scratch) {
            Files.deleteIfExists(p);
        }
        scratch.clear();
    }

    /** Any tree our formatter writes below /t empties to an e2fsck-clean filesystem; /keep stays as it was. */
    @Property(tries = 15)
    @net.jqwik.api.Tag(Tags.ORACLE)
    void anyStoreEmptiesCleanlyAndTheRestStays(@ForAll("trees") List<Ext4RoundTripTest.Spec> store,
            @ForAll("trees") List<Ext4RoundTripTest.Spec> kept) throws IOException {
        Capabilities.requireTools("e2fsck");
        List<Ext4Entry> entries = new ArrayList<>(List.of(Ext4Entry.directory("/t", 0755), Ext4Entry.directory("/keep", 0755)));
        entries.addAll(under("/t", Ext4RoundTripTest.toEntries(store)));
        entries.addAll(under("/keep", Ext4RoundTripTest.toEntries(kept)));
        Path image = Files.createTempFile("ext4-editor-property", ".img");
        scratch.add(image);
        Map<String, String> keep;
        try (ImageFile file = ImageFile.create(image, SIZE)) {
            Ext4Formatter.format(file, Ext4Options.labelled("persistence").withEntries(entries));
            keep = digest(Ext4Reader.open(file), "/keep");
            Ext4Editor.open(file).emptyDirectories(List.of("/t"));
            Ext4Reader after = Ext4Reader.open(file);
            assertThat(after.list(after.lookup("/t"))).isEmpty();
            assertThat(digest(after, "/keep")).isEqualTo(keep);
        }
        Tool.Result fsck = Tool.run("e2fsck", "-fn", image.toString());
        assertThat(fsck.exitCode()).as(fsck.output()).isZero();
    }

    private static List<Ext4Entry> under(String root, List<Ext4Entry> entries) {
        return entries.stream().map(e -> new Ext4Entry(root + e.path(), e.kind(), e.permissions(), e.uid(), e.gid(),
                e.content(), e.linkTarget(), e.xattrs())).toList();
    }

    /** Path to (type, content hash, link target, xattrs) of everything below {@code path}. */
    static Map<String, String> digest(Ext4Reader reader, String path) throws IOException {
        Map<String, String> out = new TreeMap<>();
        reader.walk(reader.lookup(path), path, (p, entry, inode) -> {
            StringBuilder d = new StringBuilder(Integer.toOctalString(inode.mode()));
            if (inode.isRegularFile()) {
                MessageDigest sha = Ext4KernelTest.sha256();
                try (InputStream in = reader.openStream(inode)) {
                    sha.update(in.readAllBytes());
                }
                d.append(' ').append(HexFormat.of().formatHex(sha.digest()));
            } else if (inode.isSymlink()) {
                d.append(' ').append(reader.readSymlink(inode));
            }
            for (Map.Entry<String, byte[]> x : new TreeMap<>(reader.xattrs(inode)).entrySet()) {
                d.append(' ').append(x.getKey()).append('=').append(HexFormat.of().formatHex(x.getValue()));
            }
            out.put(p, d.toString());
        });
        return out;
    }
}
