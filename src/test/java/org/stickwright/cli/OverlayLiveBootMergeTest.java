package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.boot.LiveFixture;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.KernelOverlay;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

/**
 * {@code overlay merge} on Debian live-boot sticks made by {@code stickwright create}: the
 * kernel writes the changes through {@code mount -t overlay} with the fixture's real
 * live/filesystem.squashfs as lower and the persistence volume's /rw and /work as upper and work
 * (what live-boot mounts for {@code / union}), so the whiteout and the opaque directory are the
 * kernel's own. The oracle is the kernel's merged view: unsquashfs of the new squashfs must give
 * exactly that tree. A hybrid stick gives a new ISO whose every other file xorriso extracts
 * as it is in the stick's own ISO; an extract-mode stick gives the same squashfs with --squashfs-only; a stick with no
 * store is refused and nothing is written.
 */
@Tag(Tags.ORACLE)
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
class OverlayLiveBootMergeTest {
    private static final byte[] NEW_BLOB = new Random(11).ints(200_000, 0, 256).collect(
            java.io.ByteArrayOutputStream::new, (o, b) -> o.write(b), (a, b) -> a.write(b.toByteArray(), 0, b.size()))
            .toByteArray();

    @TempDir
    Path dir;

    @Test
    void hybridGivesANewIsoAndExtractTheSameSquashfsBothEqualToTheKernelsOverlayView() throws Exception {
        Capabilities.requireRoot();
        Capabilities.requireTools("debootstrap", "flock", "mount", "losetup", "xorriso", "unsquashfs", "sgdisk");
        Capabilities.requireLoopDevices();
        Path fixture = LiveFixture.DEBIAN_LIVE.iso();
        Path lower = dir.resolve("lower.squashfs");
        Tool.run("xorriso", "-osirrox", "on", "-indev", fixture.toString(), "-extract", "/live/filesystem.squashfs",
                lower.toString()).ok();

        Path hybrid = dir.resolve("hybrid.img");
        CliProcess.run(300, "create", fixture.toString(), hybrid.toString(), "--size", "256M", "--persistence", "64M",
                "--yes", "--seed", "5").ok();
        JsonObject store = onlyStore(hybrid);
        assertThat(store.get("kind").getAsString()).isEqualTo("live_boot_persistence");
        Map<String, String> view = changeThroughOverlay(hybrid, store.get("partition").getAsInt(), lower, true);
        String hybridBefore = TestImages.sha256(hybrid);

        Path iso = dir.resolve("new.iso");
        long started = System.nanoTime();
        JsonObject merged = CliProcess.lastJson(CliProcess.run(300, "overlay", "merge", hybrid.toString(), "--output",
                iso.toString(), "--json").ok());
        System.out.printf("debian hybrid merge: %d ms (CLI process), squashfs %d -> %d bytes, ISO %d bytes%n",
                (System.nanoTime() - started) / 1_000_000, Files.size(lower), merged.get("squashfsBytes").getAsLong(),
                Files.size(iso));
        assertThat(merged.get("whiteouts").getAsLong()).isEqualTo(1);
        assertThat(merged.get("opaqueDirectories").getAsLong()).isEqualTo(1);
        assertThat(merged.get("isoBytes").getAsLong()).isEqualTo(Files.size(iso));
        assertThat(merged.getAsJsonArray("leftOut").toString()).contains("/home bind");
        assertThat(TestImages.sha256(hybrid)).as("the stick is only read").isEqualTo(hybridBefore);

        // every ISO file but the root squashfs as in the stick's ISO (its boot configurations carry
        // create's persistence entries); the new squashfs is the kernel's view
        Map<String, String> oldIso = TestImages.describeTree(extractIso(hybrid, "old-iso"));
        Map<String, String> newIso = TestImages.describeTree(extractIso(iso, "new-iso"));
        assertThat(newIso.keySet()).isEqualTo(oldIso.keySet());
        int same = 0;
        for (Map.Entry<String, String> e : oldIso.entrySet()) {
            if (!e.getKey().equals("/live/filesystem.squashfs")) {
                assertThat(newIso.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                same++;
            }
        }
        assertThat(same).isGreaterThan(8);
        Path fromIso = dir.resolve("new-iso/live/filesystem.squashfs");
        assertThat(Tool.run("unsquashfs", "-s", fromIso.toString()).ok().stdout()).contains("Compression xz",
                "Block size 131072");
        assertThat(unsquashed(fromIso, "tree-iso")).isEqualTo(view);

        // extract mode: no ISO on the stick, so the ISO is refused and --squashfs-only gives the same tree
        Path extract = dir.resolve("extract.img");
        CliProcess.run(300, "create", fixture.toString(), extract.toString(), "--mode", "extract", "--size", "256M",
                "--persistence", "64M", "--yes", "--seed", "5").ok();
        JsonObject extractStore = onlyStore(extract);
        assertThat(extractStore.get("kind").getAsString()).isEqualTo("live_boot_persistence");
        assertThat(changeThroughOverlay(extract, extractStore.get("partition").getAsInt(), lower, false))
                .isEqualTo(view);
        Tool.Result noIso = CliProcess.run("overlay", "merge", extract.toString(), "--output",
                dir.resolve("refused.iso").toString());
        assertThat(noIso.exitCode()).as(noIso.output()).isEqualTo(2);
        assertThat(noIso.stderr()).contains("no ISO 9660", "--squashfs-only", "--base-iso");
        assertThat(dir.resolve("refused.iso")).doesNotExist();
        Path squashOnly = dir.resolve("extract.squashfs");
        JsonObject only = CliProcess.lastJson(CliProcess.run(300, "overlay", "merge", extract.toString(), "--output",
                squashOnly.toString(), "--squashfs-only", "--json").ok());
        assertThat(only.get("squashfsBytes").getAsLong()).isEqualTo(Files.size(squashOnly));
        assertThat(only.getAsJsonArray("leftOut")).isEmpty();
        assertThat(unsquashed(squashOnly, "tree-extract")).isEqualTo(view);
        // ... and with the ISO it was made from, a new ISO like the hybrid stick's
        Path fromBase = dir.resolve("from-base.iso");
        CliProcess.run(300, "overlay", "merge", extract.toString(), "--output", fromBase.toString(), "--base-iso",
                fixture.toString(), "--json").ok();
        Map<String, String> baseTree = TestImages.describeTree(extractIso(fromBase, "base-iso"));
        assertThat(baseTree.keySet()).isEqualTo(newIso.keySet());
        assertThat(unsquashed(dir.resolve("base-iso/live/filesystem.squashfs"), "tree-base")).isEqualTo(view);
        Tool.Result otherIso = CliProcess.run("overlay", "merge", extract.toString(), "--output",
                dir.resolve("other.iso").toString(), "--base-iso", LiveFixture.FEDORA_FLAT.iso().toString());
        assertThat(otherIso.exitCode()).as(otherIso.output()).isEqualTo(2);
        assertThat(otherIso.stderr()).contains("is not the image", "/LiveOS/squashfs.img", "/live/filesystem.squashfs");
        assertThat(dir.resolve("other.iso")).doesNotExist();

        // the fixture ISO itself has no store: refused, nothing written
        Path none = dir.resolve("none.iso");
        Tool.Result noStore = CliProcess.run("overlay", "merge", fixture.toString(), "--output", none.toString());
        assertThat(noStore.exitCode()).as(noStore.output()).isEqualTo(2);
        assertThat(noStore.stderr()).contains("no store");
        assertThat(none).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    /**
     * Mounts the persistence partition and the lower squashfs, stacks them as live-boot does for
     * {@code / union} and makes the changes through the overlay; returns the overlay's view.
     */
    private Map<String, String> changeThroughOverlay(Path stick, int partition, Path lower, boolean homeLine)
            throws Exception {
        return KernelOverlay.change(stick, partition, dir, lower, "/rw", "/work", volume -> {
            assertThat(Files.readString(volume.resolve("persistence.conf")).strip()).isEqualTo("/ union");
            if (homeLine) {
                Files.writeString(volume.resolve("persistence.conf"), "/ union\n/home bind\n");
            }
        }, OverlayLiveBootMergeTest::change);
    }

    /** A new file and blob, an overwritten file, a deleted one, a directory replaced (opaque). */
    private static void change(Path root) throws IOException {
        Path share = root.resolve("usr/share/stickwright");
        Files.writeString(root.resolve("etc/hostname"), "merged-debian\n");
        Files.write(share.resolve("new.bin"), NEW_BLOB);
        Files.writeString(share.resolve("overwrite.txt"), "overwritten in the field\n");
        Files.delete(share.resolve("delete.txt"));
        Path sbin = root.resolve("usr/sbin");
        try (Stream<Path> old = Files.list(sbin)) {
            for (Path p : (Iterable<Path>) old::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(sbin);
        Files.createDirectory(sbin);
        Files.writeString(sbin.resolve("only-tool"), "#!/bin/sh\necho opaque\n");
    }

    private Map<String, String> unsquashed(Path squashfs, String name) throws IOException {
        Path tree = dir.resolve(name);
        Tool.run("unsquashfs", "-d", tree.toString(), squashfs.toString()).ok();
        return TestImages.describeTree(tree);
    }

    private Path extractIso(Path iso, String name) {
        Path tree = dir.resolve(name);
        Tool.run("xorriso", "-osirrox", "on", "-indev", iso.toString(), "-extract", "/", tree.toString()).ok();
        return tree;
    }

    private static JsonObject onlyStore(Path stick) {
        JsonObject inspected = CliProcess.lastJson(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok());
        assertThat(inspected.getAsJsonArray("stores")).as(inspected.toString()).hasSize(1);
        JsonElement only = inspected.getAsJsonArray("stores").get(0);
        return only.getAsJsonObject();
    }

}
