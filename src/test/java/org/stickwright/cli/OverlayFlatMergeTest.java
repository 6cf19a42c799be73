package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.boot.LiveFixture;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.overlay.FatStoreFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.LoopMount;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;
import org.stickwright.testing.WrittenStick;

/**
 * {@code overlay merge} on Fedora flat sticks, whose store is an overlayfs upper: the kernel
 * fills the upper through a loop mount (a new file, an overwritten file, a whiteout, an opaque
 * directory), the merge folds it into LiveOS/squashfs.img. unsquashfs reads the result: the
 * changes are there, the deleted file and the opaque directory's lower content are gone, every
 * untouched entry is as it was. A hybrid stick gives a new ISO (sgdisk -v clean); an
 * extract-mode stick, which holds no ISO, gives the squashfs alone and the same tree; a nested
 * image with an overlayfs store is refused. The sticks are only read.
 */
@Tag(Tags.ORACLE)
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
class OverlayFlatMergeTest {
    private static final byte[] NEW_BLOB = new Random(7).ints(300_000, 0, 256).collect(
            java.io.ByteArrayOutputStream::new, (o, b) -> o.write(b), (a, b) -> a.write(b.toByteArray(), 0, b.size()))
            .toByteArray();

    @TempDir
    Path dir;

    @Test
    void hybridStickGivesANewIsoAndExtractStickTheSameSquashfs() throws Exception {
        requirements();
        Path hybrid = dir.resolve("hybrid.img");
        CliProcess.run(300, "create", LiveFixture.FEDORA_FLAT.iso().toString(), hybrid.toString(), "--size", "512M",
                "--persistence", "128M", "--yes", "--seed", "5").ok();
        JsonObject store = store(hybrid, "/LiveOS/overlay-persistent");
        assertThat(store.get("kind").getAsString()).isEqualTo("overlayfs_directory");
        int partition = store.get("partition").getAsInt();
        WrittenStick.Part part = new WrittenStick(hybrid, dir).partition(partition);
        withMounted(hybrid, part.start(), part.size(), root -> fill(root.resolve("LiveOS/overlay-persistent")));
        String hybridBefore = TestImages.sha256(hybrid);

        Path iso = dir.resolve("new.iso");
        // the hybrid stick's merge by our own writer, the extract stick's below by tar2sqfs: the same tree
        JsonObject merged = CliProcess.lastJson(CliProcess.run(300, "overlay", "merge", hybrid.toString(), "--output",
                iso.toString(), "--squashfs-builder", "java", "--json").ok());
        assertThat(merged.get("squashfsBuilder").getAsString()).contains("Java");
        assertThat(merged.get("whiteouts").getAsLong()).isEqualTo(1);
        assertThat(merged.get("opaqueDirectories").getAsLong()).isEqualTo(1);
        assertThat(merged.get("isoBytes").getAsLong()).isEqualTo(Files.size(iso));
        assertThat(Tool.run("sgdisk", "-v", iso.toString()).stdout()).contains("No problems found");
        Path lower = dir.resolve("lower.squashfs");
        Tool.run("xorriso", "-osirrox", "on", "-indev", LiveFixture.FEDORA_FLAT.iso().toString(), "-extract",
                "/LiveOS/squashfs.img", lower.toString()).ok();
        Path fromIso = dir.resolve("merged.squashfs");
        Tool.run("xorriso", "-osirrox", "on", "-indev", iso.toString(), "-extract", "/LiveOS/squashfs.img",
                fromIso.toString()).ok();
        assertThat(Tool.run("unsquashfs", "-s", fromIso.toString()).ok().stdout())
                .as("the old compressor and block size").contains("Compression " + merged.get("compression")
                        .getAsString(), "Block size 131072");
        Map<String, String> hybridTree = checkMerged(lower, fromIso, "iso");

        // never over an existing output; the stick never written
        Tool.Result again = CliProcess.run("overlay", "merge", hybrid.toString(), "--output", iso.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(TestImages.sha256(hybrid)).as("the stick is only read").isEqualTo(hybridBefore);

        // extract mode: the upper is /overlayfs inside an ext4 image file on the FAT partition
        Path extract = dir.resolve("extract.img");
        CliProcess.run(300, "create", LiveFixture.FEDORA_FLAT.iso().toString(), extract.toString(), "--mode",
                "extract", "--size", "256M", "--persistence", "64M", "--yes", "--seed", "5").ok();
        JsonObject embedded = onlyStore(extract);
        assertThat(embedded.get("kind").getAsString()).isEqualTo("embedded_overlay_image");
        fillEmbedded(extract, embedded.get("partition").getAsInt(), embedded.get("path").getAsString());
        String extractBefore = TestImages.sha256(extract);

        Tool.Result noIso = CliProcess.run("overlay", "merge", extract.toString(), "--output",
                dir.resolve("refused.iso").toString());
        assertThat(noIso.exitCode()).as(noIso.output()).isEqualTo(2);
        assertThat(noIso.stderr()).contains("no ISO 9660", "--squashfs-only");
        assertThat(dir.resolve("refused.iso")).doesNotExist();

        Path squashOnly = dir.resolve("extract.squashfs");
        JsonObject only = CliProcess.lastJson(CliProcess.run(300, "overlay", "merge", extract.toString(), "--output",
                squashOnly.toString(), "--squashfs-only", "--squashfs-builder", "tar2sqfs", "--json").ok());
        assertThat(only.get("squashfsBuilder").getAsString()).contains("tar2sqfs");
        assertThat(Tool.run("unsquashfs", "-s", squashOnly.toString()).ok().stdout())
                .contains("Compression " + merged.get("compression").getAsString(), "Block size 131072");
        assertThat(only.has("isoBytes")).isFalse();
        assertThat(only.get("squashfsBytes").getAsLong()).isEqualTo(Files.size(squashOnly));
        assertThat(checkMerged(lower, squashOnly, "extract")).as("the same tree from either store")
                .isEqualTo(hybridTree);
        assertThat(TestImages.sha256(extract)).as("the stick is only read").isEqualTo(extractBefore);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    @Test
    void nestedImageWithAnOverlayfsStoreIsRefused() throws Exception {
        requirements();
        Path nested = dir.resolve("nested.img");
        CliProcess.run(300, "create", LiveFixture.FEDORA_NESTED.iso().toString(), nested.toString(), "--size", "512M",
                "--persistence", "128M", "--yes", "--seed", "5").ok();
        assertThat(store(nested, "/LiveOS/overlay-persistent").get("kind").getAsString())
                .isEqualTo("overlayfs_directory");
        String before = TestImages.sha256(nested);
        for (String flag : new String[] {"--squashfs-only", "--json"}) {
            Path out = dir.resolve("out" + flag);
            Tool.Result refused = CliProcess.run(300, "overlay", "merge", nested.toString(), "--output",
                    out.toString(), flag);
            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(2);
            assertThat(refused.output()).contains("nested", "LiveOS/rootfs.img");
            assertThat(out).doesNotExist();
        }
        assertThat(TestImages.sha256(nested)).isEqualTo(before);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    private static void requirements() {
        Capabilities.requireRoot();
        Capabilities.requireTools("debootstrap", "flock", "mount", "mknod", "setfattr", "getfattr", "losetup",
                "xorriso", "unsquashfs", "sgdisk", "tar2sqfs");
        Capabilities.requireLoopDevices();
    }

    /**
     * What a booted system leaves in the upper: a new file and a new blob, an overwritten file, a
     * deleted one (whiteout), a directory made opaque (rm -r then mkdir) with one new file.
     */
    private static void fill(Path upper) throws IOException {
        Path share = Files.createDirectories(upper.resolve("usr/share/stickwright"));
        Files.writeString(Files.createDirectories(upper.resolve("etc")).resolve("hostname"), "merged-kit\n");
        Files.write(share.resolve("new.bin"), NEW_BLOB);
        Files.writeString(share.resolve("overwrite.txt"), "overwritten in the field\n");
        Tool.run("mknod", share.resolve("delete.txt").toString(), "c", "0", "0").ok();
        Path sbin = Files.createDirectories(upper.resolve("usr/sbin"));
        Files.writeString(sbin.resolve("only-tool"), "#!/bin/sh\necho opaque\n");
        Tool.run("setfattr", "-n", "trusted.overlay.opaque", "-v", "y", sbin.toString()).ok();
        Tool.run("setfattr", "-n", "security.capability", "-v", "0x0100000200200000000000000000000000000000",
                sbin.resolve("only-tool").toString()).ok();
    }

    /**
     * Unpacks {@code merged} and checks it against {@code lower}; returns the merged tree
     * (path to type and content digest) for comparing two merges.
     */
    private Map<String, String> checkMerged(Path lower, Path merged, String name) throws IOException {
        Path tree = dir.resolve("unpacked-" + name);
        Tool.run("unsquashfs", "-d", tree.toString(), merged.toString()).ok();
        assertThat(Files.readString(tree.resolve("etc/hostname"))).isEqualTo("merged-kit\n");
        assertThat(TestImages.sha256(tree.resolve("usr/share/stickwright/new.bin"))).isEqualTo(sha256(NEW_BLOB));
        assertThat(Files.readString(tree.resolve("usr/share/stickwright/overwrite.txt")))
                .isEqualTo("overwritten in the field\n");
        assertThat(tree.resolve("usr/share/stickwright/delete.txt")).doesNotExist();
        try (Stream<Path> sbin = Files.list(tree.resolve("usr/sbin"))) {
            assertThat(sbin.map(p -> p.getFileName().toString())).as("the opaque directory hides dmsetup")
                    .containsExactly("only-tool");
        }

        // every lower entry outside the changed paths is listed exactly as before
        Map<String, String> before = listing(lower);
        Map<String, String> after = listing(merged);
        assertThat(before).containsKeys("/usr/sbin/dmsetup", "/usr/share/stickwright/delete.txt",
                "/usr/share/stickwright/keep.txt", "/bin/busybox");
        int compared = 0;
        for (Map.Entry<String, String> e : before.entrySet()) {
            String path = e.getKey();
            boolean changed = path.equals("/usr/share/stickwright/overwrite.txt") || path.startsWith("/usr/sbin/")
                    || path.equals("/usr/share/stickwright/delete.txt");
            if (changed || e.getValue().startsWith("d")) {
                continue; // directories in the upper take the upper's attributes
            }
            assertThat(after.get(path)).as(path).isEqualTo(e.getValue());
            compared++;
        }
        assertThat(compared).isGreaterThan(250);
        assertThat(Tool.run("getfattr", "--absolute-names", "-n", "security.capability", "-e", "hex",
                tree.resolve("usr/sbin/only-tool").toString()).ok().stdout())
                .as("an upper file's xattr").contains("0x0100000200200000000000000000000000000000");
        assertThat(after).doesNotContainKeys("/usr/sbin/dmsetup", "/usr/share/stickwright/delete.txt");
        assertThat(after).containsKeys("/etc/hostname", "/usr/share/stickwright/new.bin", "/usr/sbin/only-tool");
        Path lowerTree = dir.resolve("lower-" + name);
        Tool.run("unsquashfs", "-d", lowerTree.toString(), lower.toString(), "usr/share/stickwright/keep.txt",
                "bin/busybox").ok();
        for (String untouched : new String[] {"usr/share/stickwright/keep.txt", "bin/busybox"}) {
            assertThat(TestImages.sha256(tree.resolve(untouched))).as(untouched).isEqualTo(TestImages.sha256(lowerTree.resolve(untouched)));
        }
        return describe(tree);
    }

    /** unsquashfs -lln as path to "mode owner size time" (the line without its path). */
    private static Map<String, String> listing(Path squashfs) {
        Map<String, String> out = new TreeMap<>();
        for (String line : Tool.run("unsquashfs", "-lln", "-d", "", squashfs.toString()).ok().stdout().split("\n")) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length < 6 || !f[5].startsWith("/")) {
                continue;
            }
            String path = f[5].contains(" -> ") ? f[5].substring(0, f[5].indexOf(" -> ")) : f[5];
            out.put(path, f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " " + f[4] + " " + f[5]);
        }
        return out;
    }

    private static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String rel = "/" + root.relativize(p);
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "file " + TestImages.sha256(p));
                } else {
                    out.put(rel, "other " + Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS));
                }
            }
        }
        return out;
    }

    /**
     * Fills the ext4 image file on the FAT partition through the kernel: no vfat here, so its
     * bytes go to a scratch file, which is loop-mounted, filled and written back in place.
     */
    private void fillEmbedded(Path stick, int partition, String path) throws Exception {
        WrittenStick.Part part = new WrittenStick(stick, dir).partition(partition);
        Path scratch = dir.resolve("embedded.ext4");
        try (ImageFile disk = ImageFile.openReadWrite(stick);
                FatFileSystem fs = FatFileSystem.open(disk.slice(part.start(), part.size()))) {
            BlockDevice image = FatStoreFile.open(fs, disk.slice(part.start(), part.size()), path.substring(1));
            copy(image, scratch);
            withMounted(scratch, 0, Files.size(scratch), root -> fill(root.resolve("overlayfs")));
            try (ImageFile filled = ImageFile.openReadOnly(scratch)) {
                ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
                for (long at = 0; at < filled.size(); at += buffer.capacity()) {
                    buffer.clear().limit((int) Math.min(buffer.capacity(), filled.size() - at));
                    filled.read(buffer, at);
                    buffer.flip();
                    image.write(buffer, at);
                }
                image.flush();
            }
        }
    }

    private static void copy(BlockDevice from, Path to) throws IOException {
        try (ImageFile out = ImageFile.create(to, from.size())) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            for (long at = 0; at < from.size(); at += buffer.capacity()) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), from.size() - at));
                from.read(buffer, at);
                buffer.flip();
                out.write(buffer, at);
            }
        }
    }

    private void withMounted(Path file, long offset, long size, LoopMount.Step body) throws Exception {
        LoopMount.ext4(file, offset, size, dir.resolve("mnt"), body);
    }

    private static JsonObject store(Path stick, String path) {
        JsonObject inspected = CliProcess.lastJson(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok());
        for (JsonElement e : inspected.getAsJsonArray("stores")) {
            if (e.getAsJsonObject().get("path").getAsString().equals(path)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no store " + path + " in " + inspected);
    }

    private static JsonObject onlyStore(Path stick) {
        JsonObject inspected = CliProcess.lastJson(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok());
        assertThat(inspected.getAsJsonArray("stores")).as(inspected.toString()).hasSize(1);
        return inspected.getAsJsonArray("stores").get(0).getAsJsonObject();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

}
