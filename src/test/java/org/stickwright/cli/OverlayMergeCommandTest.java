package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.FedoraLikeMergeCase;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

/**
 * {@code stickwright overlay merge} as a process on a stick: the ISO at its start, the store on
 * a FAT partition after it ({@link FedoraLikeMergeCase}). The stick is only read.
 */
@Tag(Tags.ORACLE)
class OverlayMergeCommandTest {
    @TempDir
    Path dir;

    @Test
    void mergeWritesANewIsoOrOnlyTheRootfsAndNeverTheStick() throws Exception {
        FedoraLikeMergeCase merge = FedoraLikeMergeCase.build(dir);
        Path stick = merge.stick(dir.resolve("stick.img"), 64L << 20);
        String stickBefore = TestImages.sha256(stick);

        Path iso = dir.resolve("new.iso");
        JsonObject result = CliProcess.lastJson(CliProcess.run("overlay", "merge", stick.toString(), "--output", iso.toString(),
                "--json").ok());
        assertThat(result.get("chunksApplied").getAsInt()).isEqualTo(merge.chunks());
        assertThat(result.get("compression").getAsString()).isEqualTo("xz");
        assertThat(result.get("isoBytes").getAsLong()).isEqualTo(Files.size(iso))
                .isEqualTo(Files.size(merge.iso()) + result.get("shiftBytes").getAsLong());
        assertThat(result.get("movedPartitions").getAsJsonArray().toString()).isEqualTo("[1,2,3]");
        Path squash = dir.resolve("squashfs.img");
        Tool.run("xorriso", "-osirrox", "on", "-indev", iso.toString(), "-extract", "/LiveOS/squashfs.img",
                squash.toString()).ok();
        Tool.run("unsquashfs", "-d", dir.resolve("unpacked").toString(), squash.toString()).ok();
        assertThat(TestImages.sha256(dir.resolve("unpacked/LiveOS/rootfs.img"))).isEqualTo(TestImages.sha256(merge.after()));
        assertThat(Tool.run("sgdisk", "-v", iso.toString()).stdout()).contains("No problems found");
        assertThat(Tool.run("sgdisk", "-p", iso.toString()).stdout()).doesNotContain("overlay");

        // never over an existing file, whichever output
        Tool.Result again = CliProcess.run("overlay", "merge", stick.toString(), "--output", iso.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.stderr() + again.stdout()).contains("exists");

        Path rootfs = dir.resolve("rootfs.img");
        JsonObject only = CliProcess.lastJson(CliProcess.run("overlay", "merge", stick.toString(), "--output", rootfs.toString(),
                "--rootfs-only", "--json").ok());
        assertThat(only.get("chunksApplied").getAsInt()).isEqualTo(merge.chunks());
        assertThat(TestImages.sha256(rootfs)).isEqualTo(TestImages.sha256(merge.after()));

        assertThat(TestImages.sha256(stick)).as("the stick is only read").isEqualTo(stickBefore);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

}
