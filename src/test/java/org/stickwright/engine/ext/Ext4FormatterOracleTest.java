package org.stickwright.engine.ext;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** Our filesystems as e2fsprogs sees them: e2fsck, dumpe2fs, debugfs, resize2fs. */
@Tag(Tags.ORACLE)
class Ext4FormatterOracleTest {
    static final UUID UUID_FIXED = UUID.fromString("5d0b1c7e-3f2a-4c8e-9b61-2a7d4e8f0c13");
    static final String LABEL = "persistence";

    @TempDir
    Path dir;

    /** The tree the persistence recipes need: Debian's persistence.conf, overlay dirs, dracut's overlay dir. */
    static List<Ext4Entry> persistenceTree() {
        return List.of(
                Ext4Entry.file("/persistence.conf", 0644, "/ union\n"),
                Ext4Entry.directory("/upper", 0755).owner(1000, 1000).xattr("trusted.overlay.opaque", "y"),
                Ext4Entry.directory("/work", 0700),
                Ext4Entry.directory("/LiveOS/overlay-" + LABEL + "-" + UUID_FIXED, 0755),
                Ext4Entry.directory("/LiveOS/ovlwork", 0755),
                Ext4Entry.file("/upper/etc/hostname", 0640, "stick\n").owner(0, 4),
                Ext4Entry.symlink("/upper/short", "etc/hostname"),
                Ext4Entry.symlink("/upper/long", "/" + "very-long-directory-name/".repeat(6) + "target"),
                Ext4Entry.file("/upper/big.bin", 0600, new byte[200_000]).xattr("user.comment", new byte[2000]),
                Ext4Entry.whiteout("/upper/etc/deleted"));
    }

    static Ext4Options persistenceOptions() {
        return Ext4Options.labelled(LABEL).withUuid(UUID_FIXED).withEntries(persistenceTree());
    }

    static Tool.Result e2fsck(Path image) {
        return Tool.run("e2fsck", "-fn", image.toString());
    }

    static String field(String dump, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ":\\s*(.*)$").matcher(dump);
        assertThat(m.find()).as("dumpe2fs field " + name).isTrue();
        return m.group(1).trim();
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(longs = {16L << 20, 100L << 20, 1L << 30, 64L << 30, 2L << 40})
    void e2fsckFindsNothingToFixAtEverySize(long size) throws IOException {
        Capabilities.requireTools("e2fsck", "dumpe2fs");
        Path image = dir.resolve("fs.img");
        Ext4Formatter.Result made;
        try (ImageFile file = ImageFile.create(image, size)) {
            made = Ext4Formatter.format(file, persistenceOptions());
        }
        Tool.Result fsck = e2fsck(image);
        assertThat(fsck.exitCode()).as(fsck.output()).isZero();
        // 11 reserved inodes (1..10, lost+found) + the 12 inodes of the tree
        assertThat(fsck.output()).contains(LABEL + ": 23/");

        String dump = Tool.run("dumpe2fs", "-h", image.toString()).ok().stdout();
        assertThat(field(dump, "Filesystem volume name")).isEqualTo(LABEL);
        assertThat(field(dump, "Filesystem UUID")).isEqualTo(UUID_FIXED.toString());
        assertThat(field(dump, "Filesystem features").split(" ")).contains("has_journal", "ext_attr", "resize_inode",
                "dir_index", "filetype", "extent", "64bit", "flex_bg", "sparse_super", "large_file", "huge_file",
                "dir_nlink", "extra_isize", "metadata_csum");
        assertThat(Long.parseLong(field(dump, "Block count"))).isEqualTo(made.blockCount()).isLessThanOrEqualTo(size / 4096);
        assertThat(Long.parseLong(field(dump, "Reserved GDT blocks"))).isEqualTo(made.reservedGdtBlocks()).isPositive();
        assertThat(Long.parseLong(field(dump, "Total journal blocks"))).isEqualTo(Ext4Formatter.defaultJournalBlocks(made.blockCount()));
        assertThat(field(dump, "Checksum type")).isEqualTo("crc32c");

        try (ImageFile file = ImageFile.openReadOnly(image)) {
            Ext4Reader reader = Ext4Reader.open(file);
            Ext4Usage usage = reader.usage();
            assertThat(usage.freeBlocks()).isEqualTo(Long.parseLong(field(dump, "Free blocks")));
            assertThat(usage.freeInodes()).isEqualTo(Long.parseLong(field(dump, "Free inodes")));
            // big journals span several groups: more than 4 extents, so a depth-1 tree
            Ext4Inode journal = reader.inode(8);
            assertThat(journal.size()).isEqualTo(made.journalBlocks() * 4096);
            try (var in = reader.openStream(journal)) {
                assertThat(in.readNBytes(4)).containsExactly(0xC0, 0x3B, 0x39, 0x98);
                assertThat(in.skip(journal.size() - 8)).isEqualTo(journal.size() - 8);
                assertThat(in.readNBytes(8)).hasSize(4);
            }
        }
    }

    @Property(tries = 10)
    @net.jqwik.api.Tag(Tags.ORACLE)
    void unalignedSizesGiveCleanFilesystems(@ForAll @net.jqwik.api.constraints.LongRange(min = 16L << 20, max = 3L << 30)
            long size) throws IOException {
        Capabilities.requireTools("e2fsck");
        Path image = Files.createTempFile("ext4-size", ".img");
        try {
            Ext4Formatter.Result made;
            try (ImageFile file = ImageFile.create(image, size)) {
                made = Ext4Formatter.format(file, persistenceOptions());
            }
            assertThat(made.blockCount() * 4096).isLessThanOrEqualTo(size).isGreaterThan(size - (32768L * 4096));
            Tool.Result fsck = e2fsck(image);
            assertThat(fsck.exitCode()).as(size + "\n" + fsck.output()).isZero();
        } finally {
            Files.deleteIfExists(image);
        }
    }

    @Test
    void debugfsSeesTheTreeWithOwnersModesXattrsAndContents() throws IOException {
        Capabilities.requireTools("debugfs");
        Path image = dir.resolve("tree.img");
        try (ImageFile file = ImageFile.create(image, 64L << 20)) {
            Ext4Formatter.format(file, persistenceOptions());
        }
        assertThat(debugfs(image, "cat /persistence.conf")).isEqualTo("/ union\n");
        String upper = debugfs(image, "stat /upper");
        assertThat(upper).contains("Type: directory", "Mode:  0755", "User:  1000   Group:  1000");
        assertThat(debugfs(image, "ea_list /upper")).contains("trusted.overlay.opaque (1) = \"y\"");
        assertThat(debugfs(image, "ea_list /upper/big.bin")).contains("user.comment (2000)");
        assertThat(debugfs(image, "stat /upper/etc/hostname")).contains("Mode:  0640", "User:     0   Group:     4", "Size: 6");
        assertThat(debugfs(image, "stat /upper/short")).contains("Type: symlink", "Fast link dest: \"etc/hostname\"");
        assertThat(debugfs(image, "cat /upper/long")).isEqualTo("/" + "very-long-directory-name/".repeat(6) + "target");
        assertThat(debugfs(image, "ls -p /LiveOS")).contains("/overlay-" + LABEL + "-" + UUID_FIXED + "/", "/ovlwork/");
        assertThat(debugfs(image, "stat /work")).contains("Mode:  0700");
        assertThat(debugfs(image, "stat /upper/etc/deleted")).contains("Type: character special", "Device major/minor number: 00:00");
    }

    static String debugfs(Path image, String request) {
        return Tool.run("debugfs", "-R", request, image.toString()).ok().stdout();
    }

    @Test
    void resize2fsGrowsItOfflineThroughTheReservedGdtBlocks() throws IOException {
        Capabilities.requireTools("resize2fs", "e2fsck", "dumpe2fs");
        Path image = dir.resolve("grow.img");
        Ext4Formatter.Result made;
        try (ImageFile file = ImageFile.create(image, 100L << 20)) {
            made = Ext4Formatter.format(file, persistenceOptions());
        }
        try (ImageFile file = ImageFile.openReadWrite(image)) {
            // 80 groups need a second descriptor block: only reserved GDT blocks make that possible offline
            file.setSize(10L << 30);
        }
        Tool.run("resize2fs", image.toString()).ok();
        Tool.Result fsck = e2fsck(image);
        assertThat(fsck.exitCode()).as(fsck.output()).isZero();
        String dump = Tool.run("dumpe2fs", "-h", image.toString()).ok().stdout();
        assertThat(Long.parseLong(field(dump, "Block count"))).isEqualTo((10L << 30) / 4096);
        assertThat(Long.parseLong(field(dump, "Reserved GDT blocks"))).isEqualTo(made.reservedGdtBlocks() - 1L);
        assertThat(debugfs(image, "cat /persistence.conf")).isEqualTo("/ union\n");
    }

    @Test
    void treesLargerThanOneGroupsInodesSpillIntoTheNextGroups() throws IOException {
        Capabilities.requireTools("e2fsck");
        Path image = dir.resolve("spill.img");
        List<Ext4Entry> entries = new java.util.ArrayList<>();
        for (int d = 0; d < 10; d++) {
            entries.add(Ext4Entry.directory("/d" + d, 0755).owner(d, d));
            for (int f = 0; f < 20; f++) {
                entries.add(Ext4Entry.file("/d" + d + "/f" + f, 0644, "file " + d + "/" + f));
            }
        }
        Ext4Formatter.Result made;
        try (ImageFile file = ImageFile.create(image, 1L << 30)) {
            // 4 MiB per inode: 256 inodes, 32 per group, so 221 inodes fill 7 groups
            made = Ext4Formatter.format(file, Ext4Options.labelled("spill").withBytesPerInode(4 << 20).withEntries(entries));
        }
        assertThat(made.inodeCount()).isEqualTo(256);
        Tool.Result fsck = e2fsck(image);
        assertThat(fsck.exitCode()).as(fsck.output()).isZero();
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            Ext4Reader reader = Ext4Reader.open(file);
            for (Ext4Entry e : entries) {
                Ext4RoundTripTest.assertMatches(reader, e);
            }
            assertThat(reader.lookup("/d9/f19").number()).isGreaterThan(6 * 32);
        }
    }

    @Test
    void blkidSeesOnlyExt4OverOldSignatures() throws IOException {
        Capabilities.requireTools("blkid");
        Path image = dir.resolve("old.img");
        long size = (200L << 20) + 3 * 4096 + 512;   // the device ends in a partial block
        try (ImageFile file = ImageFile.create(image, size)) {
            // an XFS superblock at 0 and an MD RAID 0.90 superblock 64 KiB-aligned near the end
            file.writeBytes(0, "XFSB".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            long md = ((size >> 16) << 16) - (64 << 10);
            file.writeBytes(md, new byte[] {(byte) 0xfc, 0x4e, 0x2b, (byte) 0xa9});
            file.writeBytes(510, new byte[] {0x55, (byte) 0xAA});
            Ext4Formatter.format(file, persistenceOptions());
        }
        Tool.Result probe = Tool.run("blkid", "-p", "-o", "export", image.toString());
        assertThat(probe.exitCode()).as(probe.output()).isZero();
        assertThat(probe.stdout()).contains("TYPE=ext4", "LABEL=" + LABEL, "UUID=" + UUID_FIXED)
                .doesNotContain("ambivalent");
    }

    @Test
    void sixtyFourGibibytesFormatInWellUnderTheTimeOfWritingThem() throws IOException {
        Path image = dir.resolve("64g.img");
        try (ImageFile file = ImageFile.create(dir.resolve("warm.img"), 64L << 20)) {
            Ext4Formatter.format(file, persistenceOptions());   // JIT warm-up, like any second run
        }
        long took;
        try (ImageFile file = ImageFile.create(image, 64L << 30)) {
            long start = System.nanoTime();
            Ext4Formatter.format(file, persistenceOptions());
            took = (System.nanoTime() - start) / 1_000_000;
        }
        long allocated = Long.parseLong(Tool.run("stat", "--format=%b", image.toString()).ok().stdout().trim());
        System.out.println("MEASURED: 64 GiB ext4 formatted in " + took + " ms, " + allocated * 512 / 1024 + " KiB written");
        // a sanity bound, not a benchmark: metadata-only formatting must not scale with the size
        assertThat(took).isLessThan(20_000);
        assertThat(allocated * 512).isLessThan(64L << 20);
    }

    @Provide
    Arbitrary<List<Ext4RoundTripTest.Spec>> trees() {
        return new Ext4RoundTripTest().trees();
    }

    @Property(tries = 8)
    @net.jqwik.api.Tag(Tags.ORACLE)
    void randomTreesPassE2fsck(@ForAll("trees") List<Ext4RoundTripTest.Spec> specs) throws IOException {
        Capabilities.requireTools("e2fsck");
        Path image = Files.createTempFile("ext4-prop", ".img");
        try {
            try (ImageFile file = ImageFile.create(image, 16L << 20)) {
                Ext4Formatter.format(file, Ext4Options.labelled("prop").withEntries(Ext4RoundTripTest.toEntries(specs)));
            }
            Tool.Result fsck = e2fsck(image);
            assertThat(fsck.exitCode()).as(specs + "\n" + fsck.output()).isZero();
        } finally {
            Files.deleteIfExists(image);
        }
    }
}
