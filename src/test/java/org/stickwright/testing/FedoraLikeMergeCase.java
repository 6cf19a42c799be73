package org.stickwright.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.stickwright.engine.fat.Fat32FormatOptions;
import org.stickwright.engine.fat.Fat32Formatter;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.fat.FileExtent;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;

/**
 * A small case for overlay merge, made without booting: rootfs.img {@code before} (mkfs.ext4 -d
 * of known files and 1 MiB of noise), a copy {@code after} that debugfs changes (600 KiB of
 * noise written to /new.txt, delete.txt removed), a dm-snapshot store holding exactly the 4 KiB
 * chunks where the two differ (laid out as the kernel lays out a persistent store: header,
 * exception area at chunk 1, data from chunk 2), and an xorriso ISO laid out like Fedora's
 * (-partition_offset 16, GRUB hybrid MBR, EFI image appended as GPT partition 2 and booted
 * through an El Torito interval) whose LiveOS/squashfs.img (xz) holds {@code before}.
 *
 * @param before  the origin rootfs.img
 * @param after   what the merge must produce
 * @param store   the store file (a file of its own)
 * @param chunks  exceptions in the store
 * @param iso     the live ISO
 */
public record FedoraLikeMergeCase(Path before, Path after, Path store, int chunks, Path iso) {
    public static final String[] TOOLS = {"mkfs.ext4", "debugfs", "e2fsck", "mksquashfs", "unsquashfs", "xorriso",
        "mkfs.fat", "mmd", "mcopy", "mtype", "sgdisk", "truncate"};
    public static final String EFI_GRUB_CFG = "efi config\n";
    private static final int CHUNK = 4096;
    private static final String ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

    /** Builds the case under {@code dir}. */
    public static FedoraLikeMergeCase build(Path dir) throws IOException {
        Capabilities.requireTools(TOOLS);
        Capabilities.require(Files.exists(FamilyLayoutIsos.ISOHYBRID_MBR), "package isolinux is not installed");
        Path tree = Files.createDirectories(dir.resolve("root/usr/share/stickwright"));
        for (String name : List.of("keep", "overwrite", "delete")) {
            StringBuilder text = new StringBuilder();
            for (int i = 1; i <= 5000; i++) {
                text.append(name).append(' ').append(String.format("%08d", i)).append('\n');
            }
            Files.writeString(tree.resolve(name + ".txt"), text);
        }
        // Incompressible content, so the new squashfs outgrows the old one and the ISO must move.
        Random random = new Random(7);
        byte[] noise = new byte[1 << 20];
        random.nextBytes(noise);
        Files.write(tree.resolve("noise.bin"), noise);
        Path before = dir.resolve("rootfs-before.img");
        Tool.run("truncate", "-s", "8M", before.toString()).ok();
        Tool.run("mkfs.ext4", "-q", "-L", "Anaconda", "-E", "root_owner=0:0", "-d", dir.resolve("root").toString(),
                before.toString()).ok();
        Path after = dir.resolve("rootfs-after.img");
        Files.copy(before, after);
        Path newFile = dir.resolve("new.txt");
        byte[] guest = new byte[600 * 1024];
        random.nextBytes(guest);
        Files.write(newFile, guest);
        Tool.run("debugfs", "-w", "-R", "write " + newFile + " /new.txt", after.toString()).ok();
        Tool.run("debugfs", "-w", "-R", "rm /usr/share/stickwright/delete.txt", after.toString()).ok();
        Tool.run("e2fsck", "-fn", after.toString()).ok();

        byte[] a = Files.readAllBytes(before);
        byte[] b = Files.readAllBytes(after);
        Path store = dir.resolve("overlay.img");
        int chunks = 0;
        try (ImageFile file = ImageFile.create(store, 4L << 20)) {
            ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(0x70416e53).putInt(1).putInt(1).putInt(CHUNK / 512).flip();
            file.write(header, 0);
            for (int chunk = 0; chunk < a.length / CHUNK; chunk++) {
                if (Arrays.mismatch(a, chunk * CHUNK, (chunk + 1) * CHUNK, b, chunk * CHUNK, (chunk + 1) * CHUNK) >= 0) {
                    long data = 2 + chunks; // one area of 256 records is enough here
                    ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                    record.putLong(chunk).putLong(data).flip();
                    file.write(record, CHUNK + chunks * 16L);
                    file.write(ByteBuffer.wrap(b, chunk * CHUNK, CHUNK), data * CHUNK);
                    chunks++;
                }
            }
            if (chunks >= CHUNK / 16) {
                throw new IllegalStateException(chunks + " changed chunks do not fit one exception area");
            }
        }
        return new FedoraLikeMergeCase(before, after, store, chunks, fedoraLikeIso(dir, before));
    }

    /**
     * A stick image of {@code size} bytes: the ISO at its start, the backup GPT moved to its
     * end, and GPT partition 4, a FAT32 file system (label SWOVL) holding the store as
     * LiveOS/overlay.img, as extract and dd'ed Fedora sticks keep dracut's store.
     */
    public Path stick(Path file, long size) throws IOException {
        Files.copy(iso, file);
        try (ImageFile disk = ImageFile.openReadWrite(file)) {
            disk.setSize(size);
        }
        Tool.run("sgdisk", "-e", file.toString()).ok();
        long mib = 1 << 20;
        long start = (Files.size(iso) + mib - 1) / mib * mib;
        Tool.run("sgdisk", "-n", "4:" + start / 512 + ":" + ((size - mib) / 512 - 1), "-t", "4:0700", file.toString()).ok();
        byte[] storeBytes = Files.readAllBytes(store);
        try (ImageFile disk = ImageFile.openReadWrite(file); BlockDevice volume = disk.slice(start, size - start - mib)) {
            Fat32Formatter.format(volume, Fat32FormatOptions.defaults().withLabel("SWOVL").withHiddenSectors(start / 512));
            try (FatFileSystem fs = FatFileSystem.open(volume)) {
                fs.mkdirs("LiveOS");
                FileExtent extent = fs.allocateContiguous("LiveOS/overlay.img", storeBytes.length,
                        FileTimes.of(Instant.EPOCH));
                volume.writeBytes(extent.deviceOffset(), storeBytes);
            }
            disk.flush();
        }
        return file;
    }

    private static Path fedoraLikeIso(Path dir, Path rootfs) throws IOException {
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
        Files.writeString(cfg, EFI_GRUB_CFG);
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
}
