package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.io.MemoryBlockDevice;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** OverlayTarReader reads back OverlayDirectoryTar's and GNU tar's archives; damage is a TarFormatException. */
class OverlayTarReaderTest {
    @TempDir
    Path dir;

    private static final String DEEP = "long-directory-name-".repeat(4) + "/" + "and-a-long-file-name-".repeat(3)
            + ".txt";

    private static byte[] storeArchive(byte[] big) throws IOException {
        List<Ext4Entry> entries = List.of(
                Ext4Entry.directory("/upper", 0755),
                Ext4Entry.directory("/upper/etc", 0700).xattr("trusted.overlay.opaque", "y"),
                Ext4Entry.file("/upper/etc/blob", 0640, big).owner(1000, 100).xattr("user.note", "kept")
                        .xattr("security.selinux", "system_u:object_r:etc_t:s0\0"),
                Ext4Entry.symlink("/upper/etc/link", "blob"),
                Ext4Entry.symlink("/upper/etc/slow", "/" + "x".repeat(300)),
                Ext4Entry.whiteout("/upper/gone"),
                Ext4Entry.directory("/upper/" + DEEP.substring(0, DEEP.lastIndexOf('/')), 0755),
                Ext4Entry.file("/upper/" + DEEP, 0644, "deep"),
                Ext4Entry.file("/upper/empty", 0600, new byte[0]),
                Ext4Entry.file("/elsewhere", 0644, "not in the store"));
        MemoryBlockDevice device = new MemoryBlockDevice(32 << 20);
        Ext4Formatter.format(device, Ext4Options.labelled("persistence").withEntries(entries));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OverlayDirectoryTar.write(Ext4Reader.open(device), "/upper", out);
        return out.toByteArray();
    }

    private static Map<String, Read> readAll(byte[] archive) throws IOException {
        OverlayTarReader reader = OverlayTarReader.of(new ByteArrayInputStream(archive));
        Map<String, Read> all = new LinkedHashMap<>();
        for (OverlayTarReader.Entry e; (e = reader.next()) != null; ) {
            byte[] content = e.kind() == OverlayTarReader.Kind.FILE && all.size() % 2 == 0
                    ? reader.content().readAllBytes() : null; // every other file left for next() to skip
            all.put(e.path(), new Read(e, content));
        }
        assertThat(reader.next()).isNull();
        return all;
    }

    private record Read(OverlayTarReader.Entry entry, byte[] content) {
    }

    @Test
    void readsBackWhatOverlayDirectoryTarWrites() throws IOException {
        byte[] big = new byte[70_001];
        new Random(5).nextBytes(big);
        byte[] archive = storeArchive(big);
        // the worked example in OverlayTarReader's opening comment
        assertThat(new String(archive, 124, 12, StandardCharsets.US_ASCII)).isEqualTo("00000000055\0");
        assertThat(new String(archive, 512, 45, StandardCharsets.US_ASCII))
                .matches("9 path=\\.\n20 mtime=\\d{10}\n8 uid=0\n8 gid=0\n");
        Map<String, Read> all = readAll(archive);
        String deepDir = DEEP.substring(0, DEEP.lastIndexOf('/'));
        assertThat(all.keySet()).containsExactlyInAnyOrder("", "etc", "etc/blob", "etc/link", "etc/slow", "gone",
                deepDir, DEEP, "empty");
        OverlayTarReader.Entry etc = all.get("etc").entry();
        assertThat(etc.kind()).isEqualTo(OverlayTarReader.Kind.DIRECTORY);
        assertThat(etc.mode()).isEqualTo(0700);
        assertThat(new String(etc.xattrs().get("trusted.overlay.opaque"), StandardCharsets.UTF_8)).isEqualTo("y");
        Read blob = all.get("etc/blob");
        assertThat(blob.entry().kind()).isEqualTo(OverlayTarReader.Kind.FILE);
        assertThat(blob.entry().size()).isEqualTo(big.length);
        assertThat(blob.entry().uid()).isEqualTo(1000);
        assertThat(blob.entry().gid()).isEqualTo(100);
        assertThat(blob.entry().mode()).isEqualTo(0640);
        assertThat(blob.entry().xattrs().get("security.selinux"))
                .isEqualTo("system_u:object_r:etc_t:s0\0".getBytes(StandardCharsets.UTF_8));
        assertThat(blob.entry().xattrs().get("user.note")).isEqualTo("kept".getBytes(StandardCharsets.UTF_8));
        assertThat(all.get("etc/link").entry().link()).isEqualTo("blob");
        assertThat(all.get("etc/slow").entry().link()).isEqualTo("/" + "x".repeat(300));
        OverlayTarReader.Entry gone = all.get("gone").entry();
        assertThat(gone.kind()).isEqualTo(OverlayTarReader.Kind.CHAR_DEVICE);
        assertThat(gone.deviceMajor()).isZero();
        assertThat(gone.deviceMinor()).isZero();
        assertThat(all.get("empty").entry().size()).isZero();

        // contents, read fully this time
        OverlayTarReader reader = OverlayTarReader.of(new ByteArrayInputStream(archive));
        for (OverlayTarReader.Entry e; (e = reader.next()) != null; ) {
            if (e.path().equals("etc/blob")) {
                assertThat(reader.content().readAllBytes()).isEqualTo(big);
            } else if (e.path().equals(DEEP)) {
                assertThat(reader.content().readAllBytes()).isEqualTo("deep".getBytes(StandardCharsets.UTF_8));
            }
        }
        OverlayTarReader.Summary summary = OverlayTarReader.scan(new ByteArrayInputStream(archive));
        assertThat(summary.entries()).isEqualTo(9);
        assertThat(summary.contentBytes()).isEqualTo(big.length + 4);
        assertThat(summary.directories()).isEqualTo(3);
        assertThat(summary.largestFile()).isEqualTo(big.length);
    }

    @Test
    @Tag(Tags.ORACLE)
    void readsWhatGnuTarWritesInPaxAndGnuFormats() throws IOException {
        Capabilities.requireTools("tar", "setfattr", "mkfifo");
        Path tree = Files.createDirectories(dir.resolve("tree"));
        byte[] big = new byte[300_000];
        new Random(9).nextBytes(big);
        Files.createDirectories(tree.resolve("etc"));
        Files.write(tree.resolve("etc/blob"), big);
        Files.createLink(tree.resolve("etc/again"), tree.resolve("etc/blob"));
        Files.createSymbolicLink(tree.resolve("etc/link"), Path.of("blob"));
        Path deep = tree.resolve(DEEP);
        Files.createDirectories(deep.getParent());
        Files.writeString(deep, "deep");
        Tool.run("mkfifo", tree.resolve("pipe").toString()).ok();
        Tool.run("setfattr", "-n", "user.note", "-v", "kept", tree.resolve("etc/blob").toString()).ok();
        Tool.run("setfattr", "-n", "trusted.overlay.opaque", "-v", "y", tree.resolve("etc").toString()).ok();
        for (String format : List.of("pax", "gnu")) {
            Path tar = dir.resolve(format + ".tar");
            if (format.equals("pax")) {
                Tool.run("tar", "--xattrs", "--xattrs-include=*", "--format=pax", "-cf", tar.toString(), "-C",
                        tree.toString(), ".").ok();
            } else { // GNU format: long names as 'L' entries, no xattrs
                Tool.run("tar", "--format=gnu", "-cf", tar.toString(), "-C", tree.toString(), ".").ok();
            }
            Map<String, Read> all = readAll(Files.readAllBytes(tar));
            assertThat(all.keySet()).as(format).containsExactlyInAnyOrder("", "etc", "etc/blob", "etc/again",
                    "etc/link", "pipe", deep.getParent().getFileName().toString(), DEEP);
            assertThat(all.get("pipe").entry().kind()).isEqualTo(OverlayTarReader.Kind.FIFO);
            assertThat(all.get("etc/link").entry().link()).isEqualTo("blob");
            OverlayTarReader.Entry first = all.get("etc/blob").entry();
            OverlayTarReader.Entry second = all.get("etc/again").entry();
            // tar stores whichever name it met first; the other is a hard link to it
            OverlayTarReader.Entry link = first.kind() == OverlayTarReader.Kind.HARD_LINK ? first : second;
            OverlayTarReader.Entry file = link == first ? second : first;
            assertThat(link.kind()).isEqualTo(OverlayTarReader.Kind.HARD_LINK);
            assertThat(link.link()).isEqualTo(file.path());
            assertThat(file.size()).isEqualTo(big.length);
            if (format.equals("pax")) {
                assertThat(file.xattrs().get("user.note")).isEqualTo("kept".getBytes(StandardCharsets.UTF_8));
                assertThat(all.get("etc").entry().xattrs().get("trusted.overlay.opaque"))
                        .isEqualTo("y".getBytes(StandardCharsets.UTF_8));
            }
            OverlayTarReader reader = OverlayTarReader.of(Files.newInputStream(tar));
            for (OverlayTarReader.Entry e; (e = reader.next()) != null; ) {
                if (e.kind() == OverlayTarReader.Kind.FILE && e.path().startsWith("etc/")) {
                    assertThat(reader.content().readAllBytes()).as(format).isEqualTo(big);
                } else if (e.path().equals(DEEP)) {
                    assertThat(reader.content().readAllBytes()).isEqualTo("deep".getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    @Test
    void truncationAnywhereIsAFormatException() throws IOException {
        byte[] archive = storeArchive(new byte[5000]);
        int endMarker = archive.length - 1024;
        for (int cut = 0; cut < endMarker; cut += 97) {
            byte[] cutArchive = Arrays.copyOf(archive, cut);
            assertThatThrownBy(() -> OverlayTarReader.scan(new ByteArrayInputStream(cutArchive)))
                    .as("cut at %d", cut).isInstanceOf(TarFormatException.class);
        }
    }

    @Test
    void absurdHeaderSizesAndClimbingPathsAreRefusedWithoutAllocating() throws IOException {
        byte[] archive = storeArchive(new byte[10]);
        // the first header is the pax 'x' header: claim 8 GiB - 1 of records
        byte[] huge = archive.clone();
        System.arraycopy("77777777777\0".getBytes(StandardCharsets.US_ASCII), 0, huge, 124, 12);
        fixChecksum(huge, 0);
        assertThatThrownBy(() -> OverlayTarReader.scan(new ByteArrayInputStream(huge)))
                .isInstanceOf(TarFormatException.class).hasMessageContaining("pax extended header at byte 0");
        byte[] climbing = archive.clone();
        int record = indexOf(climbing, " path=.\n");
        climbing[record + 6] = '/'; // "path=/\n" stays legal ...
        assertThat(OverlayTarReader.scan(new ByteArrayInputStream(climbing)).entries()).isEqualTo(9);
        byte[] header = archive.clone();
        header[156 + 512 * 2] = 'S'; // the "." ustar header becomes a GNU sparse entry
        fixChecksum(header, 1024);
        assertThatThrownBy(() -> OverlayTarReader.scan(new ByteArrayInputStream(header)))
                .isInstanceOf(TarFormatException.class).hasMessageContaining("at byte 1024")
                .hasMessageContaining("'S'");
        byte[] parent = ("13 path=../x\n").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> OverlayTarReader.scan(new ByteArrayInputStream(withFirstRecords(archive, parent))))
                .isInstanceOf(TarFormatException.class).hasMessageContaining("climbs out");
        assertThatThrownBy(() -> OverlayTarReader.scan(new ByteArrayInputStream(new byte[0])))
                .isInstanceOf(TarFormatException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> OverlayTarReader.scan(new ByteArrayInputStream(new byte[700])))
                .isInstanceOf(TarFormatException.class);
    }

    @Test
    void randomDamageEndsInAFormatExceptionOrAValidReading() throws IOException {
        byte[] archive = storeArchive(new byte[3000]);
        Random random = new Random(42);
        int refused = 0;
        for (int round = 0; round < 3000; round++) {
            byte[] damaged = archive.clone();
            for (int hits = 1 + random.nextInt(4); hits > 0; hits--) {
                int at = random.nextInt(Math.min(damaged.length, 4096));
                damaged[at] = (byte) random.nextInt(256);
            }
            try (InputStream in = new ByteArrayInputStream(damaged)) {
                OverlayTarReader.scan(in);
            } catch (TarFormatException expected) {
                refused++;
            }
        }
        assertThat(refused).isPositive();
    }

    /** The archive with its first pax header's records replaced (same block count). */
    private static byte[] withFirstRecords(byte[] archive, byte[] records) {
        byte[] copy = archive.clone();
        long oldSize = Long.parseLong(new String(copy, 124, 11, StandardCharsets.US_ASCII), 8);
        if (oldSize > 512 || records.length > 512) {
            throw new IllegalStateException("first pax header larger than a block");
        }
        Arrays.fill(copy, 512, 1024, (byte) 0);
        System.arraycopy(records, 0, copy, 512, records.length);
        String size = String.format("%011o", records.length);
        System.arraycopy(size.getBytes(StandardCharsets.US_ASCII), 0, copy, 124, 11);
        fixChecksum(copy, 0);
        return copy;
    }

    private static void fixChecksum(byte[] archive, int header) {
        Arrays.fill(archive, header + 148, header + 156, (byte) ' ');
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += archive[header + i] & 0xFF;
        }
        byte[] digits = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, archive, header + 148, 8);
    }

    private static int indexOf(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + n.length <= haystack.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException(needle + " not found");
    }
}
