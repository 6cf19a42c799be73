/*
 * The three FAT widths. They differ in the bits per FAT entry and therefore in the values that
 * mean "end of chain" (>= 0xFF8 / 0xFFF8 / 0x0FFFFFF8) and "bad cluster" (0xFF7 / 0xFFF7 /
 * 0x0FFFFFF7). The width follows from the cluster count: < 4085 clusters is FAT12, < 65525 is
 * FAT16, more is FAT32 (Microsoft's FAT specification, "FAT Type Determination").
 */
package org.stickwright.engine.fat;

/** FAT12, FAT16 or FAT32, with the entry values that matter for walking chains. */
public enum FatType {
    FAT12(12, 0xFF8, 0xFF7, 0xFFF),
    FAT16(16, 0xFFF8, 0xFFF7, 0xFFFF),
    FAT32(32, 0x0FFFFFF8, 0x0FFFFFF7, 0x0FFFFFFF);

    /** Fewer clusters than this cannot be FAT16 (they are FAT12). */
    public static final int MIN_FAT16_CLUSTERS = 4085;
    /** Fewer clusters than this cannot be FAT32. */
    public static final int MIN_FAT32_CLUSTERS = 65525;
    /** Largest cluster count a FAT32 entry (28 bits, minus reserved values) can address. */
    public static final int MAX_FAT32_CLUSTERS = 0x0FFFFFF5;

    private final int bits;
    private final int endOfChainMin;
    private final int bad;
    private final int endOfChain;

    FatType(int bits, int endOfChainMin, int bad, int endOfChain) {
        this.bits = bits;
        this.endOfChainMin = endOfChainMin;
        this.bad = bad;
        this.endOfChain = endOfChain;
    }

    public int bits() {
        return bits;
    }

    /** The value written to mark the last cluster of a chain. */
    public int endOfChain() {
        return endOfChain;
    }

    public boolean isEndOfChain(int value) {
        return value >= endOfChainMin;
    }

    public boolean isBad(int value) {
        return value == bad;
    }

    /** Bytes the FAT needs for {@code entries} entries (FAT12 packs two entries in three bytes). */
    public long fatBytes(long entries) {
        return this == FAT12 ? (entries * 3 + 1) / 2 : entries * (bits / 8);
    }
}
