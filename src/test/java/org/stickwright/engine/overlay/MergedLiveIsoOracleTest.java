package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoRebuildException;
import org.stickwright.engine.part.PartitionTables;
import org.stickwright.engine.squashfs.SquashfsSuperblock;
import org.stickwright.testing.FedoraLikeMergeCase;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The whole merge on a hand-made Fedora nested ISO and a store holding exactly the chunks
 * debugfs changed ({@link FedoraLikeMergeCase}): the new ISO's squashfs, read by xorriso and
 * unsquashfs, holds the changed rootfs.img byte for byte.
 */
@Tag(Tags.ORACLE)
class MergedLiveIsoOracleTest {
    @TempDir
    Path dir;

    @Test
    void theNewIsoHoldsTheChangedRoot() throws Exception {
        FedoraLikeMergeCase merge = FedoraLikeMergeCase.build(dir);
        Path output = dir.resolve("merged.iso");
        MergedLiveIso.Result result;
        long started = System.nanoTime();
        try (ImageFile stick = ImageFile.openReadOnly(merge.iso()); ImageFile cow = ImageFile.openReadOnly(merge.store())) {
            result = MergedLiveIso.write(stick, DmSnapshotStore.read(cow), cow, output, null, null);
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(result.merge().applied()).isEqualTo(merge.chunks()).isGreaterThan(100);
        assertThat(result.rootfsBytes()).isEqualTo(Files.size(merge.before()));
        assertThat(result.compression()).isEqualTo(SquashfsSuperblock.Compression.XZ);
        assertThat(result.compressionNote()).isEmpty();
        assertThat(result.iso().shiftBytes()).isPositive();
        assertThat(result.iso().movedPartitions()).contains(1, 2);
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }

        // xorriso extracts the new squashfs; unsquashfs unpacks it; its rootfs.img is the changed one exactly.
        Path squash = dir.resolve("squashfs.img");
        Tool.run("xorriso", "-osirrox", "on", "-indev", output.toString(), "-extract", "/LiveOS/squashfs.img",
                squash.toString()).ok();
        assertThat(Files.size(squash)).isEqualTo(result.squashfsBytes());
        assertThat(Tool.run("unsquashfs", "-s", squash.toString()).ok().stdout()).contains("xz");
        Path unpacked = dir.resolve("unpacked");
        Tool.run("unsquashfs", "-d", unpacked.toString(), squash.toString()).ok();
        Path merged = unpacked.resolve("LiveOS/rootfs.img");
        assertThat(sha256(merged)).isEqualTo(sha256(merge.after())).isNotEqualTo(sha256(merge.before()));
        Tool.run("e2fsck", "-fn", merged.toString()).ok();
        assertThat(Tool.run("unsquashfs", "-lls", squash.toString()).ok().stdout())
                .contains("squashfs-root/LiveOS/rootfs.img").contains("drwxr-xr-x root/root");

        // Still a Fedora-style hybrid: the GPT checks out, the EFI partition moved and reads.
        assertThat(Tool.run("sgdisk", "-v", output.toString()).stdout()).contains("No problems found");
        try (ImageFile file = ImageFile.openReadOnly(output)) {
            long start = PartitionTables.read(file).partitions().get(1).firstLba() * 512;
            assertThat(Tool.run("mtype", "-i", output + "@@" + start, "::/EFI/BOOT/grub.cfg").ok().stdout())
                    .isEqualTo(FedoraLikeMergeCase.EFI_GRUB_CFG);
        }
        System.out.printf("merged %d chunks; rootfs %d, squashfs %d bytes; ISO %d -> %d bytes; %d ms%n",
                merge.chunks(), result.rootfsBytes(), result.squashfsBytes(), Files.size(merge.iso()),
                Files.size(output), millis);

        // The output is never written over; the refusal comes before any work.
        assertThatThrownBy(() -> {
            try (ImageFile stick = ImageFile.openReadOnly(merge.iso());
                    ImageFile cow = ImageFile.openReadOnly(merge.store())) {
                MergedLiveIso.write(stick, DmSnapshotStore.read(cow), cow, output, null, null);
            }
        }).isInstanceOf(IsoRebuildException.class).hasMessageContaining("never written over");
    }

    static String sha256(Path file) throws Exception {
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
