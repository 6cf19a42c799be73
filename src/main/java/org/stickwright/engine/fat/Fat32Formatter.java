/*
 * Makes an empty FAT32 volume. Layout written, in sectors of the device's logical size (512 on
 * nearly every stick, 4096 on 4Kn drives):
 *
 *   sector 0   boot sector: jump, OEM name, BPB, extended BPB (signature 0x29, serial, label,
 *              "FAT32   "), a boot stub that hands over to the next boot device, 0x55AA at 510
 *   sector 1   FSInfo: "RRaA" at 0, "rrAa" at 484, free cluster count at 488, next free at 492,
 *              0xAA550000 at 508
 *   sector 6,7 copies of sectors 0 and 1 (the backup boot sector fsck and Windows fall back to)
 *   reserved   32 sectors, grown so that the data area starts on a cluster boundary
 *   FAT 1, 2   entry 0 = 0x0FFFFF00 | media, entry 1 = 0x0FFFFFFF, entry 2 = end of chain (root)
 *   cluster 2  the root directory, holding the volume-label entry (attribute 0x08)
 *
 * Only this metadata is written: the data area is left as it is, so formatting a 64 GiB stick
 * writes a few MiB. The cluster size follows the table Microsoft's format uses (also mkfs.fat's):
 * up to 260 MiB 512 bytes, to 8 GiB 4 KiB, to 16 GiB 8 KiB, to 32 GiB 16 KiB, above 32 KiB.
 */
package org.stickwright.engine.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;
import org.stickwright.engine.io.BlockDevice;

/** Formats a device (or partition slice) as FAT32. */
public final class Fat32Formatter {
    static final int FSINFO_LEAD = 0x41615252;
    static final int FSINFO_STRUCT = 0x61417272;
    private static final int FSINFO_TRAIL = 0xAA550000;
    private static final int MIN_RESERVED = 32;
    private static final int BACKUP_BOOT = 6;

    private Fat32Formatter() {
    }

    /** "ABCD-1234" for serial 0xABCD1234, as blkid shows a FAT volume's UUID. */
    public static String serialText(int serial) {
        return String.format("%04X-%04X", serial >>> 16, serial & 0xFFFF);
    }

    /** The cluster size (bytes) chosen for a volume of {@code bytes}. */
    public static int defaultClusterSize(long bytes) {
        long mib = (bytes + (1 << 20) - 1) >> 20;
        if (mib > 32 * 1024) {
            return 32 * 1024;
        }
        if (mib > 16 * 1024) {
            return 16 * 1024;
        }
        if (mib > 8 * 1024) {
            return 8 * 1024;
        }
        if (mib > 260) {
            return 4 * 1024;
        }
        return 512;
    }

    /** Checks and normalises a label: at most 11 bytes of short-name characters, upper case. */
    static String normaliseLabel(String label) throws FatException {
        String upper = label.toUpperCase(Locale.ROOT);
        if (upper.length() > 11) {
            throw new FatException("volume label '" + label + "' is longer than 11 characters");
        }
        for (int i = 0; i < upper.length(); i++) {
            char c = upper.charAt(i);
            boolean ok = c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' || "$%'-_@~`!(){}^#&".indexOf(c) >= 0;
            if (!ok) {
                throw new FatException("volume label '" + label + "' contains '" + c + "', not allowed in a FAT label");
            }
        }
        if (!upper.isEmpty() && upper.charAt(0) == ' ') {
            throw new FatException("volume label '" + label + "' starts with a space");
        }
        return upper;
    }

    /** Writes an empty FAT32 volume over the whole {@code device}. */
    public static FatVolumeInfo format(BlockDevice device, Fat32FormatOptions options) throws IOException {
        return format(device, options, java.time.Instant.now(), ZoneId.systemDefault());
    }

    /** As {@link #format(BlockDevice, Fat32FormatOptions)}, stamping the volume label entry with {@code time}. */
    public static FatVolumeInfo format(BlockDevice device, Fat32FormatOptions options, java.time.Instant time)
            throws IOException {
        return format(device, options, time, ZoneId.systemDefault());
    }

    /**
     * As {@link #format(BlockDevice, Fat32FormatOptions)}, stamping the volume-label entry with
     * {@code time} as a wall-clock time of {@code zone}: a reproducible job passes a fixed instant.
     */
    public static FatVolumeInfo format(BlockDevice device, Fat32FormatOptions options, java.time.Instant time,
            ZoneId zone) throws IOException {
        String label = normaliseLabel(options.label());
        long bytes = device.size();
        // The BPB's sector is the device's logical sector: 512 on nearly every stick, 4096 on
        // 4Kn drives, where a 512-byte BPB would be unreadable to the operating system.
        int sector = device.logicalSectorSize();
        if (sector != 512 && sector != 1024 && sector != 2048 && sector != 4096) {
            throw new FatException("device " + device.name() + " has " + sector + "-byte sectors; FAT needs 512 to 4096");
        }
        long totalSectors = bytes / sector;
        if (totalSectors > 0xFFFF_FFFFL) {
            throw new FatException("device " + device.name() + " of " + bytes + " bytes exceeds FAT32's 2^32 sectors");
        }
        int clusterSize = options.clusterSize() == 0 ? defaultClusterSize(bytes) : options.clusterSize();
        if (options.clusterSize() == 0) {
            clusterSize = Math.max(clusterSize, sector);
        }
        if (clusterSize < sector || clusterSize > 65536 || Integer.bitCount(clusterSize) != 1) {
            throw new FatException("cluster size " + clusterSize + " is not a power of two from the sector size ("
                    + sector + ") to 65536");
        }
        int media = options.mediaDescriptor();
        if (media != 0xF0 && (media < 0xF8 || media > 0xFF)) {
            throw new FatException(String.format("media descriptor 0x%02X is not 0xF0 or 0xF8..0xFF", media));
        }
        if (options.hiddenSectors() < 0 || options.hiddenSectors() > 0xFFFF_FFFFL) {
            throw new FatException("hidden sector count " + options.hiddenSectors() + " does not fit 32 bits");
        }
        int sectorsPerCluster = clusterSize / sector;
        // Size the FAT for every cluster the area after the reserved sectors could hold; that
        // overestimates by the few clusters the FATs themselves take, which costs a sector at most.
        long sectorsPerFat = ((totalSectors - MIN_RESERVED) / sectorsPerCluster + 2) * 4;
        sectorsPerFat = (sectorsPerFat + sector - 1) / sector;
        long reserved = MIN_RESERVED;
        long misalignment = (reserved + 2 * sectorsPerFat) % sectorsPerCluster;
        if (misalignment != 0) {
            reserved += sectorsPerCluster - misalignment;
        }
        if (reserved > 0xFFFF || totalSectors <= reserved + 2 * sectorsPerFat) {
            throw new FatException("device " + device.name() + " of " + bytes + " bytes is too small for FAT32");
        }
        long clusters = (totalSectors - reserved - 2 * sectorsPerFat) / sectorsPerCluster;
        if (clusters < FatType.MIN_FAT32_CLUSTERS) {
            throw new FatException("device " + device.name() + " of " + bytes + " bytes gives " + clusters
                    + " clusters of " + clusterSize + " bytes; FAT32 needs at least " + FatType.MIN_FAT32_CLUSTERS);
        }
        if (clusters > FatType.MAX_FAT32_CLUSTERS) {
            throw new FatException(clusters + " clusters of " + clusterSize + " bytes exceed FAT32's limit; choose larger clusters");
        }

        ByteBuffer boot = bootSector(sector, label, options.serial(), media, options.hiddenSectors(), totalSectors,
                sectorsPerCluster, (int) reserved, sectorsPerFat);
        ByteBuffer fsInfo = fsInfo(sector, clusters - 1);
        // Clear the reserved area first: old boot code, old superblocks (ext4 keeps one at 1024)
        // must not survive to confuse probes.
        writeZeros(device, 0, reserved * sector);
        device.write(boot.duplicate(), 0);
        device.write(fsInfo.duplicate(), sector);
        device.write(boot.duplicate(), (long) BACKUP_BOOT * sector);
        device.write(fsInfo.duplicate(), (long) (BACKUP_BOOT + 1) * sector);

        ByteBuffer head = ByteBuffer.allocate(sector).order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(0, 0x0FFFFF00 | media);
        head.putInt(4, 0x0FFFFFFF);
        head.putInt(8, FatType.FAT32.endOfChain());
        for (int copy = 0; copy < 2; copy++) {
            long fatOffset = (reserved + copy * sectorsPerFat) * sector;
            writeZeros(device, fatOffset, sectorsPerFat * sector);
            device.write(head.duplicate(), fatOffset);
        }
        long dataOffset = (reserved + 2 * sectorsPerFat) * sector;
        ByteBuffer root = ByteBuffer.allocate(clusterSize).order(ByteOrder.LITTLE_ENDIAN);
        if (!label.isEmpty()) {
            byte[] name = String.format("%-11s", label).getBytes(StandardCharsets.US_ASCII);
            root.put(0, name);
            root.put(0x0B, (byte) FatEntry.ATTR_VOLUME_ID);
            ZonedDateTime now = DirectoryTable.clamp(time, zone);
            root.putShort(0x16, (short) DirectoryTable.dosTime(now));
            root.putShort(0x18, (short) DirectoryTable.dosDate(now));
        }
        device.write(root, dataOffset);
        device.flush();
        return new FatVolumeInfo(label.isEmpty() ? "NO NAME" : label, options.serial(), clusterSize, clusters,
                (int) reserved, sectorsPerFat, dataOffset);
    }

    private static ByteBuffer bootSector(int sector, String label, int serial, int media, long hidden, long totalSectors,
            int sectorsPerCluster, int reserved, long sectorsPerFat) {
        ByteBuffer b = ByteBuffer.allocate(sector).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, new byte[] {(byte) 0xEB, 0x58, (byte) 0x90});
        b.put(3, "MSWIN4.1".getBytes(StandardCharsets.US_ASCII));
        b.putShort(0x0B, (short) sector);
        b.put(0x0D, (byte) sectorsPerCluster);
        b.putShort(0x0E, (short) reserved);
        b.put(0x10, (byte) 2);
        b.put(0x15, (byte) media);
        b.putShort(0x18, (short) 63);
        b.putShort(0x1A, (short) 255);
        b.putInt(0x1C, (int) hidden);
        b.putInt(0x20, (int) totalSectors);
        b.putInt(0x24, (int) sectorsPerFat);
        b.putInt(0x2C, 2);
        b.putShort(0x30, (short) 1);
        b.putShort(0x32, (short) BACKUP_BOOT);
        b.put(0x40, (byte) 0x80);
        b.put(0x42, (byte) 0x29);
        b.putInt(0x43, serial);
        b.put(0x47, String.format("%-11s", label.isEmpty() ? "NO NAME" : label).getBytes(StandardCharsets.US_ASCII));
        b.put(0x52, "FAT32   ".getBytes(StandardCharsets.US_ASCII));
        // Boot stub at 0x5A (where the jump lands): int 18h asks the BIOS for the next boot
        // device, then halt in a loop should it return.
        b.put(0x5A, new byte[] {(byte) 0xCD, 0x18, (byte) 0xEB, (byte) 0xFE});
        b.putShort(0x1FE, (short) 0xAA55);
        return b;
    }

    private static ByteBuffer fsInfo(int sector, long freeClusters) {
        // The structure fills the first 512 bytes of its sector whatever the sector size.
        ByteBuffer b = ByteBuffer.allocate(sector).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, FSINFO_LEAD);
        b.putInt(0x1E4, FSINFO_STRUCT);
        b.putInt(0x1E8, (int) freeClusters);
        b.putInt(0x1EC, 3);
        b.putInt(0x1FC, FSINFO_TRAIL);
        return b;
    }

    private static void writeZeros(BlockDevice device, long offset, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        long at = offset;
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(left, zeros.capacity());
            device.write(zeros.clear().limit(n), at);
            at += n;
            left -= n;
        }
    }
}
