package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.boot.LiveFixture;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.LoopMount;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;
import org.stickwright.testing.WrittenStick;

/**
 * {@code overlay resize} of a store that is an ext4 partition, on sticks {@code stickwright
 * create} made from the real live fixtures: the kernel writes files into the store, the resize
 * moves the partition's end and grows the ext4 in place, and then sfdisk/sgdisk find the table
 * sound, {@code e2fsck -fn} the filesystem clean, and the kernel mounts it at the new size with
 * every file as it was and room for more than the old partition held. Refusals (shrinking,
 * more than the free space) write nothing.
 */
@Tag(Tags.ORACLE)
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
class OverlayPartitionResizeTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    /** Mounts partition {@code number} of {@code stick} through a loop device for {@code step}. */
    private void mounted(Path stick, int number, LoopMount.Step step) throws Exception {
        WrittenStick.Part part = new WrittenStick(stick, dir).partition(number);
        LoopMount.ext4(stick, part.start(), part.size(), dir.resolve("volume"), step);
    }

    private static JsonObject onlyStore(Path stick) {
        JsonObject inspected = CliProcess.lastJson(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok());
        assertThat(inspected.getAsJsonArray("stores")).as(inspected.toString()).hasSize(1);
        return inspected.getAsJsonArray("stores").get(0).getAsJsonObject();
    }

    private void assertClean(Path stick, int number) {
        WrittenStick written = new WrittenStick(stick, dir);
        Path extracted = written.extract(written.partition(number));
        try {
            WrittenStick.e2fsckClean(extracted);
        } finally {
            extracted.toFile().delete();
        }
    }

    @Test
    void growsADebianPersistencePartitionInPlaceAndKeepsItsFiles() throws Exception {
        Capabilities.requireRoot();
        Capabilities.requireTools("debootstrap", "flock", "mount", "losetup", "sfdisk", "e2fsck", "dd", "blkid");
        Capabilities.requireLoopDevices();
        Path fixture = LiveFixture.DEBIAN_LIVE.iso();
        // create's default puts a FAT data partition right after the store: nothing to grow into
        Path withData = dir.resolve("with-data.img");
        CliProcess.run(300, "create", fixture.toString(), withData.toString(), "--size", "1G", "--persistence", "128M",
                "--yes", "--seed", "3").ok();
        String withDataHash = TestImages.sha256(withData);
        Tool.Result blocked = CliProcess.run("overlay", "resize", withData.toString(), "--to", "600M", "--yes");
        assertThat(blocked.exitCode()).as(blocked.output()).isEqualTo(3);
        assertThat(blocked.stderr()).contains("can grow to at most " + 128 * MIB, "next partition");
        assertThat(TestImages.sha256(withData)).isEqualTo(withDataHash);
        Files.delete(withData);

        Path stick = dir.resolve("debian.img");
        CliProcess.run(300, "create", fixture.toString(), stick.toString(), "--size", "1G", "--persistence", "128M",
                "--data-fs", "none", "--yes", "--seed", "3").ok();
        JsonObject store = onlyStore(stick);
        assertThat(store.get("kind").getAsString()).isEqualTo("live_boot_persistence");
        int number = store.get("partition").getAsInt();
        byte[] blob = new byte[5 << 20];
        new Random(3).nextBytes(blob);
        Map<String, String>[] before = new Map[1];
        mounted(stick, number, volume -> {
            Files.createDirectories(volume.resolve("rw/home/user"));
            Files.write(volume.resolve("rw/home/user/blob"), blob);
            Files.writeString(volume.resolve("rw/home/user/note"), "kept across the resize\n");
            before[0] = TestImages.describeTree(volume.resolve("rw"));
        });
        WrittenStick written = new WrittenStick(stick, dir);
        long start = written.partition(number).start();
        String otherPartitions = written.partitions().stream().filter(p -> p.number() != number).toList().toString();
        // the isohybrid table's own overlap (the EFI image inside the ISO entry) is all sfdisk may report
        List<String> problems = written.sfdiskProblems();

        // more than the free space, and a shrink: refused, nothing written
        String hash = TestImages.sha256(stick);
        Tool.Result tooBig = CliProcess.run("overlay", "resize", stick.toString(), "--to", "2G", "--yes");
        assertThat(tooBig.exitCode()).as(tooBig.output()).isEqualTo(3);
        assertThat(tooBig.stderr()).contains("can grow to at most");
        Tool.Result shrink = CliProcess.run("overlay", "resize", stick.toString(), "--to", "64M", "--yes");
        assertThat(shrink.exitCode()).as(shrink.output()).isEqualTo(3);
        assertThat(shrink.stderr()).contains("only grows");
        assertThat(TestImages.sha256(stick)).isEqualTo(hash);

        JsonObject grown = CliProcess.lastJson(CliProcess.run(120, "overlay", "resize", stick.toString(), "--to",
                "600M", "--yes", "--json").ok());
        assertThat(grown.get("newSizeBytes").getAsLong()).isEqualTo(600 * MIB);
        assertThat(written.partition(number).size()).isEqualTo(600 * MIB);
        assertThat(written.partition(number).start()).isEqualTo(start);
        assertThat(written.partitions().stream().filter(p -> p.number() != number).toList().toString())
                .isEqualTo(otherPartitions);
        assertThat(written.sfdiskProblems()).isEqualTo(problems);
        assertThat(written.blkid(written.partition(number), "LABEL")).isEqualTo("persistence");
        assertClean(stick, number);
        mounted(stick, number, volume -> {
            assertThat(TestImages.describeTree(volume.resolve("rw"))).isEqualTo(before[0]);
            String df = Tool.run("df", "-B1", "--output=size", volume.toString()).ok().stdout();
            assertThat(Long.parseLong(df.lines().toList().get(1).strip())).isGreaterThan(560 * MIB);
            // more than the old partition could hold
            Tool.run("dd", "if=/dev/zero", "of=" + volume.resolve("rw/fill"), "bs=1M", "count=300", "status=none").ok();
        });
        assertClean(stick, number);

        // a partition grown by another tool is filled by its ext4; then "max" takes the rest of the stick
        Tool.run(null, 60, List.of("sh", "-c", "echo ',+' | sfdisk -q -N " + number + " " + stick)).ok();
        long enlarged = written.partition(number).size();
        assertThat(enlarged).isGreaterThan(600 * MIB);
        JsonObject filled = CliProcess.lastJson(CliProcess.run(120, "overlay", "resize", stick.toString(), "--to", "max",
                "--yes", "--json").ok());
        assertThat(filled.get("filesystemBytes").getAsLong()).isGreaterThan(enlarged - 4 * MIB).isLessThanOrEqualTo(enlarged);
        assertClean(stick, number);
        Tool.Result full = CliProcess.run("overlay", "resize", stick.toString(), "--to", "max", "--yes");
        assertThat(full.exitCode()).as(full.output()).isEqualTo(3);
        mounted(stick, number, volume -> assertThat(Files.readString(volume.resolve("rw/home/user/note")))
                .isEqualTo("kept across the resize\n"));
    }

    @Test
    void growsAFedoraStorePartitionOnAGptStickToTheEnd() throws Exception {
        Capabilities.requireRoot();
        Capabilities.requireTools("debootstrap", "flock", "mount", "losetup", "sfdisk", "sgdisk", "e2fsck", "dd");
        Capabilities.requireLoopDevices();
        Path stick = dir.resolve("fedora.img");
        CliProcess.run(300, "create", LiveFixture.FEDORA_FLAT.iso().toString(), stick.toString(), "--size", "512M",
                "--persistence", "64M", "--data-fs", "none", "--yes", "--seed", "4").ok();
        JsonObject store = onlyStore(stick);
        assertThat(store.get("kind").getAsString()).isEqualTo("overlayfs_directory");
        int number = store.get("partition").getAsInt();
        WrittenStick written = new WrittenStick(stick, dir);
        assertThat(written.tableKind()).isEqualTo("gpt");
        mounted(stick, number, volume -> Files.writeString(volume.resolve("LiveOS/overlay-persistent/marker"), "m"));
        JsonObject grown = CliProcess.lastJson(CliProcess.run(120, "overlay", "resize", stick.toString(), "--to", "max",
                "--yes", "--json").ok());
        long size = written.partition(number).size();
        assertThat(size).isEqualTo(grown.get("newSizeBytes").getAsLong()).isGreaterThan(470 * MIB);
        assertThat(written.sgdiskVerify()).contains("No problems found");
        assertClean(stick, number);
        assertThat(onlyStore(stick).get("sizeBytes").getAsLong()).isGreaterThan(470 * MIB);
        mounted(stick, number, volume -> assertThat(Files.readString(volume.resolve("LiveOS/overlay-persistent/marker")))
                .isEqualTo("m"));
    }
}
