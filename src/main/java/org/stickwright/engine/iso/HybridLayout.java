/*
 * An "isohybrid" ISO carries a disk's boot structures in the 32 KiB System Area that ISO 9660
 * leaves unused before block 16:
 *
 *   byte 0..439   MBR boot code (syslinux isohdpfx.bin or GRUB's boot_hybrid.img)
 *   byte 432      that code finds the El Torito boot image through a 32-bit LE 512-byte LBA:
 *                 loadRba*4 (syslinux isohybrid) or loadRba*4+4 (GRUB, --grub2-mbr)
 *   byte 446      four 16-byte partition entries (status, CHS, type, LBA start, sectors)
 *   byte 510      signature 55 AA
 *   byte 512      "EFI PART" when a GPT header follows at LBA 1 (512-byte units)
 *
 * xorriso's -partition_offset 16 makes partition 1 start at 512-byte sector 64 (ISO block 16),
 * where it writes a second set of volume descriptors and directory trees whose block numbers
 * count from the partition start.
 */
package org.stickwright.engine.iso;

import java.util.List;

/**
 * What the first two 512-byte sectors of an ISO say about booting it from a disk.
 *
 * @param mbrSignature      55 AA at byte 510
 * @param bootCode          the first 440 bytes hold code (not all zero)
 * @param mbrBootImageSector the 32-bit value at byte 432 (see class comment), 0 when none
 * @param partitions        the non-empty MBR partition entries
 * @param gptHeader         "EFI PART" at byte 512
 * @param isohybridStyle    "syslinux", "grub2" or null, from matching byte 432 with the El Torito BIOS image
 */
public record HybridLayout(boolean mbrSignature, boolean bootCode, long mbrBootImageSector,
        List<MbrPartition> partitions, boolean gptHeader, String isohybridStyle) {

    /** An MBR partition entry: start and size in 512-byte sectors. */
    public record MbrPartition(int index, int status, int type, long startSector, long sectorCount) {
    }

    public HybridLayout {
        partitions = List.copyOf(partitions);
    }

    /** True when the image boots from a disk: an MBR with code, or a GPT. */
    public boolean isHybrid() {
        return mbrSignature && (bootCode || gptHeader || !partitions.isEmpty());
    }

    static HybridLayout parse(byte[] first1024, ElToritoCatalog catalog) {
        boolean signature = (first1024[510] & 0xff) == 0x55 && (first1024[511] & 0xff) == 0xAA;
        boolean code = false;
        for (int i = 0; i < 432 && !code; i++) {
            code = first1024[i] != 0;
        }
        long bootSector = Bytes.le32(first1024, 432);
        List<MbrPartition> partitions = new java.util.ArrayList<>();
        if (signature) {
            for (int i = 0; i < 4; i++) {
                int at = 446 + 16 * i;
                int type = first1024[at + 4] & 0xff;
                long start = Bytes.le32(first1024, at + 8);
                long count = Bytes.le32(first1024, at + 12);
                if (type != 0 || count != 0) {
                    partitions.add(new MbrPartition(i + 1, first1024[at] & 0xff, type, start, count));
                }
            }
        }
        boolean gpt = new String(first1024, 512, 8, java.nio.charset.StandardCharsets.ISO_8859_1).equals("EFI PART");
        String style = null;
        ElToritoCatalog.BootEntry bios = catalog == null ? null : catalog.biosEntry();
        if (code && bios != null && bootSector != 0) {
            if (bootSector == bios.loadRba() * 4) {
                style = "syslinux";
            } else if (bootSector == bios.loadRba() * 4 + 4) {
                style = "grub2";
            }
        }
        return new HybridLayout(signature, code, bootSector, partitions, gpt, style);
    }
}
