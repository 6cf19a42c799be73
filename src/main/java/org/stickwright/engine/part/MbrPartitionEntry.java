package org.stickwright.engine.part;

/*
 * One 16-byte MBR partition entry (the table starts at byte 446 of sector 0, four entries):
 *
 *   +0  status        0x80 = active ("bootable"), 0x00 = not
 *   +1  CHS of first sector (3 bytes: head, sector | cylinder bits 8-9 << 6, cylinder bits 0-7)
 *   +4  type          0x0C FAT32 LBA, 0x83 Linux, 0xEF EFI, 0xEE GPT protective, 0x07 NTFS/exFAT
 *   +5  CHS of last sector
 *   +8  first LBA     32-bit little-endian
 *   +12 sector count  32-bit little-endian
 *
 * Nobody boots by CHS any more, but fdisk-style tools compare it with the LBA fields, so new
 * entries get the CHS of the usual 255-head, 63-sector geometry, or the "beyond 1024
 * cylinders" marker FE FF FF.
 */

/**
 * An MBR partition entry exactly as stored: the CHS bytes are kept as read so that rewriting a
 * table does not change entries nobody asked to change.
 *
 * @param status      the status byte (0x80 active)
 * @param chsFirst    the three CHS bytes of the first sector, packed big-endian into an int
 * @param type        the partition type byte
 * @param chsLast     the three CHS bytes of the last sector
 * @param firstLba    first sector
 * @param sectorCount number of sectors
 */
public record MbrPartitionEntry(int status, int chsFirst, int type, int chsLast, long firstLba, long sectorCount) {
    /** Bytes per entry. */
    public static final int SIZE = 16;
    /** An all-zero slot. */
    public static final MbrPartitionEntry EMPTY = new MbrPartitionEntry(0, 0, 0, 0, 0, 0);

    public MbrPartitionEntry {
        if ((status & ~0xFF) != 0 || (type & ~0xFF) != 0 || (chsFirst & ~0xFFFFFF) != 0 || (chsLast & ~0xFFFFFF) != 0) {
            throw new IllegalArgumentException("MBR entry fields out of byte range");
        }
        if (firstLba < 0 || firstLba > 0xFFFFFFFFL || sectorCount < 0 || sectorCount > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("MBR entry LBA " + firstLba + "+" + sectorCount + " does not fit in 32 bits");
        }
    }

    /** A new entry with CHS fields computed for the 255/63 geometry. */
    public static MbrPartitionEntry of(int type, long firstLba, long sectorCount, boolean active) {
        if (sectorCount <= 0) {
            throw new IllegalArgumentException("an MBR partition needs at least one sector");
        }
        return new MbrPartitionEntry(active ? 0x80 : 0, chs(firstLba), type, chs(firstLba + sectorCount - 1),
                firstLba, sectorCount);
    }

    /** The packed CHS bytes of {@code lba} in the 255-head, 63-sector geometry. */
    static int chs(long lba) {
        long cylinder = lba / (255 * 63);
        if (cylinder > 1023) {
            return 0xFEFFFF;
        }
        int head = (int) (lba / 63 % 255);
        int sector = (int) (lba % 63) + 1;
        return head << 16 | (sector | (int) (cylinder >> 8) << 6) << 8 | (int) (cylinder & 0xFF);
    }

    /**
     * True only for a slot whose 16 bytes are all zero. A slot with type 0x00 but a start and a
     * size is in use: xorriso's isohybrid MBR marks the ISO 9660 partition exactly so.
     */
    public boolean isEmpty() {
        return equals(EMPTY);
    }

    public boolean isActive() {
        return status == 0x80;
    }

    /** One past the last sector. */
    public long endLba() {
        return firstLba + sectorCount;
    }

    static MbrPartitionEntry decode(byte[] sector, int offset) {
        return new MbrPartitionEntry(sector[offset] & 0xFF, chsAt(sector, offset + 1), sector[offset + 4] & 0xFF,
                chsAt(sector, offset + 5), Bytes.u32(sector, offset + 8), Bytes.u32(sector, offset + 12));
    }

    /** The 16 bytes of this entry. */
    public byte[] encode() {
        byte[] bytes = new byte[SIZE];
        bytes[0] = (byte) status;
        putChs(bytes, 1, chsFirst);
        bytes[4] = (byte) type;
        putChs(bytes, 5, chsLast);
        Bytes.put32(bytes, 8, firstLba);
        Bytes.put32(bytes, 12, sectorCount);
        return bytes;
    }

    private static int chsAt(byte[] b, int off) {
        return (b[off] & 0xFF) << 16 | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF);
    }

    private static void putChs(byte[] b, int off, int chs) {
        b[off] = (byte) (chs >>> 16);
        b[off + 1] = (byte) (chs >>> 8);
        b[off + 2] = (byte) chs;
    }
}
