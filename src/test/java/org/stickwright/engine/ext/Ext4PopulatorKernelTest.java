package org.stickwright.engine.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stickwright.engine.ext.Ext4Populator.Item;
import org.stickwright.engine.ext.Ext4Populator.Type;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

/**
 * {@link Ext4Populator} fills an empty directory of ext4 volumes made by mke2fs (several feature
 * sets, block and inode sizes, group layouts) and by our formatter with every kind of inode;
 * then e2fsck -fn finds nothing (with dumpe2fs's free counts equal to e2fsck's), and the kernel,
 * mounting it, shows exactly the tree that was asked for (type, mode, owner, mtime, size,
 * content, link target, link count, device number, every xattr) with the files that were
 * there before unchanged.
 */
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
@Tag(Tags.ORACLE)
class Ext4PopulatorKernelTest {
    private static final long MTIME = 1_700_000_000L;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"formatter", "ext4", "ext4-1k", "ext4-small-groups", "ext4-uninit-bg", "ext4-128-inodes"})
    void theKernelSeesTheTreeThatWasAskedFor(String flavour) throws Exception {
        Capabilities.requireRoot();
        Capabilities.requireTools("mke2fs", "e2fsck", "dumpe2fs", "debugfs", "getfattr");
        Path image = make(flavour);
        Map<String, byte[]> contents = new LinkedHashMap<>();
        List<Item> items = tree(contents, flavour.equals("ext4-128-inodes"));
        Path mnt = dir.resolve("mnt");
        Map<String, String> keptBefore = new TreeMap<>();
        Ext4KernelTest.withMounted(image, mnt, root -> keptBefore.putAll(describe(root.resolve("keep"))));

        Ext4Populator.Population planned;
        Ext4Populator.Population done;
        try (ImageFile file = ImageFile.openReadWrite(image)) {
            planned = Ext4Populator.plan(file, "/store", items);
            done = Ext4Populator.populate(file, "/store", items, sink -> {
                for (Map.Entry<String, byte[]> e : contents.entrySet()) {
                    sink.write(e.getKey(), new ByteArrayInputStream(e.getValue()));
                }
            });
        }
        assertThat(done).isEqualTo(planned);
        assertThat(done.names()).isEqualTo(items.size());
        Ext4EditorKernelTest.assertClean(image);

        Ext4KernelTest.withMounted(image, mnt, root -> {
            assertThat(describe(root.resolve("store"))).isEqualTo(expected(items, contents));
            assertThat(describe(root.resolve("keep"))).isEqualTo(keptBefore);
            // the kernel goes on writing into the filled tree
            Ext4KernelTest.writeRandom(root.resolve("store/upper/etc/after.bin"), 2 << 20, 99);
            Files.delete(root.resolve("store/upper/etc/hostname"));
        });
        Ext4EditorKernelTest.assertClean(image);
    }

    @Test
    void aFileSpreadOverManyHolesGetsAnExtentTreeOfLeafBlocks() throws Exception {
        Capabilities.requireRoot();
        Capabilities.requireTools("mke2fs", "e2fsck", "dumpe2fs", "debugfs", "getfattr");
        Path image = make("ext4");
        // 600 one-block files, every other one deleted: the free space starts as 300 holes
        // (the target sits beside them: allocation starts in the target's group)
        StringBuilder commands = new StringBuilder("mkdir /holes\nmkdir /holes/target\n");
        byte[] filler = new byte[4096];
        java.util.Arrays.fill(filler, (byte) 'h'); // not zeros: debugfs would write a sparse file
        Path block = Files.write(dir.resolve("block"), filler);
        for (int i = 0; i < 600; i++) {
            commands.append("write ").append(block).append(" /holes/f").append(i).append('\n');
        }
        for (int i = 0; i < 600; i += 2) {
            commands.append("rm /holes/f").append(i).append('\n');
        }
        Path script = Files.writeString(dir.resolve("holes.debugfs"), commands);
        Tool.run("debugfs", "-w", "-f", script.toString(), image.toString()).ok();
        Ext4EditorKernelTest.assertClean(image);

        byte[] content = new byte[3 << 20];
        new Random(5).nextBytes(content);
        List<Item> items = List.of(new Item("spread.bin", Type.FILE, 0644, 0, 0, MTIME, content.length, null, 0, 0,
                Map.of()));
        try (ImageFile file = ImageFile.openReadWrite(image)) {
            Ext4Populator.populate(file, "/holes/target", items,
                    sink -> sink.write("spread.bin", new ByteArrayInputStream(content)));
        }
        Ext4EditorKernelTest.assertClean(image);
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            Ext4Reader reader = Ext4Reader.open(file);
            assertThat(reader.lookup("/holes/target/spread.bin").iBlock()[6]).as("extent depth").isEqualTo((byte) 1);
        }
        Path mnt = dir.resolve("mnt");
        Ext4KernelTest.withMounted(image, mnt, root ->
                assertThat(Files.readAllBytes(root.resolve("holes/target/spread.bin"))).isEqualTo(content));
    }

    @Test
    void badTreesAndFullDirectoriesAreRefusedBeforeAnyWrite() throws Exception {
        Capabilities.requireTools("mke2fs", "debugfs");
        Path image = make("ext4");
        String before = TestImages.sha256(image);
        Item dirItem = new Item("a", Type.DIRECTORY, 0755, 0, 0, MTIME, 0, null, 0, 0, Map.of());
        Item orphan = new Item("missing/b", Type.FILE, 0644, 0, 0, MTIME, 0, null, 0, 0, Map.of());
        Item escape = new Item("../b", Type.FILE, 0644, 0, 0, MTIME, 0, null, 0, 0, Map.of());
        Item link = new Item("l", Type.HARD_LINK, 0, 0, 0, MTIME, 0, "a", 0, 0, Map.of());
        Item file = new Item("f", Type.FILE, 0644, 0, 0, MTIME, 5, null, 0, 0, Map.of());
        try (ImageFile img = ImageFile.openReadWrite(image)) {
            assertThatThrownBy(() -> Ext4Populator.plan(img, "/store", List.of(orphan)))
                    .hasMessageContaining("parent directory is not in the tree");
            assertThatThrownBy(() -> Ext4Populator.plan(img, "/store", List.of(escape)))
                    .hasMessageContaining("not a relative path");
            assertThatThrownBy(() -> Ext4Populator.plan(img, "/store", List.of(dirItem, link)))
                    .hasMessageContaining("hard link to 'a'");
            assertThatThrownBy(() -> Ext4Populator.plan(img, "/keep", List.of(dirItem)))
                    .hasMessageContaining("/keep is not empty");
            img.flush();
            assertThat(TestImages.sha256(image)).as("planning refusals write nothing").isEqualTo(before);
            assertThatThrownBy(() -> Ext4Populator.populate(img, "/store", List.of(file),
                    sink -> sink.write("f", new ByteArrayInputStream(new byte[3]))))
                    .hasMessageContaining("f: content ends after 3 of 5 bytes");
        }
        Path inline = make("ext4-inline-data");
        try (ImageFile img = ImageFile.openReadOnly(inline)) {
            assertThatThrownBy(() -> Ext4Populator.plan(img, "/store", List.of(dirItem)))
                    .hasMessageContaining("inline_data");
        }
        // the short content went into blocks still marked free: the filesystem is as it was
        Ext4EditorKernelTest.assertClean(image);
        assertThat(Tool.run("debugfs", "-R", "ls -l /store", image.toString()).ok().stdout()).doesNotContain(" f");
    }

    // ------------------------------------------------------------------ the tree

    /** Every kind of inode an overlayfs upper holds, plus the cases that stress the layout. */
    private static List<Item> tree(Map<String, byte[]> contents, boolean smallInodes) {
        List<Item> items = new ArrayList<>();
        items.add(dir("upper", 0755, 0, 0, Map.of("trusted.overlay.opaque", bytes("y"))));
        items.add(dir("upper/etc", 0750, 1000, 1000, Map.of()));
        items.add(dir("work", 0755, 0, 0, Map.of()));
        items.add(dir("work/work", 0, 0, 0, Map.of()));
        items.add(file(contents, "upper/etc/hostname", 0644, 0, 0, bytes("stickwright\n"),
                Map.of("security.selinux", bytes("system_u:object_r:etc_t:s0\0"))));
        long seed = 1;
        for (int size : new int[] {0, 1, 4095, 4096, 4097, (1 << 20) + 3}) {
            byte[] data = new byte[size];
            new Random(seed++).nextBytes(data);
            items.add(file(contents, "upper/size-" + size, 0600, 0, 0, data, Map.of()));
        }
        items.add(file(contents, "upper/setuid", 04755, 70000, 70001, bytes("#!/bin/sh\n"), Map.of()));
        byte[] big = new byte[600];
        java.util.Arrays.fill(big, (byte) 'b');
        items.add(file(contents, "upper/big-xattr", 0644, 0, 0, bytes("x"),
                Map.of("user.big", big, "user.small", bytes("1"))));
        items.add(dir("upper/many", 0755, 0, 0, Map.of()));
        for (int i = 0; i < 300; i++) {
            if (i % 50 == 0) {
                items.add(dir("upper/many/a-directory-with-a-longer-name-" + i, 0755, 0, 0, Map.of()));
            } else {
                items.add(file(contents, "upper/many/a-file-with-a-longer-name-" + i, 0644, 0, 0,
                        bytes("file " + i), Map.of()));
            }
        }
        items.add(dir("upper/links", 0755, 0, 0, Map.of()));
        items.add(new Item("upper/links/fast", Type.SYMLINK, 0777, 0, 0, MTIME, 0, "../etc/hostname", 0, 0, Map.of()));
        items.add(new Item("upper/links/slow", Type.SYMLINK, 0777, 0, 0, MTIME, 0, "x".repeat(200), 0, 0, Map.of()));
        items.add(new Item("upper/links/pair", Type.HARD_LINK, 0, 0, 0, 0, 0, "upper/etc/hostname", 0, 0, Map.of()));
        items.add(new Item("upper/deleted", Type.CHAR_DEVICE, 0, 0, 0, MTIME, 0, null, 0, 0, Map.of()));
        items.add(new Item("upper/tty", Type.CHAR_DEVICE, 0620, 0, 5, MTIME, 0, null, 4, 64, Map.of()));
        items.add(new Item("upper/nvme", Type.BLOCK_DEVICE, 0660, 0, 6, MTIME, 0, null, 259, 70000, Map.of()));
        items.add(new Item("upper/fifo", Type.FIFO, 0644, 0, 0, MTIME, 0, null, 0, 0, Map.of()));
        if (!smallInodes) {
            items.add(new Item("upper/after-2038", Type.FILE, 0644, 0, 0, 4_400_000_000L, 0, null, 0, 0, Map.of()));
            contents.put("upper/after-2038", new byte[0]);
        }
        return items;
    }

    private static Item dir(String path, int mode, long uid, long gid, Map<String, byte[]> xattrs) {
        return new Item(path, Type.DIRECTORY, mode, uid, gid, MTIME + path.length(), 0, null, 0, 0, xattrs);
    }

    private static Item file(Map<String, byte[]> contents, String path, int mode, long uid, long gid, byte[] data,
            Map<String, byte[]> xattrs) {
        contents.put(path, data);
        return new Item(path, Type.FILE, mode, uid, gid, MTIME - path.length(), data.length, null, 0, 0, xattrs);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** What the kernel must show for the items: the same form as {@link #describe}. */
    private static Map<String, String> expected(List<Item> items, Map<String, byte[]> contents) {
        Map<String, Item> byPath = new TreeMap<>();
        Map<String, Integer> links = new TreeMap<>();
        for (Item i : items) {
            byPath.put(i.path(), i);
        }
        for (Item i : items) {
            if (i.type() == Type.HARD_LINK) {
                links.merge(i.link(), 1, Integer::sum);
            } else if (i.type() == Type.DIRECTORY) {
                int slash = i.path().lastIndexOf('/');
                links.merge(slash < 0 ? "" : i.path().substring(0, slash), 1, Integer::sum);
            }
        }
        Map<String, String> out = new TreeMap<>();
        for (Item i : items) {
            Item real = i.type() == Type.HARD_LINK ? byPath.get(i.link()) : i;
            int nlink = (real.type() == Type.DIRECTORY ? 2 : 1) + links.getOrDefault(real.path(), 0);
            String what = switch (real.type()) {
                case FILE -> "file " + sha(contents.get(real.path()));
                case DIRECTORY -> "dir";
                case SYMLINK -> "link " + real.link();
                case CHAR_DEVICE -> "char " + real.deviceMajor() + ":" + real.deviceMinor();
                case BLOCK_DEVICE -> "block " + real.deviceMajor() + ":" + real.deviceMinor();
                case FIFO -> "fifo";
                case HARD_LINK -> throw new AssertionError();
            };
            String mode = real.type() == Type.SYMLINK ? "" : " mode " + Integer.toOctalString(real.mode());
            StringBuilder x = new StringBuilder();
            new TreeMap<>(real.xattrs()).forEach((k, v) -> x.append(' ').append(k).append("=0x")
                    .append(HexFormat.of().formatHex(v)));
            out.put(i.path(), what + mode + " owner " + real.uid() + ":" + real.gid() + " mtime " + real.mtime()
                    + " nlink " + nlink + x);
        }
        out.put("", out.getOrDefault("", "root"));
        return out;
    }

    /** Everything below {@code top} as the kernel shows it. */
    private static Map<String, String> describe(Path top) throws IOException {
        Map<String, String> xattrs = xattrs(top);
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(top)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String rel = top.relativize(p).toString();
                if (rel.isEmpty()) {
                    out.put("", "root");
                    continue;
                }
                LinkOption no = LinkOption.NOFOLLOW_LINKS;
                int mode = (Integer) Files.getAttribute(p, "unix:mode", no);
                long rdev = (Long) Files.getAttribute(p, "unix:rdev", no);
                long major = ((rdev >>> 8) & 0xFFF) | ((rdev >>> 32) & ~0xFFFL);
                long minor = (rdev & 0xFF) | ((rdev >>> 12) & ~0xFFL);
                String what = switch (mode & 0170000) {
                    case 0100000 -> "file " + sha(Files.readAllBytes(p));
                    case 0040000 -> "dir";
                    case 0120000 -> "link " + Files.readSymbolicLink(p);
                    case 0020000 -> "char " + major + ":" + minor;
                    case 0060000 -> "block " + major + ":" + minor;
                    case 0010000 -> "fifo";
                    default -> "other " + Integer.toOctalString(mode);
                };
                String perms = (mode & 0170000) == 0120000 ? "" : " mode " + Integer.toOctalString(mode & 07777);
                long mtime = ((FileTime) Files.getAttribute(p, "unix:lastModifiedTime", no)).toMillis() / 1000;
                out.put(rel, what + perms + " owner " + Files.getAttribute(p, "unix:uid", no) + ":"
                        + Files.getAttribute(p, "unix:gid", no) + " mtime " + mtime + " nlink "
                        + Files.getAttribute(p, "unix:nlink", no) + xattrs.getOrDefault(rel, ""));
            }
        }
        return out;
    }

    /** getfattr's view of every xattr below {@code top}, per relative path, sorted by name. */
    private static Map<String, String> xattrs(Path top) {
        String dump = Tool.run("getfattr", "-R", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names",
                top.toString()).stdout();
        Map<String, TreeMap<String, String>> found = new TreeMap<>();
        String file = null;
        for (String line : dump.split("\n")) {
            if (line.startsWith("# file: ")) {
                file = top.relativize(Path.of(line.substring(8))).toString();
            } else if (file != null && line.contains("=")) {
                int eq = line.indexOf('=');
                found.computeIfAbsent(file, k -> new TreeMap<>()).put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        Map<String, String> out = new TreeMap<>();
        found.forEach((path, map) -> {
            StringBuilder b = new StringBuilder();
            map.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
            out.put(path, b.toString());
        });
        return out;
    }

    private static String sha(byte[] data) {
        MessageDigest digest = Ext4KernelTest.sha256();
        return HexFormat.of().formatHex(digest.digest(data));
    }

    /** A volume with an empty /store and a /keep that must survive, by mke2fs -d or our formatter. */
    private Path make(String flavour) throws IOException {
        Path image = dir.resolve(flavour + ".img");
        Files.deleteIfExists(image);
        if (flavour.equals("formatter")) {
            try (ImageFile file = ImageFile.create(image, 256L << 20)) {
                Ext4Formatter.format(file, Ext4Options.labelled("persistence").withEntries(List.of(
                        Ext4Entry.directory("/store", 0755), Ext4Entry.directory("/keep", 0755),
                        Ext4Entry.file("/keep/a.txt", 0644, "kept"),
                        Ext4Entry.symlink("/keep/link", "a.txt"))));
            }
            return image;
        }
        Path source = Files.createDirectories(dir.resolve("source-" + flavour));
        Files.createDirectories(source.resolve("store"));
        Files.createDirectories(source.resolve("keep"));
        byte[] kept = new byte[300_000];
        new Random(9).nextBytes(kept);
        Files.write(source.resolve("keep/a.bin"), kept);
        Files.createSymbolicLink(source.resolve("keep/link"), Path.of("a.bin"));
        try (ImageFile file = ImageFile.create(image, 128L << 20)) {
            file.flush();
        }
        List<String> command = new ArrayList<>(List.of("mke2fs", "-q", "-F", "-L", "persistence", "-d",
                source.toString()));
        command.addAll(switch (flavour) {
            case "ext4" -> List.of("-t", "ext4");
            case "ext4-1k" -> List.of("-t", "ext4", "-b", "1024");
            case "ext4-small-groups" -> List.of("-t", "ext4", "-g", "4096", "-G", "4");
            case "ext4-uninit-bg" -> List.of("-t", "ext4", "-O", "^metadata_csum,^64bit,uninit_bg");
            case "ext4-128-inodes" -> List.of("-t", "ext4", "-I", "128", "-b", "2048");
            case "ext4-inline-data" -> List.of("-t", "ext4", "-O", "inline_data");
            default -> throw new IllegalArgumentException(flavour);
        });
        command.add(image.toString());
        Tool.run(command.toArray(String[]::new)).ok();
        return image;
    }
}
