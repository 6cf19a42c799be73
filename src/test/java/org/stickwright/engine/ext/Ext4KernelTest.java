package org.stickwright.engine.ext;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The Linux kernel as the oracle: it mounts what we format and writes into it, and what it writes
 * (and what mke2fs makes) our reader reads the way debugfs does.
 */
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
@Tag(Tags.ORACLE)
class Ext4KernelTest {
    @TempDir
    Path dir;

    /** Mounts {@code image} through a loop device for the length of {@code body}. */
    interface Mounted {
        void run(Path mountPoint) throws Exception;
    }

    static void withMounted(Path image, Path mountPoint, Mounted body) throws Exception {
        Capabilities.requireLoopDevices();
        Capabilities.requireTools("mount", "umount");
        Files.createDirectories(mountPoint);
        try (LoopDevice loop = LoopDevice.attach(image)) {
            Tool.run("mount", "-t", "ext4", loop.device().toString(), mountPoint.toString()).ok();
            try {
                body.run(mountPoint);
            } finally {
                Tool.run("umount", mountPoint.toString()).ok();
            }
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Writes {@code bytes} of seeded random data through the kernel; returns its SHA-256. */
    static String writeRandom(Path file, long bytes, long seed) throws IOException {
        MessageDigest digest = sha256();
        Random random = new Random(seed);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long done = 0; done < bytes; done += chunk.length) {
                random.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, bytes - done);
                out.write(chunk, 0, n);
                digest.update(chunk, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256Of(Ext4Reader reader, Ext4Inode inode) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = reader.openStream(inode)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Test
    void kernelMountsOurFilesystemWritesIntoItAndOurReaderReadsWhatItWrote() throws Exception {
        Capabilities.requireTools("getfattr", "e2fsck");
        Path image = dir.resolve("persistence.img");
        try (ImageFile file = ImageFile.create(image, 512L << 20)) {
            Ext4Formatter.format(file, Ext4FormatterOracleTest.persistenceOptions());
        }
        Path mnt = dir.resolve("mnt");
        Map<String, String> written = new HashMap<>();
        Set<String> names = new TreeSet<>();
        withMounted(image, mnt, root -> {
            assertThat(Files.readString(root.resolve("persistence.conf"))).isEqualTo("/ union\n");
            Path upper = root.resolve("upper");
            assertThat(Files.getAttribute(upper, "unix:uid")).isEqualTo(1000);
            assertThat(Files.getAttribute(upper, "unix:gid")).isEqualTo(1000);
            assertThat((Integer) Files.getAttribute(upper, "unix:mode") & 07777).isEqualTo(0755);
            assertThat((Integer) Files.getAttribute(root.resolve("work"), "unix:mode") & 07777).isEqualTo(0700);
            assertThat(Files.getAttribute(root.resolve("upper/etc/hostname"), "unix:gid")).isEqualTo(4);
            assertThat(Tool.run("getfattr", "--absolute-names", "--only-values", "-n", "trusted.overlay.opaque",
                    upper.toString()).ok().stdout()).isEqualTo("y");
            assertThat(Tool.run("getfattr", "--absolute-names", "-d", "-m", "user.", root.resolve("upper/big.bin").toString())
                    .ok().stdout()).contains("user.comment=");
            assertThat(Files.readSymbolicLink(root.resolve("upper/short")).toString()).isEqualTo("etc/hostname");
            assertThat(Tool.run("stat", "--format=%F %t:%T", root.resolve("upper/etc/deleted").toString()).ok().stdout().trim())
                    .isEqualTo("character special file 0:0");
            assertThat(Files.readSymbolicLink(root.resolve("upper/long")).toString()).endsWith("/target");
            assertThat(Files.isDirectory(root.resolve("LiveOS/overlay-persistence-" + Ext4FormatterOracleTest.UUID_FIXED))).isTrue();

            try (ImageFile live = ImageFile.openReadOnly(image)) {
                Ext4Superblock mounted = Ext4Reader.open(live, false).superblock();
                assertThat(mounted.needsRecovery()).as("a mounted ext4 has its journal in use").isTrue();
            }
            written.put("/upper/100MiB.bin", writeRandom(upper.resolve("100MiB.bin"), 100L << 20, 42));
            Path many = Files.createDirectory(upper.resolve("many"));
            for (int i = 0; i < 4000; i++) {
                String name = "entry-" + i + "-" + "x".repeat(i % 40);
                Files.writeString(many.resolve(name), name);
                names.add(name);
            }
        });
        Tool.Result fsck = Tool.run("e2fsck", "-fn", image.toString());
        assertThat(fsck.exitCode()).as(fsck.output()).isZero();

        try (ImageFile file = ImageFile.openReadOnly(image)) {
            Ext4Reader reader = Ext4Reader.open(file);
            assertThat(reader.superblock().needsRecovery()).isFalse();
            assertThat(reader.superblock().cleanlyUnmounted()).isTrue();
            Ext4Inode big = reader.lookup("/upper/100MiB.bin");
            assertThat(big.size()).isEqualTo(100L << 20);
            assertThat(sha256Of(reader, big)).isEqualTo(written.get("/upper/100MiB.bin"));
            Ext4Inode many = reader.lookup("/upper/many");
            assertThat(many.isHtree()).as("the kernel indexed the big directory").isTrue();
            List<Ext4DirEntry> entries = reader.list(many);
            Set<String> listed = new TreeSet<>();
            entries.forEach(e -> listed.add(e.name()));
            assertThat(entries).hasSize(names.size());
            assertThat(listed).isEqualTo(names);
            Ext4Inode one = reader.lookup("/upper/many/entry-77-" + "x".repeat(37));
            assertThat(new String(reader.readAll(one, 4096), StandardCharsets.UTF_8)).isEqualTo("entry-77-" + "x".repeat(37));
            String dump = Tool.run("dumpe2fs", "-h", image.toString()).ok().stdout();
            assertThat(reader.usage().freeBlocks()).isEqualTo(Long.parseLong(Ext4FormatterOracleTest.field(dump, "Free blocks")));
            assertThat(reader.usage().freeInodes()).isEqualTo(Long.parseLong(Ext4FormatterOracleTest.field(dump, "Free inodes")));
        }
    }

    /**
     * A used stick is full of old data and we zero nothing: uninitialised groups, unzeroed inode
     * tables and the unzeroed journal must never be mistaken for metadata, by e2fsck or the kernel.
     */
    @Test
    void formattingOverStaleDataNeedsNoZeroing() throws Exception {
        Capabilities.requireTools("e2fsck");
        Path image = dir.resolve("stale.img");
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(11);
        try (OutputStream out = Files.newOutputStream(image)) {
            for (int i = 0; i < 200; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        try (ImageFile file = ImageFile.openReadWrite(image)) {
            Ext4Formatter.format(file, Ext4FormatterOracleTest.persistenceOptions());
        }
        Tool.Result before = Tool.run("e2fsck", "-fn", image.toString());
        assertThat(before.exitCode()).as(before.output()).isZero();
        String[] digest = new String[1];
        withMounted(image, dir.resolve("mnt"), root -> {
            assertThat(Files.readString(root.resolve("persistence.conf"))).isEqualTo("/ union\n");
            digest[0] = writeRandom(root.resolve("upper/data.bin"), 40L << 20, 5);
            Path many = Files.createDirectory(root.resolve("upper/many"));
            for (int i = 0; i < 1500; i++) {
                Files.createFile(many.resolve("f" + i));
            }
        });
        Tool.Result after = Tool.run("e2fsck", "-fn", image.toString());
        assertThat(after.exitCode()).as(after.output()).isZero();
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            Ext4Reader reader = Ext4Reader.open(file);
            assertThat(sha256Of(reader, reader.lookup("/upper/data.bin"))).isEqualTo(digest[0]);
            assertThat(reader.list(reader.lookup("/upper/many"))).hasSize(1500);
        }
    }

    /**
     * mke2fs makes the filesystem, the kernel fills it (an extent tree two levels below the
     * inode, holes, fast and slow symlinks, in-inode and block xattrs, an htree directory);
     * every directory our reader lists must match {@code debugfs ls -p}.
     */
    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {1024, 4096})
    void readerAgreesWithDebugfsOnAKernelPopulatedMke2fsFilesystem(int blockSize) throws Exception {
        Capabilities.requireTools("mke2fs", "debugfs", "setfattr", "dumpe2fs", "mknod", "mkfifo");
        Path image = dir.resolve("mke2fs.img");
        try (ImageFile file = ImageFile.create(image, 128L << 20)) {
            file.flush();
        }
        Tool.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", String.valueOf(blockSize), "-L", "kernel", image.toString()).ok();
        Map<String, String> digests = new HashMap<>();
        Map<String, String> links = Map.of("/fast", "a/short/target", "/slow", "/" + "deep/".repeat(40) + "end");
        int xattrBig = blockSize == 1024 ? 700 : 3000;
        withMounted(image, dir.resolve("mnt"), root -> {
            // one block every other block: no two extents merge, so 2000 extents need a tree of depth 2
            Path fragmented = root.resolve("fragmented.bin");
            MessageDigest digest = sha256();
            byte[] block = new byte[blockSize];
            byte[] zero = new byte[blockSize];
            Random random = new Random(7);
            try (FileChannel ch = FileChannel.open(fragmented, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                for (int i = 0; i < 2000; i++) {
                    random.nextBytes(block);
                    ch.write(ByteBuffer.wrap(block), 2L * i * blockSize);
                    digest.update(block);
                    if (i < 1999) {
                        digest.update(zero);
                    }
                }
            }
            digests.put("/fragmented.bin", HexFormat.of().formatHex(digest.digest()));
            Files.createDirectories(root.resolve("d1/d2/d3"));
            digests.put("/d1/d2/d3/data.bin", writeRandom(root.resolve("d1/d2/d3/data.bin"), 10L << 20, 3));
            Files.writeString(root.resolve("d1/small.txt"), "small\n");
            for (Map.Entry<String, String> l : links.entrySet()) {
                Files.createSymbolicLink(root.resolve(l.getKey().substring(1)), Path.of(l.getValue()));
            }
            Path attrs = root.resolve("d1/small.txt");
            Tool.run("setfattr", "-n", "user.small", "-v", "hello", attrs.toString()).ok();
            Tool.run("setfattr", "-n", "user.big", "-v", "0x" + "ab".repeat(xattrBig), attrs.toString()).ok();
            Tool.run("mknod", root.resolve("whiteout").toString(), "c", "0", "0").ok();
            Tool.run("mknod", root.resolve("null").toString(), "c", "1", "3").ok();
            Tool.run("mknod", root.resolve("nvme").toString(), "b", "259", "70000").ok();
            Tool.run("mkfifo", root.resolve("fifo").toString()).ok();
            Path many = Files.createDirectory(root.resolve("many"));
            for (int i = 0; i < 2500; i++) {
                Files.createFile(many.resolve("file-with-a-longer-name-" + i));
            }
        });

        try (ImageFile file = ImageFile.openReadOnly(image)) {
            Ext4Reader reader = Ext4Reader.open(file);
            assertThat(reader.superblock().blockSize()).isEqualTo(blockSize);
            assertThat(reader.superblock().label()).isEqualTo("kernel");
            List<String> dirs = new ArrayList<>(List.of("/"));
            Map<String, Ext4Inode> byPath = new HashMap<>();
            reader.walk(reader.root(), "/", (path, entry, inode) -> {
                byPath.put(path, inode);
                if (inode.isDirectory()) {
                    dirs.add(path);
                }
            });
            for (String path : dirs) {
                Set<String> ours = new HashSet<>();
                for (Ext4DirEntry e : reader.list(path.equals("/") ? reader.root() : byPath.get(path))) {
                    ours.add(e.inode() + "/" + e.name());
                }
                assertThat(ours).as("listing of " + path).isEqualTo(debugfsListing(image, path));
            }
            Ext4Inode fragmented = byPath.get("/fragmented.bin");
            int depth = ByteBuffer.wrap(fragmented.iBlock()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getShort(6);
            assertThat(depth).as("extent tree depth").isGreaterThanOrEqualTo(2);
            for (Map.Entry<String, String> d : digests.entrySet()) {
                assertThat(sha256Of(reader, byPath.get(d.getKey()))).as(d.getKey()).isEqualTo(d.getValue());
            }
            for (Map.Entry<String, String> l : links.entrySet()) {
                assertThat(reader.readSymlink(byPath.get(l.getKey()))).isEqualTo(l.getValue());
            }
            Ext4Inode small = byPath.get("/d1/small.txt");
            Map<String, byte[]> xattrs = reader.xattrs(small);
            assertThat(xattrs.get("user.small")).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(xattrs.get("user.big")).hasSize(xattrBig).containsOnly((byte) 0xAB);
            assertThat(small.xattrBlock()).as("the big value lives in an xattr block").isNotZero();
            assertThat(byPath.get("/whiteout").isWhiteout()).isTrue();
            Ext4Inode nul = byPath.get("/null");
            assertThat(nul.isCharDevice() && !nul.isWhiteout()).isTrue();
            assertThat(new int[] {nul.deviceMajor(), nul.deviceMinor()}).containsExactly(1, 3);
            Ext4Inode nvme = byPath.get("/nvme");
            assertThat(nvme.isBlockDevice()).isTrue();
            assertThat(new int[] {nvme.deviceMajor(), nvme.deviceMinor()}).containsExactly(259, 70000);
            assertThat(byPath.get("/fifo").isFifo()).isTrue();
            assertThat(byPath.get("/many").isHtree()).isTrue();
            assertThat(reader.list(byPath.get("/many"))).hasSize(2500);
            String dump = Tool.run("dumpe2fs", "-h", image.toString()).ok().stdout();
            assertThat(reader.usage().freeBlocks()).isEqualTo(Long.parseLong(Ext4FormatterOracleTest.field(dump, "Free blocks")));
            assertThat(reader.usage().freeInodes()).isEqualTo(Long.parseLong(Ext4FormatterOracleTest.field(dump, "Free inodes")));
        }
    }

    /** {@code debugfs ls -p} prints /inode/mode/uid/gid/name/size/ per entry. */
    static Set<String> debugfsListing(Path image, String path) {
        String out = Tool.run("debugfs", "-R", "ls -p " + path, image.toString()).ok().stdout();
        Set<String> entries = new HashSet<>();
        for (String line : out.split("\n")) {
            String[] f = line.split("/", -1);
            if (f.length < 7 || f[5].equals(".") || f[5].equals("..") || f[1].equals("0")) {
                continue;
            }
            entries.add(f[1] + "/" + f[5]);
        }
        return entries;
    }
}
