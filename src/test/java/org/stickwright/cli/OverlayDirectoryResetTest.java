package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.boot.LiveFixture;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.FamilyLayoutIsos;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;
import org.stickwright.testing.WrittenStick;

/**
 * {@code overlay reset} on the overlayfs directory stores hybrid mode makes: several profiles
 * share one ext4 persistence partition, the kernel fills them through a loop mount, reset
 * empties one profile's upper and work directories in place; e2fsck -fn then finds nothing,
 * the other profiles' files are unchanged, and the kernel writes into the emptied store. Before
 * the reset, {@code overlay export} backs the store up as a pax tar.xz that GNU tar restores
 * (files, hard links, symlinks, whiteouts, trusted.overlay.* xattrs); after it, {@code overlay
 * import} writes that backup back in place of what the kernel wrote since, e2fsck clean.
 */
@Tag(Tags.ORACLE)
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
class OverlayDirectoryResetTest {
    @TempDir
    Path dir;

    @Test
    void resetsOneFedoraProfileAndLeavesTheMainStoreAndTheOtherProfile() throws Exception {
        Capabilities.requireRoot();
        Capabilities.requireTools("debootstrap", "flock", "e2fsck", "mount", "mknod", "setfattr", "getfattr", "tar");
        Path stick = dir.resolve("fedora.img");
        CliProcess.run(300, "create", LiveFixture.FEDORA_FLAT.iso().toString(), stick.toString(), "--size", "512M",
                "--persistence", "128M", "--profile", "work=32M", "--profile", "play=32M", "--yes", "--seed", "3").ok();
        resetOneProfile(stick, "work", "/profiles/work/overlay-persistent", "/profiles/work/ovlwork",
                List.of("/LiveOS/overlay-persistent", "/profiles/play/overlay-persistent"));
    }

    @Test
    void resetsTheArchisoCowDirectoryAndLeavesTheOtherProfile() throws Exception {
        Capabilities.requireRoot();
        FamilyLayoutIsos.requireTools();
        Capabilities.requireTools("e2fsck", "mount", "mknod", "setfattr", "getfattr", "tar");
        FamilyLayoutIsos.Layout layout = new FamilyLayoutIsos(Files.createDirectories(dir.resolve("isos"))).arch();
        Path stick = dir.resolve("arch.img");
        CliProcess.run(300, "create", layout.iso().toString(), stick.toString(), "--size", "512M", "--persistence",
                "128M", "--profile", "work=64M", "--data-fs", "none", "--yes", "--seed", "3").ok();
        resetOneProfile(stick, "persistent", "/persistent/upperdir", "/persistent/workdir", List.of("/work/upperdir"));
    }

    private void resetOneProfile(Path stick, String profile, String upper, String work, List<String> others)
            throws Exception {
        JsonObject inspected = result(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok());
        int partition = -1;
        List<String> paths = new ArrayList<>();
        for (JsonElement e : inspected.getAsJsonArray("stores")) {
            JsonObject store = e.getAsJsonObject();
            paths.add(store.get("profile").getAsString() + " " + store.get("path").getAsString());
            if (store.get("path").getAsString().equals(upper)) {
                partition = store.get("partition").getAsInt();
                assertThat(store.get("kind").getAsString()).isEqualTo("overlayfs_directory");
            }
        }
        assertThat(paths).as("every profile's store is found, named by its profile").contains(profile + " " + upper);
        assertThat(partition).as(paths.toString()).isPositive();
        int storePartition = partition;

        Map<String, String> othersBefore = new TreeMap<>();
        Map<String, String> upperBefore = new TreeMap<>();
        withMounted(stick, storePartition, root -> {
            fill(root.resolve(upper.substring(1)), 300);
            upperBefore.putAll(describe(root, upper));
            Files.createDirectories(root.resolve(work.substring(1) + "/work"));
            Files.writeString(root.resolve(work.substring(1) + "/work/leftover"), "from a crashed copy-up");
            for (String other : others) {
                fill(root.resolve(other.substring(1)), 40);
                othersBefore.putAll(describe(root, other));
            }
        });
        // export first: a pax tar.xz that GNU tar restores with the whiteouts, hard links and xattrs
        Path backup = dir.resolve("store.tar.xz");
        CliProcess.run("overlay", "export", stick.toString(), "--profile", profile, "--output", backup.toString()).ok();
        Path restored = Files.createDirectories(dir.resolve("restored" + upper));
        Tool.Result untar = Tool.run("tar", "-xpf", backup.toString(), "--xattrs", "--xattrs-include=*", "-C",
                restored.toString()).ok();
        assertThat(untar.stderr()).as("GNU tar takes the base-image comment silently").isEmpty();
        assertThat(describe(dir.resolve("restored"), upper)).isEqualTo(upperBefore);
        assertThat(Tool.run("getfattr", "--absolute-names", "--only-values", "-n", "trusted.overlay.opaque",
                restored.resolve("etc/sub/deeper").toString()).ok().stdout()).isEqualTo("y");

        String sha = TestImages.sha256(stick);
        Path damaged = dir.resolve("damaged.tar.xz");
        byte[] whole = Files.readAllBytes(backup);
        Files.write(damaged, java.util.Arrays.copyOf(whole, whole.length / 2));
        Tool.Result refused = CliProcess.run("overlay", "import", stick.toString(), damaged.toString(), "--profile",
                profile, "--yes");
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(2);
        assertThat(refused.output()).contains("damaged directory-store backup");
        assertThat(TestImages.sha256(stick)).as("import wrote nothing").isEqualTo(sha);

        Tool.Result asked = CliProcess.run("overlay", "reset", stick.toString(), "--profile", profile);
        assertThat(asked.exitCode()).as("no terminal, no --yes: " + asked.output()).isEqualTo(2);
        assertThat(TestImages.sha256(stick)).as("refused before any write").isEqualTo(sha);

        JsonObject reset = result(CliProcess.run("overlay", "reset", stick.toString(), "--profile", profile, "--yes",
                "--json").ok());
        assertThat(reset.get("inodesFreed").getAsLong()).isGreaterThan(300);
        assertThat(reset.getAsJsonArray("emptied").toString()).contains(upper, work);

        e2fsckClean(stick, storePartition);
        withMounted(stick, storePartition, root -> {
            try (Stream<Path> u = Files.list(root.resolve(upper.substring(1)));
                    Stream<Path> w = Files.list(root.resolve(work.substring(1)))) {
                assertThat(u).isEmpty();
                assertThat(w).isEmpty();
            }
            Map<String, String> othersAfter = new TreeMap<>();
            for (String other : others) {
                othersAfter.putAll(describe(root, other));
            }
            assertThat(othersAfter).isEqualTo(othersBefore);
            fill(root.resolve(upper.substring(1)), 20);
        });
        e2fsckClean(stick, storePartition);

        // import puts the exported store back in place of what the kernel wrote since
        JsonObject imported = result(CliProcess.run("overlay", "import", stick.toString(), backup.toString(),
                "--profile", profile, "--yes", "--json").ok());
        assertThat(imported.get("restoredEntries").getAsLong()).isGreaterThan(300);
        assertThat(imported.get("sameBaseImage").getAsBoolean()).as("export recorded this stick's ISO").isTrue();
        e2fsckClean(stick, storePartition);
        withMounted(stick, storePartition, root -> {
            assertThat(describe(root, upper)).isEqualTo(upperBefore);
            assertThat(Tool.run("getfattr", "--absolute-names", "--only-values", "-n", "trusted.overlay.opaque",
                    root.resolve(upper.substring(1) + "/etc/sub/deeper").toString()).ok().stdout()).isEqualTo("y");
            try (Stream<Path> w = Files.list(root.resolve(work.substring(1)))) {
                assertThat(w).as("the work directory is emptied with the upper").isEmpty();
            }
            Map<String, String> othersAfter = new TreeMap<>();
            for (String other : others) {
                othersAfter.putAll(describe(root, other));
            }
            assertThat(othersAfter).isEqualTo(othersBefore);
        });

        // the same stick with its ISO rebuilt at another time: the backup belongs to another base image
        Path rebuilt = dir.resolve("rebuilt.img");
        Files.copy(stick, rebuilt);
        try (java.nio.channels.FileChannel iso = java.nio.channels.FileChannel.open(rebuilt,
                java.nio.file.StandardOpenOption.WRITE)) {
            iso.write(java.nio.ByteBuffer.wrap("1999".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                    16 * 2048 + 813); // the primary volume descriptor's creation year
        }
        Tool.Result other = CliProcess.run("overlay", "import", rebuilt.toString(), backup.toString(), "--profile",
                profile, "--yes", "--json").ok();
        assertThat(other.stdout()).contains("\"warning\"", "base image", "changes bound to the old root may not apply");
        assertThat(result(other).get("sameBaseImage").getAsBoolean()).isFalse();
    }

    interface Body {
        void run(Path root) throws Exception;
    }

    /**
     * A loop device over one partition of the stick (offset and size limit: partition nodes
     * of a partscanned loop need udev, which containers lack).
     */
    private static final class PartitionLoop implements AutoCloseable {
        final String device;

        PartitionLoop(Path stick, int partition) {
            Capabilities.requireLoopDevices();
            WrittenStick.Part part = new WrittenStick(stick, stick.getParent()).partition(partition);
            device = Tool.run("losetup", "--find", "--show", "--offset", Long.toString(part.start()), "--sizelimit",
                    Long.toString(part.size()), stick.toString()).ok().stdout().trim();
        }

        @Override
        public void close() {
            Tool.run("losetup", "--detach", device).ok();
        }
    }

    private static void e2fsckClean(Path stick, int partition) {
        try (PartitionLoop loop = new PartitionLoop(stick, partition)) {
            Tool.Result fsck = Tool.run("e2fsck", "-fn", loop.device);
            assertThat(fsck.exitCode()).as(fsck.output()).isZero();
        }
    }

    private void withMounted(Path stick, int partition, Body body) throws Exception {
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        try (PartitionLoop loop = new PartitionLoop(stick, partition)) {
            Tool.run("mount", "-t", "ext4", loop.device, mnt.toString()).ok();
            try {
                body.run(mnt);
            } finally {
                Tool.run("umount", mnt.toString()).ok();
            }
        }
    }

    /** What a live system leaves in an upper: files, a deep tree, a big directory, whiteouts, xattrs, links. */
    private static void fill(Path upper, int files) throws IOException {
        Path etc = Files.createDirectories(upper.resolve("etc/sub/deeper"));
        for (int i = 0; i < files; i++) {
            Files.writeString(upper.resolve("etc/file-" + i), "line ".repeat(i));
        }
        Files.write(etc.resolve("blob"), new byte[2 << 20]);
        Files.createSymbolicLink(upper.resolve("etc/link"), Path.of("sub/deeper/blob"));
        Files.createLink(upper.resolve("etc/sub/hardlink"), upper.resolve("etc/file-1"));
        Tool.run("mknod", upper.resolve("etc/deleted").toString(), "c", "0", "0").ok();
        Tool.run("setfattr", "-n", "trusted.overlay.opaque", "-v", "y", etc.toString()).ok();
    }

    private static Map<String, String> describe(Path root, String store) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Path base = root.resolve(store.substring(1));
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String rel = store + "/" + base.relativize(p);
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "file " + TestImages.sha256(p) + " links " + Files.getAttribute(p, "unix:nlink"));
                } else {
                    out.put(rel, "other " + Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS));
                }
            }
        }
        return out;
    }

    private static JsonObject result(Tool.Result run) {
        for (String line : run.stdout().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject event = JsonParser.parseString(line).getAsJsonObject();
            if (event.has("event") && event.get("event").getAsString().equals("result")) {
                return event;
            }
        }
        throw new AssertionError("no result event in " + run.stdout());
    }
}
