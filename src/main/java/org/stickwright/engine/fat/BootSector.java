/*
 * The boot sector (sector 0) of a FAT volume and the BIOS Parameter Block inside it, which
 * describes the layout:
 *
 *   0x0B u16 bytes per sector        0x0D u8  sectors per cluster    0x0E u16 reserved sectors
 *   0x10 u8  number of FATs          0x11 u16 root entries (FAT12/16) 0x13 u16 total sectors (small)
 *   0x15 u8  media descriptor        0x16 u16 sectors per FAT (FAT12/16, 0 on FAT32)
 *   0x1C u32 hidden sectors          0x20 u32 total sectors (large)
 *   FAT32 only: 0x24 u32 sectors per FAT, 0x2C u32 root cluster, 0x30 u16 FSInfo sector,
 *               0x32 u16 backup boot sector; extended BPB at 0x40 (serial 0x43, label 0x47).
 *   FAT12/16:   extended BPB at 0x24 (signature 0x29 at 0x26, serial 0x27, label 0x2B).
 *
 * Regions follow each other: reserved sectors, the FATs, the fixed root directory (FAT12/16
 * only), then the data area where cluster 2 is the first cluster. Every field is validated
 * against the others and the device size before anything is read through it, so an absurd
 * value cannot send a reader outside the volume or make it allocate without bound.
 */
package org.stickwright.engine.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.stickwright.engine.io.BlockDevice;

/** The validated geometry of a FAT volume, read from its boot sector. */
final class BootSector {
    private static final String WHAT = "boot sector";

    final int bytesPerSector;
    final int sectorsPerCluster;
    final int reservedSectors;
    final int numberOfFats;
    final int rootEntries;
    final long totalSectors;
    final int media;
    final long sectorsPerFat;
    final long hiddenSectors;
    final FatType type;
    final long rootCluster;
    final int fsInfoSector;
    final int serial;
    final String label;
    final long clusterCount;

    private BootSector(ByteBuffer b, long deviceSize) throws FatException {
        bytesPerSector = Short.toUnsignedInt(b.getShort(0x0B));
        if (bytesPerSector != 512 && bytesPerSector != 1024 && bytesPerSector != 2048 && bytesPerSector != 4096) {
            throw new FatException(WHAT, 0x0B, "bytes per sector " + bytesPerSector + " is not 512, 1024, 2048 or 4096");
        }
        sectorsPerCluster = Byte.toUnsignedInt(b.get(0x0D));
        if (sectorsPerCluster == 0 || Integer.bitCount(sectorsPerCluster) != 1) {
            throw new FatException(WHAT, 0x0D, "sectors per cluster " + sectorsPerCluster + " is not a power of two");
        }
        if ((long) sectorsPerCluster * bytesPerSector > 256 * 1024) {
            throw new FatException(WHAT, 0x0D, "cluster size " + sectorsPerCluster * bytesPerSector + " exceeds 256 KiB");
        }
        reservedSectors = Short.toUnsignedInt(b.getShort(0x0E));
        if (reservedSectors == 0) {
            throw new FatException(WHAT, 0x0E, "reserved sector count is 0");
        }
        numberOfFats = Byte.toUnsignedInt(b.get(0x10));
        if (numberOfFats == 0 || numberOfFats > 4) {
            throw new FatException(WHAT, 0x10, "number of FATs " + numberOfFats + " is not 1 to 4");
        }
        rootEntries = Short.toUnsignedInt(b.getShort(0x11));
        int small = Short.toUnsignedInt(b.getShort(0x13));
        totalSectors = small != 0 ? small : Integer.toUnsignedLong(b.getInt(0x20));
        if (totalSectors == 0) {
            throw new FatException(WHAT, 0x13, "total sector count is 0");
        }
        if (totalSectors * bytesPerSector > deviceSize) {
            throw new FatException(WHAT, small != 0 ? 0x13 : 0x20, "volume of " + totalSectors * bytesPerSector
                    + " bytes is larger than the device's " + deviceSize);
        }
        media = Byte.toUnsignedInt(b.get(0x15));
        int fat16Size = Short.toUnsignedInt(b.getShort(0x16));
        boolean fat32Layout = fat16Size == 0;
        sectorsPerFat = fat32Layout ? Integer.toUnsignedLong(b.getInt(0x24)) : fat16Size;
        if (sectorsPerFat == 0) {
            throw new FatException(WHAT, 0x24, "sectors per FAT is 0");
        }
        hiddenSectors = Integer.toUnsignedLong(b.getInt(0x1C));
        if (fat32Layout && rootEntries != 0) {
            throw new FatException(WHAT, 0x11, "FAT32 layout with " + rootEntries + " fixed root entries");
        }
        long rootDirSectors = ((long) rootEntries * 32 + bytesPerSector - 1) / bytesPerSector;
        long dataStart = reservedSectors + numberOfFats * sectorsPerFat + rootDirSectors;
        if (dataStart >= totalSectors) {
            throw new FatException(WHAT, fat32Layout ? 0x24 : 0x16, "reserved, FAT and root regions (" + dataStart
                    + " sectors) leave no data area in " + totalSectors + " sectors");
        }
        long clusters = (totalSectors - dataStart) / sectorsPerCluster;
        if (clusters < 1) {
            throw new FatException(WHAT, 0x0D, "no complete cluster fits in the data area");
        }
        if (fat32Layout) {
            type = FatType.FAT32;
            if (clusters > FatType.MAX_FAT32_CLUSTERS) {
                throw new FatException(WHAT, 0x20, clusters + " clusters exceed what FAT32 can address");
            }
        } else {
            type = clusters < FatType.MIN_FAT16_CLUSTERS ? FatType.FAT12 : FatType.FAT16;
            if (clusters >= FatType.MIN_FAT32_CLUSTERS) {
                throw new FatException(WHAT, 0x16, clusters + " clusters are too many for a FAT16 layout");
            }
        }
        long fatEntries = sectorsPerFat * bytesPerSector * 8 / type.bits();
        if (fatEntries < clusters + 2) {
            // Volumes where the FAT is a little short of the data area exist (mkfs rounding);
            // the clusters the FAT cannot describe are simply unusable.
            if (fatEntries < 3) {
                throw new FatException(WHAT, 0x16, "FAT of " + sectorsPerFat + " sectors describes no cluster");
            }
            clusters = fatEntries - 2;
        }
        clusterCount = clusters;
        int ebpb;
        if (type == FatType.FAT32) {
            rootCluster = Integer.toUnsignedLong(b.getInt(0x2C));
            if (rootCluster < 2 || rootCluster >= clusterCount + 2) {
                throw new FatException(WHAT, 0x2C, "root cluster " + rootCluster + " lies outside clusters 2.."
                        + (clusterCount + 1));
            }
            fsInfoSector = Short.toUnsignedInt(b.getShort(0x30));
            ebpb = 0x40;
        } else {
            if (rootEntries == 0) {
                throw new FatException(WHAT, 0x11, "FAT12/16 volume without root directory entries");
            }
            rootCluster = 0;
            fsInfoSector = 0;
            ebpb = 0x24;
        }
        if (b.get(ebpb + 2) == 0x29) {
            serial = b.getInt(ebpb + 3);
            byte[] raw = new byte[11];
            b.get(ebpb + 7, raw);
            label = new String(raw, StandardCharsets.ISO_8859_1).stripTrailing();
        } else {
            serial = 0;
            label = "";
        }
    }

    static BootSector read(BlockDevice device) throws IOException {
        long size = device.size();
        if (size < 512) {
            throw new FatException(WHAT, 0, "device of " + size + " bytes cannot hold a boot sector");
        }
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        device.read(b, 0);
        return new BootSector(b, size);
    }

    int clusterSize() {
        return sectorsPerCluster * bytesPerSector;
    }

    long fatOffset(int copy) {
        return ((long) reservedSectors + copy * sectorsPerFat) * bytesPerSector;
    }

    long fatBytes() {
        return sectorsPerFat * bytesPerSector;
    }

    /** Byte offset of the fixed root directory (FAT12/16). */
    long rootDirOffset() {
        return ((long) reservedSectors + numberOfFats * sectorsPerFat) * bytesPerSector;
    }

    long dataOffset() {
        long rootDirSectors = ((long) rootEntries * 32 + bytesPerSector - 1) / bytesPerSector;
        return rootDirOffset() + rootDirSectors * bytesPerSector;
    }

    long clusterOffset(long cluster) {
        return dataOffset() + (cluster - 2) * clusterSize();
    }
}
