/*
 * What a FAT32 format can be asked for. Everything has a sensible default: a label of "NO NAME"
 * (none), a random serial, media 0xF8 (fixed disk), no hidden sectors (a superfloppy), the
 * cluster size Microsoft's format and mkfs.fat choose for the volume size.
 */
package org.stickwright.engine.fat;

import java.security.SecureRandom;

/** Parameters of {@link Fat32Formatter#format}. */
public record Fat32FormatOptions(String label, int serial, int mediaDescriptor, long hiddenSectors,
        int clusterSize) {

    public static Fat32FormatOptions defaults() {
        return new Fat32FormatOptions("", new SecureRandom().nextInt(), 0xF8, 0, 0);
    }

    /** Volume label (up to 11 characters of the 8.3 set; upper-cased); empty for none. */
    public Fat32FormatOptions withLabel(String value) {
        return new Fat32FormatOptions(value, serial, mediaDescriptor, hiddenSectors, clusterSize);
    }

    /** Volume serial; dracut and blkid show it as "ABCD-1234" (high half first). */
    public Fat32FormatOptions withSerial(int value) {
        return new Fat32FormatOptions(label, value, mediaDescriptor, hiddenSectors, clusterSize);
    }

    public Fat32FormatOptions withMediaDescriptor(int value) {
        return new Fat32FormatOptions(label, serial, value, hiddenSectors, clusterSize);
    }

    /** The partition's first sector (LBA) when the volume lies inside a partition. */
    public Fat32FormatOptions withHiddenSectors(long value) {
        return new Fat32FormatOptions(label, serial, mediaDescriptor, value, clusterSize);
    }

    /** Cluster size in bytes (a power of two, 512 to 65536); 0 chooses by volume size. */
    public Fat32FormatOptions withClusterSize(int value) {
        return new Fat32FormatOptions(label, serial, mediaDescriptor, hiddenSectors, value);
    }
}
