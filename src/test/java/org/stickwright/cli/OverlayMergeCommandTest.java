package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.FedoraLikeMergeCase;
import org.stickwright.testing.Tags;
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
        String stickBefore = sha256(stick);

        Path iso = dir.resolve("new.iso");
        JsonObject result = lastJson(CliProcess.run("overlay", "merge", stick.toString(), "--output", iso.toString(),
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
        assertThat(sha256(dir.resolve("unpacked/LiveOS/rootfs.img"))).isEqualTo(sha256(merge.after()));
        assertThat(Tool.run("sgdisk", "-v", iso.toString()).stdout()).contains("No problems found");
        assertThat(Tool.run("sgdisk", "-p", iso.toString()).stdout()).doesNotContain("overlay");

        // never over an existing file, whichever output
        Tool.Result again = CliProcess.run("overlay", "merge", stick.toString(), "--output", iso.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.stderr() + again.stdout()).contains("exists");

        Path rootfs = dir.resolve("rootfs.img");
        JsonObject only = lastJson(CliProcess.run("overlay", "merge", stick.toString(), "--output", rootfs.toString(),
                "--rootfs-only", "--json").ok());
        assertThat(only.get("chunksApplied").getAsInt()).isEqualTo(merge.chunks());
        assertThat(sha256(rootfs)).isEqualTo(sha256(merge.after()));

        assertThat(sha256(stick)).as("the stick is only read").isEqualTo(stickBefore);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    private static JsonObject lastJson(Tool.Result run) {
        String last = run.stdout().strip().lines().reduce((a, b) -> b).orElseThrow();
        return JsonParser.parseString(last).getAsJsonObject();
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
