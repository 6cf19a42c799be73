package org.stickwright.engine.part;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

/**
 * {@link PartitionGrower} on tables made by util-linux's sfdisk and gdisk's sgdisk, judged by
 * them: {@code sfdisk --verify} / {@code sgdisk -v} clean after the change, the partition's new
 * size as {@code sfdisk --dump} reads it, every other entry and every byte outside the tables
 * unchanged, and refusals that write nothing.
 */
@Tag(Tags.ORACLE)
class PartitionGrowerOracleTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path disk(String sfdiskScript) throws IOException {
        Path disk = dir.resolve("disk.img");
        try (ImageFile file = ImageFile.create(disk, 64 * MIB)) {
            file.flush();
        }
        Path script = dir.resolve("layout");
        Files.writeString(script, sfdiskScript);
        Tool.run(null, 60, List.of("sh", "-c", "sfdisk -q " + disk + " < " + script)).ok();
        return disk;
    }

    /** sfdisk --dump lines "disk.img1 : start=..., size=..." without the header. */
    private static List<String> dump(Path disk) {
        List<String> lines = new ArrayList<>();
        for (String line : Tool.run("sfdisk", "--dump", disk.toString()).ok().stdout().split("\n")) {
            if (line.startsWith(disk.toString())) {
                lines.add(line.substring(disk.toString().length()));
            }
        }
        return lines;
    }

    private static PartitionGrower.Plan grow(Path disk, int number, long bytes) throws IOException {
        try (ImageFile file = ImageFile.openReadWrite(disk)) {
            PartitionGrower.Plan plan = PartitionGrower.plan(file, number, bytes);
            PartitionGrower.grow(file, plan);
            return plan;
        }
    }

    @Test
    void growsAnMbrPartitionIntoTheGapBeforeTheNext() throws IOException {
        Capabilities.requireTools("sfdisk");
        Path disk = disk("label: dos\nstart=2048, size=16MiB, type=c\nstart=34816, size=8MiB, type=83\n"
                + "start=71680, size=20MiB, type=83\n");
        List<String> before = dump(disk);
        PartitionGrower.Plan plan = grow(disk, 2, 16 * MIB);
        assertThat(plan.maxBytes()).isEqualTo((71680 - 34816) * 512L);
        List<String> after = dump(disk);
        assertThat(after.get(1)).contains("size=       32768");
        assertThat(List.of(after.get(0), after.get(2))).isEqualTo(List.of(before.get(0), before.get(2)));
        Tool.run("sfdisk", "--verify", disk.toString()).ok();
        // the last one grows to the end of the disk with "all the free space"
        grow(disk, 3, Long.MAX_VALUE);
        assertThat(dump(disk).get(2)).contains("size=       59392");
        Tool.run("sfdisk", "--verify", disk.toString()).ok();
    }

    @Test
    void growsAGptPartitionAndRewritesBothHeaders() throws IOException {
        Capabilities.requireTools("sfdisk", "sgdisk");
        Path disk = disk("label: gpt\nstart=2048, size=16MiB, type=U\nstart=34816, size=8MiB, type=L, name=persistence\n");
        String before = Tool.run("sgdisk", "-i", "1", disk.toString()).ok().stdout();
        grow(disk, 2, 30 * MIB);
        assertThat(dump(disk).get(1)).contains("size=       61440").contains("name=\"persistence\"");
        assertThat(Tool.run("sgdisk", "-i", "1", disk.toString()).ok().stdout()).isEqualTo(before);
        Tool.Result verify = Tool.run("sgdisk", "-v", disk.toString());
        assertThat(verify.exitCode()).isZero();
        assertThat(verify.stdout()).contains("No problems found");
        // sgdisk -v compares the backup header and array with the primary ones
        assertThat(grow(disk, 2, Long.MAX_VALUE).newSectors()).isEqualTo(131038 - 34816 + 1);
        Tool.run("sgdisk", "-v", disk.toString()).ok();
    }

    @Test
    void growsTheHybridMbrMirrorWithTheGptEntry() throws IOException {
        Capabilities.requireTools("sfdisk", "sgdisk");
        Path disk = disk("label: gpt\nstart=2048, size=16MiB, type=U\nstart=34816, size=8MiB, type=L\n");
        Tool.run("sgdisk", "-h", "2", disk.toString()).ok();
        grow(disk, 2, 20 * MIB);
        try (ImageFile file = ImageFile.openReadOnly(disk)) {
            Mbr mbr = Mbr.read(file);
            MbrPartitionEntry mirror = mbr.entries().stream().filter(e -> e.firstLba() == 34816).findFirst().orElseThrow();
            assertThat(mirror.sectorCount()).isEqualTo(40960);
        }
        Tool.run("sgdisk", "-v", disk.toString()).ok();
    }

    @Test
    void refusesToShrinkOrOverlapAndWritesNothing() throws IOException {
        Capabilities.requireTools("sfdisk");
        Path disk = disk("label: dos\nstart=2048, size=16MiB, type=c\nstart=34816, size=8MiB, type=83\n"
                + "start=71680, size=20MiB, type=83\n");
        String before = TestImages.sha256(disk);
        try (ImageFile file = ImageFile.openReadWrite(disk)) {
            assertThatThrownBy(() -> PartitionGrower.plan(file, 2, 19 * MIB))
                    .isInstanceOf(PartitionGrower.Refused.class).hasMessageContaining("at most " + (71680 - 34816) * 512L);
            assertThatThrownBy(() -> PartitionGrower.plan(file, 2, 8 * MIB))
                    .isInstanceOf(PartitionGrower.Refused.class).hasMessageContaining("only grows");
            assertThatThrownBy(() -> PartitionGrower.plan(file, 4, 8 * MIB))
                    .isInstanceOf(PartitionTableException.class).hasMessageContaining("no partition 4");
        }
        assertThat(TestImages.sha256(disk)).isEqualTo(before);
    }
}
