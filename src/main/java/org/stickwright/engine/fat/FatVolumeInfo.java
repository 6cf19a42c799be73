/*
 * What a format produced: the facts other parts of a job need afterwards (the serial that names
 * dracut overlays, where the data area starts, how many clusters there are).
 */
package org.stickwright.engine.fat;

/** The layout of a freshly formatted FAT32 volume. */
public record FatVolumeInfo(String label, int serial, int clusterSize, long clusterCount, int reservedSectors,
        long sectorsPerFat, long dataOffset) {

    /** The serial as blkid, udev and dracut print it: "ABCD-1234". */
    public String serialText() {
        return Fat32Formatter.serialText(serial);
    }
}
