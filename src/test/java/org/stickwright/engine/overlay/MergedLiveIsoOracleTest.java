package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoRebuildException;
import org.stickwright.engine.squashfs.SquashfsSuperblock;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.FamilyLayoutIsos;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The whole merge on a hand-made Fedora nested ISO: rootfs.img A (mkfs.ext4 -d), a copy B that
 * debugfs changes (a file written, one removed), a dm-snapshot store holding exactly the 4 KiB
 * chunks where B differs from A, and an xorriso ISO laid out like Fedora's (-partition_offset 16,
 * EFI image appended as GPT partition 2). The new ISO's squashfs, read by xorriso and unsquashfs,
 * must hold B byte for byte.
 */
@Tag(Tags.ORACLE)
class MergedLiveIsoOracleTest {
    private static final int CHUNK = 4096;
    private static final String ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

    @TempDir
    Path dir;

    @Test
    void theNewIsoHoldsTheChangedRootAndStillBoots() throws Exception {
        FamilyLayoutIsos.requireTools();
        Capabilities.requireTools("mkfs.ext4", "debugfs", "e2fsck", "unsquashfs", "sgdisk", "mtype", "xorriso");
        Path tree = Files.createDirectories(dir.resolve("root/usr/share/stickwright"));
        for (String name : List.of("keep", "overwrite", "delete")) {
            StringBuilder text = new StringBuilder();
            for (int i = 1; i <= 5000; i++) {
                text.append(name).append(' ').append(String.format("%08d", i)).append('\n');
            }
            Files.writeString(tree.resolve(name + ".txt"), text);
        }
        // Incompressible content, so the new squashfs outgrows the old one and the ISO must move.
        java.util.Random random = new java.util.Random(7);
        byte[] noise = new byte[1 << 20];
        random.nextBytes(noise);
        Files.write(tree.resolve("noise.bin"), noise);
        Path a = dir.resolve("a.img");
        Tool.run("truncate", "-s", "8M", a.toString()).ok();
        Tool.run("mkfs.ext4", "-q", "-L", "Anaconda", "-E", "root_owner=0:0", "-d", dir.resolve("root").toString(),
                a.toString()).ok();
        Path b = dir.resolve("b.img");
        Files.copy(a, b);
        Path newFile = dir.resolve("new.txt");
        byte[] guest = new byte[600 * 1024];
        random.nextBytes(guest);
        Files.write(newFile, guest);
        Tool.run("debugfs", "-w", "-R", "write " + newFile + " /new.txt", b.toString()).ok();
        Tool.run("debugfs", "-w", "-R", "rm /usr/share/stickwright/delete.txt", b.toString()).ok();
        Tool.run("e2fsck", "-fn", b.toString()).ok();

        byte[] before = Files.readAllBytes(a);
        byte[] after = Files.readAllBytes(b);
        KernelLikeStore store = new KernelLikeStore(4L << 20, CHUNK / 512);
        int changed = 0;
        for (int chunk = 0; chunk < before.length / CHUNK; chunk++) {
            if (java.util.Arrays.mismatch(before, chunk * CHUNK, (chunk + 1) * CHUNK, after, chunk * CHUNK,
                    (chunk + 1) * CHUNK) >= 0) {
                long at = store.add(chunk, (byte) 0) * CHUNK;
                store.device.write(ByteBuffer.wrap(after, chunk * CHUNK, CHUNK), at);
                changed++;
            }
        }
        assertThat(changed).isGreaterThan(2);

        Path iso = fedoraLikeIso(a);
        Path output = dir.resolve("merged.iso");
        MergedLiveIso.Result result;
        long started = System.nanoTime();
        try (ImageFile stick = ImageFile.openReadOnly(iso)) {
            result = MergedLiveIso.write(stick, DmSnapshotStore.read(store.device), store.device, output, null, null);
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(result.merge().applied()).isEqualTo(changed);
        assertThat(result.rootfsBytes()).isEqualTo(before.length);
        assertThat(result.compression()).isEqualTo(SquashfsSuperblock.Compression.XZ);
        assertThat(result.compressionNote()).isEmpty();
        assertThat(result.iso().shiftBytes()).isPositive();
        assertThat(result.iso().movedPartitions()).contains(1, 2);
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }

        // xorriso extracts the new squashfs; unsquashfs unpacks it; its rootfs.img is B exactly.
        Path squash = dir.resolve("squashfs.img");
        Tool.run("xorriso", "-osirrox", "on", "-indev", output.toString(), "-extract", "/LiveOS/squashfs.img",
                squash.toString()).ok();
        assertThat(Files.size(squash)).isEqualTo(result.squashfsBytes());
        assertThat(Tool.run("unsquashfs", "-s", squash.toString()).ok().stdout()).contains("xz");
        Path unpacked = dir.resolve("unpacked");
        Tool.run("unsquashfs", "-d", unpacked.toString(), squash.toString()).ok();
        Path merged = unpacked.resolve("LiveOS/rootfs.img");
        assertThat(sha256(merged)).isEqualTo(sha256(b));
        Tool.run("e2fsck", "-fn", merged.toString()).ok();
        String listing = Tool.run("unsquashfs", "-lls", squash.toString()).ok().stdout();
        assertThat(listing).contains("squashfs-root/LiveOS/rootfs.img").contains("drwxr-xr-x root/root");

        // Still a Fedora-style hybrid: GPT checks out, the EFI partition moved and reads.
        assertThat(Tool.run("sgdisk", "-v", output.toString()).stdout()).contains("No problems found");
        String esp = output + "@@" + result.iso().imageBytes();
        try (ImageFile file = ImageFile.openReadOnly(output)) {
            long start = org.stickwright.engine.part.PartitionTables.read(file).partitions().get(1).firstLba() * 512;
            esp = output + "@@" + start;
        }
        assertThat(Tool.run("mtype", "-i", esp, "::/EFI/BOOT/grub.cfg").ok().stdout()).isEqualTo("efi config\n");
        System.out.printf("merged %d chunks; rootfs %d, squashfs %d -> %d bytes; ISO %d -> %d bytes; %d ms%n",
                changed, result.rootfsBytes(), Files.size(dir.resolve("iso/LiveOS/squashfs.img")),
                result.squashfsBytes(), Files.size(iso), Files.size(output), millis);

        // The output is never written over; the refusal comes before any work.
        assertThatThrownBy(() -> {
            try (ImageFile stick = ImageFile.openReadOnly(iso)) {
                MergedLiveIso.write(stick, DmSnapshotStore.read(store.device), store.device, output, null, null);
            }
        }).isInstanceOf(IsoRebuildException.class).hasMessageContaining("never written over");
    }

    /** A Fedora-nested-like ISO whose squashfs holds {@code rootfs} as LiveOS/rootfs.img. */
    private Path fedoraLikeIso(Path rootfs) throws IOException {
        Path squashTree = Files.createDirectories(dir.resolve("squash/LiveOS"));
        Files.copy(rootfs, squashTree.resolve("rootfs.img"));
        Path src = Files.createDirectories(dir.resolve("iso/LiveOS"));
        Tool.run("mksquashfs", dir.resolve("squash").toString(), src.resolve("squashfs.img").toString(), "-comp", "xz",
                "-noappend", "-quiet").ok();
        Files.createDirectories(dir.resolve("iso/images"));
        Files.writeString(dir.resolve("iso/images/eltorito.img"), "placeholder GRUB eltorito image\n".repeat(100));
        Files.createDirectories(dir.resolve("iso/boot/grub2"));
        Files.writeString(dir.resolve("iso/boot/grub2/grub.cfg"), "menuentry 'Start' { linux /vmlinuz }\n");
        Path efi = dir.resolve("efiboot.img");
        Tool.run("mkfs.fat", "-C", "-n", "ANACONDA", efi.toString(), "2048").ok();
        Tool.run("mmd", "-i", efi.toString(), "::/EFI", "::/EFI/BOOT").ok();
        Path cfg = dir.resolve("efi-grub.cfg");
        Files.writeString(cfg, "efi config\n");
        Tool.run("mcopy", "-i", efi.toString(), cfg.toString(), "::/EFI/BOOT/grub.cfg").ok();
        Path iso = dir.resolve("fedora-like.iso");
        Tool.run(null, 120, List.of("xorriso", "-as", "mkisofs", "-quiet", "-o", iso.toString(), "-R", "-J",
                "-V", "Fedora-SW-Test-1", "--grub2-mbr", FamilyLayoutIsos.ISOHYBRID_MBR.toString(),
                "-partition_offset", "16", "-appended_part_as_gpt", "-append_partition", "2", ESP_TYPE,
                efi.toString(), "-iso_mbr_part_type", "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "-c", "boot.cat",
                "--boot-catalog-hide", "-b", "images/eltorito.img", "-no-emul-boot", "-boot-load-size", "4",
                "-boot-info-table", "--grub2-boot-info", "-eltorito-alt-boot", "-e",
                "--interval:appended_partition_2:all::", "-no-emul-boot", dir.resolve("iso").toString())).ok();
        return iso;
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
