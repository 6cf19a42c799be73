package org.stickwright.engine.squashfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The Linux kernel as the oracle: it mounts the images we write through a loop device, and the
 * mounted tree (contents, modes, owners, device numbers incl. the whiteout's 0/0, xattrs as
 * getfattr reads them) is the tree we fed in.
 */
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
@Tag(Tags.ORACLE)
class SquashfsWriterKernelTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = SquashfsSuperblock.Compression.class, names = {"GZIP", "XZ"})
    void theKernelMountsWhatWeWrote(SquashfsSuperblock.Compression compression) throws Exception {
        Capabilities.requireLoopDevices();
        Capabilities.requireTools("mount", "umount", "getfattr");
        Path image = SquashfsWriterOracleTest.build(dir.resolve("out.sqfs"), SquashfsWriter.Options.defaults()
                .withCompression(compression).withModificationTime(SampleTree.MTIME));
        Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
        try (LoopDevice loop = LoopDevice.attach(image)) {
            Tool.run("mount", "-t", "squashfs", "-o", "ro", loop.device().toString(), mountPoint.toString()).ok();
            try {
                SquashfsTrees.assertSameTree(SquashfsTrees.actual(mountPoint, true),
                        SquashfsTrees.expected(SampleTree.root(), SampleTree.entries(), true));
                String stat = Tool.run("stat", "-c", "%F %t:%T", mountPoint.resolve("whiteout").toString()).ok()
                        .stdout().strip();
                assertThat(stat).isEqualTo("character special file 0:0");
            } finally {
                Tool.run("umount", mountPoint.toString()).ok();
            }
        }
    }

    /**
     * Hard links: names given before and after their inode in listing order, in other
     * directories, of a file with full blocks and a fragment tail, of a symlink, a FIFO and a
     * device. The kernel and unsquashfs show one inode per group with the group's link count,
     * the data is stored once, and our reader reads the same.
     */
    @Test
    void hardLinksAreOneInodeWithItsLinkCount() throws Exception {
        Capabilities.requireLoopDevices();
        Capabilities.requireTools("mount", "umount", "stat", "unsquashfs");
        byte[] data = new byte[300_000];
        new java.util.Random(7).nextBytes(data);
        Path image = dir.resolve("links.sqfs");
        try (SquashfsWriter w = SquashfsWriter.create(image, SquashfsWriter.Options.defaults())) {
            w.file("/z/data", 0755, 0, 0, 1_700_000_000L, Map.of("user.k", new byte[] {1}), data.length,
                    new java.io.ByteArrayInputStream(data));
            w.hardLink("/a/first", "/z/data"); // listed (and so its inode written) before /z/data
            w.hardLink("/m/n/deep", "/a/first"); // a link to a link names the same inode
            w.hardLink("/z/again", "/z/data");
            w.symlink("/s1", 0777, 0, 0, 0, Map.of(), "z/data");
            w.hardLink("/s2", "/s1");
            w.fifo("/p1", 0600, 0, 0, 0, Map.of());
            w.hardLink("/z/p2", "/p1");
            w.device("/d1", 0600, 0, 0, 0, Map.of(), false, 1, 3);
            w.hardLink("/d2", "/d1");
            w.file("/single", 0644, 0, 0, 0, Map.of(), 2, new java.io.ByteArrayInputStream(new byte[] {1, 2}));
            for (String d : List.of("/z", "/a", "/m", "/m/n")) {
                w.directory(d, 0755, 0, 0, 0, Map.of());
            }
        }
        assertThat(Files.size(image)).as("the data is stored once").isLessThan(data.length + 64_000L);
        List<List<String>> groups = List.of(List.of("a/first", "m/n/deep", "z/again", "z/data"),
                List.of("s1", "s2"), List.of("p1", "z/p2"), List.of("d1", "d2"), List.of("single"));

        Path extracted = dir.resolve("x");
        Tool.run("unsquashfs", "-no-progress", "-d", extracted.toString(), image.toString()).ok();
        assertLinkGroups(extracted, groups);
        assertThat(Files.readAllBytes(extracted.resolve("m/n/deep"))).isEqualTo(data);

        Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
        try (LoopDevice loop = LoopDevice.attach(image)) {
            Tool.run("mount", "-t", "squashfs", "-o", "ro", loop.device().toString(), mountPoint.toString()).ok();
            try {
                assertLinkGroups(mountPoint, groups);
                assertThat(Files.readAllBytes(mountPoint.resolve("a/first"))).isEqualTo(data);
                assertThat(Files.readSymbolicLink(mountPoint.resolve("s2"))).isEqualTo(Path.of("z/data"));
            } finally {
                Tool.run("umount", mountPoint.toString()).ok();
            }
        }

        try (ImageFile file = ImageFile.openReadOnly(image)) {
            SquashfsImage read = SquashfsImage.open(file);
            SquashfsEntry first = read.find("/a/first").orElseThrow();
            SquashfsEntry again = read.find("/z/again").orElseThrow();
            assertThat(first.links()).isEqualTo(4);
            assertThat(again.inodeNumber()).isEqualTo(first.inodeNumber());
            assertThat(read.readFile(again, data.length)).isEqualTo(data);
            assertThat(read.find("/single").orElseThrow().links()).isEqualTo(1);
        }
    }

    /** Each group is one inode (same %i) whose link count (%h) is the group's size; groups differ. */
    private static void assertLinkGroups(Path top, List<List<String>> groups) {
        java.util.Set<String> inodes = new java.util.HashSet<>();
        for (List<String> group : groups) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String name : group) {
                String[] stat = Tool.run("stat", "-c", "%i %h", top.resolve(name).toString()).ok().stdout().strip()
                        .split(" ");
                seen.add(stat[0]);
                assertThat(Integer.parseInt(stat[1])).as("links of " + name + " in " + top).isEqualTo(group.size());
            }
            assertThat(seen).as("inodes of " + group).hasSize(1);
            assertThat(inodes.add(seen.iterator().next())).as("a group of its own: " + group).isTrue();
        }
    }
}
