package org.stickwright.engine.ext;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The kernel writes an overlayfs-like tree into ext4 volumes made by mke2fs (several feature
 * sets and block sizes) and by our formatter; {@link Ext4Editor} empties the upper and work
 * directories offline; then e2fsck -fn must find nothing, dumpe2fs's free counts must equal
 * what e2fsck counts, the kernel must mount it, see both directories empty, every other file
 * unchanged (content, xattrs, symlinks, names) and write new files there.
 */
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
@Tag(Tags.ORACLE)
class Ext4EditorKernelTest {
    private static final Pattern E2FSCK_SUMMARY = Pattern.compile("(\\d+)/(\\d+) files .*?, (\\d+)/(\\d+) blocks");
    private static final byte[] SHARED_OUT = filled(600, 'o');
    private static final byte[] SHARED_IN = filled(600, 'i');

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "ext4-1k", "ext4-small-groups", "ext4-uninit-bg", "ext4-inline-data", "ext4-128-inodes",
            "ext3", "formatter"})
    void emptiesTheUpperAndWorkDirectoriesTheKernelFilled(String flavour) throws Exception {
        Capabilities.requireRoot();
        Capabilities.requireTools("mke2fs", "e2fsck", "dumpe2fs", "setfattr", "mknod", "mkfifo");
        Path image = dir.resolve(flavour + ".img");
        make(image, flavour);
        Path mnt = dir.resolve("mnt");
        boolean extents = !flavour.equals("ext3");
        Map<String, String> before = new TreeMap<>();
        Ext4KernelTest.withMounted(image, mnt, root -> {
            populate(root, blockSize(image));
            before.putAll(describeOutside(root));
            assertThat(Files.getAttribute(root.resolve("keep/linked-out"), "unix:nlink")).isEqualTo(2);
        });
        assertClean(image);
        long freeBefore = freeBlocks(image);

        try (ImageFile file = ImageFile.openReadOnly(image)) {
            Ext4Reader reader = Ext4Reader.open(file);
            // the cases the tree was built to hold really are there
            long sharedIn = reader.lookup("/store/upper/xattr/shared-in-1").xattrBlock();
            assertThat(sharedIn).isNotZero().isEqualTo(reader.lookup("/store/upper/xattr/shared-in-2").xattrBlock());
            long sharedOut = reader.lookup("/keep/shared-out").xattrBlock();
            assertThat(sharedOut).isNotZero().isEqualTo(reader.lookup("/store/upper/xattr/shared-with-outside").xattrBlock());
            assertThat(reader.lookup("/store/upper/big").isHtree()).isTrue();
            if (extents) {
                assertThat(reader.lookup("/store/upper/fragmented.bin").iBlock()[6]).as("extent depth").isGreaterThanOrEqualTo((byte) 2);
            }
        }

        Ext4Editor.Emptying done;
        try (ImageFile file = ImageFile.openReadWrite(image)) {
            done = Ext4Editor.open(file).emptyDirectories(List.of("/store/upper", "/store/work"));
        }
        assertThat(done.names()).isGreaterThan(1550);
        assertThat(done.linksDropped()).isEqualTo(1);
        // the block two inside files share; with 128-byte inodes also the opaque dir's and user.a's own blocks
        assertThat(done.xattrBlocksReleased()).isEqualTo(flavour.equals("ext4-128-inodes") ? 3 : 1);
        assertThat(done.directoriesFreed()).isGreaterThan(30);
        assertClean(image);
        assertThat(freeBlocks(image) - freeBefore).isEqualTo(done.blocksFreed()).isGreaterThan(3000);

        Ext4KernelTest.withMounted(image, mnt, root -> {
            try (Stream<Path> upper = Files.list(root.resolve("store/upper"));
                    Stream<Path> work = Files.list(root.resolve("store/work"))) {
                assertThat(upper).isEmpty();
                assertThat(work).isEmpty();
            }
            assertThat(Files.getAttribute(root.resolve("store/upper"), "unix:nlink")).isEqualTo(2);
            assertThat(Files.getAttribute(root.resolve("keep/linked-out"), "unix:nlink")).isEqualTo(1);
            assertThat(describeOutside(root)).isEqualTo(before);
            // the emptied directory takes new files, a new htree and a new subtree
            Path upper = root.resolve("store/upper");
            Files.createDirectories(upper.resolve("etc/new"));
            for (int i = 0; i < 1200; i++) {
                Files.writeString(upper.resolve("etc/new/file-" + i), "new " + i);
            }
            Ext4KernelTest.writeRandom(upper.resolve("new.bin"), 3 << 20, 7);
            Tool.run("setfattr", "-n", "user.big", "-v", new String(SHARED_IN), upper.resolve("new.bin").toString()).ok();
        });
        assertClean(image);
    }

    private static byte[] filled(int length, char c) {
        byte[] out = new byte[length];
        Arrays.fill(out, (byte) c);
        return out;
    }

    private void make(Path image, String flavour) throws IOException {
        if (flavour.equals("formatter")) {
            try (ImageFile file = ImageFile.create(image, 512L << 20)) {
                Ext4Formatter.format(file, Ext4Options.labelled("persistence"));
            }
            return;
        }
        try (ImageFile file = ImageFile.create(image, 192L << 20)) {
            file.flush();
        }
        List<String> command = new ArrayList<>(List.of("mke2fs", "-q", "-F", "-L", "persistence"));
        command.addAll(switch (flavour) {
            case "ext4" -> List.of("-t", "ext4");
            case "ext4-1k" -> List.of("-t", "ext4", "-b", "1024");
            case "ext4-small-groups" -> List.of("-t", "ext4", "-g", "4096", "-G", "4");
            case "ext4-uninit-bg" -> List.of("-t", "ext4", "-O", "^metadata_csum,^64bit,uninit_bg");
            case "ext4-inline-data" -> List.of("-t", "ext4", "-O", "inline_data");
            case "ext4-128-inodes" -> List.of("-t", "ext4", "-I", "128", "-b", "2048");
            case "ext3" -> List.of("-t", "ext3");
            default -> throw new IllegalArgumentException(flavour);
        });
        command.add(image.toString());
        Tool.run(command.toArray(String[]::new)).ok();
    }

    private static int blockSize(Path image) throws IOException {
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            return Ext4Reader.open(file, false).superblock().blockSize();
        }
    }

    /** An overlayfs upper and work directory with every kind of inode, and files outside that must survive. */
    private static void populate(Path root, int blockSize) throws IOException {
        Path keep = Files.createDirectories(root.resolve("keep"));
        Ext4KernelTest.writeRandom(keep.resolve("a.bin"), 100_000, 1);
        Ext4KernelTest.writeRandom(keep.resolve("linked-out"), 5000, 2);
        Files.writeString(keep.resolve("shared-out"), "outside");
        setfattr(keep.resolve("shared-out"), "user.big", SHARED_OUT);
        Path other = Files.createDirectories(root.resolve("other/upper"));
        Files.createDirectories(root.resolve("other/work"));
        Ext4KernelTest.writeRandom(other.resolve("profile-file"), 300_000, 3);
        Files.createSymbolicLink(other.resolve("link"), Path.of("profile-file"));

        Path upper = Files.createDirectories(root.resolve("store/upper"));
        Path work = Files.createDirectories(root.resolve("store/work/work"));
        Files.writeString(work.resolve("tmpfile"), "in the work dir");
        long seed = 10;
        for (int size : new int[] {0, 1, 59, 60, 61, 100, 4095, 4096, 4097, 65536, (1 << 20) + 3}) {
            Ext4KernelTest.writeRandom(upper.resolve("size-" + size), size, seed++);
        }
        try (FileChannel sparse = FileChannel.open(upper.resolve("sparse.img"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            for (long at : new long[] {0, 1L << 30, (3L << 29) - 4096}) {
                sparse.write(ByteBuffer.wrap(filled(4096, 's')), at);
            }
        }
        try (FileChannel fragmented = FileChannel.open(upper.resolve("fragmented.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            byte[] block = filled(blockSize, 'f');
            for (int i = 0; i < 3000; i++) {
                fragmented.write(ByteBuffer.wrap(block), 2L * i * blockSize);
            }
        }
        Path deep = upper;
        for (int i = 0; i < 30; i++) {
            deep = Files.createDirectories(deep.resolve("d" + i));
        }
        Files.writeString(deep.resolve("leaf.txt"), "at the bottom");
        Path big = Files.createDirectories(upper.resolve("big"));
        for (int i = 0; i < 1500; i++) {
            Path entry = big.resolve("entry-with-a-longer-name-" + i);
            if (i % 100 == 0) {
                Files.createDirectory(entry);
            } else {
                Files.writeString(entry, i % 7 == 0 ? "content " + i : "");
            }
        }
        Path links = Files.createDirectories(upper.resolve("links"));
        Files.createSymbolicLink(links.resolve("fast"), Path.of("../size-1"));
        Files.createSymbolicLink(links.resolve("slow"), Path.of("x".repeat(200)));
        Tool.run("mknod", upper.resolve("whiteout").toString(), "c", "0", "0").ok();
        Tool.run("mknod", links.resolve("deleted-too").toString(), "c", "0", "0").ok();
        Tool.run("mkfifo", upper.resolve("fifo").toString()).ok();
        Path xattr = Files.createDirectories(upper.resolve("xattr"));
        Tool.run("setfattr", "-n", "trusted.overlay.opaque", "-v", "y", xattr.toString()).ok();
        Files.writeString(xattr.resolve("small"), "small xattr");
        setfattr(xattr.resolve("small"), "user.a", "1".getBytes());
        for (String name : List.of("shared-in-1", "shared-in-2")) {
            Files.writeString(xattr.resolve(name), name);
            setfattr(xattr.resolve(name), "user.big", SHARED_IN);
        }
        Files.writeString(xattr.resolve("shared-with-outside"), "inside");
        setfattr(xattr.resolve("shared-with-outside"), "user.big", SHARED_OUT);
        Files.createLink(upper.resolve("linked-in"), keep.resolve("linked-out"));
        Files.writeString(upper.resolve("pair-1"), "both names inside");
        Files.createLink(links.resolve("pair-2"), upper.resolve("pair-1"));
    }

    private static void setfattr(Path file, String name, byte[] value) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        view.write(name.substring("user.".length()), ByteBuffer.wrap(value));
    }

    /** Every path outside store/upper and store/work with its type, content hash, link target, xattrs. */
    private static Map<String, String> describeOutside(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String rel = root.relativize(p).toString();
                if (rel.startsWith("store/upper/") || rel.startsWith("store/work/") || rel.startsWith("lost+found")) {
                    continue;
                }
                StringBuilder d = new StringBuilder();
                if (Files.isSymbolicLink(p)) {
                    d.append("link ").append(Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    d.append("dir");
                } else {
                    MessageDigest digest = Ext4KernelTest.sha256();
                    digest.update(Files.readAllBytes(p));
                    d.append("file ").append(HexFormat.of().formatHex(digest.digest()));
                    UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
                    for (String name : new java.util.TreeSet<>(view.list())) {
                        ByteBuffer value = ByteBuffer.allocate(view.size(name));
                        view.read(name, value);
                        d.append(' ').append(name).append('=').append(HexFormat.of().formatHex(value.array()));
                    }
                }
                out.put(rel, d.toString());
            }
        }
        return out;
    }

    /** e2fsck -fn finds nothing, and dumpe2fs's free counts are what e2fsck counted. */
    static void assertClean(Path image) {
        Tool.Result fsck = Tool.run("e2fsck", "-fn", image.toString());
        assertThat(fsck.exitCode()).as(fsck.output()).isZero();
        Matcher m = E2FSCK_SUMMARY.matcher(fsck.stdout());
        assertThat(m.find()).as(fsck.stdout()).isTrue();
        long usedInodes = Long.parseLong(m.group(1));
        long inodes = Long.parseLong(m.group(2));
        long usedBlocks = Long.parseLong(m.group(3));
        long blocks = Long.parseLong(m.group(4));
        String header = Tool.run("dumpe2fs", "-h", image.toString()).ok().stdout();
        assertThat(field(header, "Free inodes")).isEqualTo(inodes - usedInodes);
        assertThat(field(header, "Free blocks")).isEqualTo(blocks - usedBlocks);
    }

    static long freeBlocks(Path image) {
        return field(Tool.run("dumpe2fs", "-h", image.toString()).ok().stdout(), "Free blocks");
    }

    private static long field(String dumpe2fs, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s+(\\d+)").matcher(dumpe2fs);
        assertThat(m.find()).as(name + " in\n" + dumpe2fs).isTrue();
        return Long.parseLong(m.group(1));
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    static Random random(long seed) {
        return new Random(seed);
    }
}
