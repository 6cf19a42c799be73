package org.stickwright.engine.part;

/*
 * The GPT header (92 bytes at the start of LBA 1; the backup copy in the disk's last sector):
 *
 *   +0  "EFI PART"                      +40 first usable LBA
 *   +8  revision 0x00010000 (1.0)        +48 last usable LBA
 *   +12 header size (92)                 +56 disk GUID (mixed-endian)
 *   +16 CRC32 of the header, computed    +72 LBA of the entry array (2 for the primary;
 *       with this field zeroed                just before the backup header for the backup)
 *   +20 reserved, zero                   +80 number of entries (128 usually, 248 from xorriso)
 *   +24 LBA of this header               +84 size of one entry (128)
 *   +32 LBA of the other header          +88 CRC32 of the entry array (count x size bytes)
 *
 * The rest of the sector is zero. Both CRC32s are the zlib/IEEE CRC32 (java.util.zip.CRC32).
 */

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import java.util.zip.CRC32;

/** A GPT header as stored, primary or backup. */
public record GptHeader(long revision, int headerSize, long myLba, long alternateLba, long firstUsableLba,
                        long lastUsableLba, UUID diskGuid, long entriesLba, int entryCount, int entrySize,
                        long entriesCrc32) {
    public static final byte[] SIGNATURE = "EFI PART".getBytes(StandardCharsets.US_ASCII);
    public static final long REVISION_1_0 = 0x00010000L;
    public static final int SIZE = 92;
    /** Entry arrays beyond this are refused as absurd: real ones are 16 KiB or 31 KiB. */
    public static final long MAX_ARRAY_BYTES = 4L << 20;

    /** True when {@code sector} starts with "EFI PART". */
    static boolean hasSignature(byte[] sector) {
        return sector.length >= 8 && Arrays.equals(sector, 0, 8, SIGNATURE, 0, 8);
    }

    /**
     * Parses and checks a header read from {@code lba}: signature, size, CRC32, self-reference,
     * entry size and count, and that the array lies on a disk of {@code diskSectors} sectors.
     */
    static GptHeader parse(byte[] sector, long lba, long diskSectors, String structure, long byteOffset)
            throws PartitionTableException {
        if (!hasSignature(sector)) {
            throw new PartitionTableException(structure, byteOffset, "no \"EFI PART\" signature");
        }
        int headerSize = (int) Math.min(Bytes.u32(sector, 12), Integer.MAX_VALUE);
        if (headerSize < SIZE || headerSize > sector.length) {
            throw new PartitionTableException(structure, byteOffset + 12, "header size " + headerSize
                    + " outside " + SIZE + ".." + sector.length);
        }
        long stored = Bytes.u32(sector, 16);
        long computed = crcWithZeroedField(sector, headerSize);
        if (stored != computed) {
            throw new PartitionTableException(structure, byteOffset + 16, String.format(
                    "header CRC32 is %08x, contents give %08x", stored, computed));
        }
        long myLba = Bytes.u64(sector, 24);
        if (myLba != lba) {
            throw new PartitionTableException(structure, byteOffset + 24, "says it is at LBA " + Long.toUnsignedString(myLba)
                    + " but was read from LBA " + lba);
        }
        long entryCountRaw = Bytes.u32(sector, 80);
        long entrySizeRaw = Bytes.u32(sector, 84);
        if (entrySizeRaw < GptPartitionEntry.MIN_SIZE || entrySizeRaw > 4096 || Long.bitCount(entrySizeRaw) != 1) {
            throw new PartitionTableException(structure, byteOffset + 84, "entry size " + entrySizeRaw
                    + " is not 128 x 2^n up to 4096");
        }
        if (entryCountRaw < 1 || entryCountRaw * entrySizeRaw > MAX_ARRAY_BYTES) {
            throw new PartitionTableException(structure, byteOffset + 80, "entry count " + entryCountRaw
                    + " of " + entrySizeRaw + " bytes is absurd (array limit " + MAX_ARRAY_BYTES + " bytes)");
        }
        long firstUsable = Bytes.u64(sector, 40);
        long lastUsable = Bytes.u64(sector, 48);
        if (Long.compareUnsigned(lastUsable, diskSectors) >= 0 || Long.compareUnsigned(firstUsable, lastUsable + 1) > 0) {
            throw new PartitionTableException(structure, byteOffset + 40, "usable range " + Long.toUnsignedString(firstUsable)
                    + ".." + Long.toUnsignedString(lastUsable) + " does not fit a disk of " + diskSectors + " sectors");
        }
        long entriesLba = Bytes.u64(sector, 72);
        int sectorSize = sector.length;
        long arraySectors = (entryCountRaw * entrySizeRaw + sectorSize - 1) / sectorSize;
        if (entriesLba < 1 || entriesLba > diskSectors - arraySectors
                || (entriesLba <= lba && lba < entriesLba + arraySectors)) {
            throw new PartitionTableException(structure, byteOffset + 72, "entry array at LBA "
                    + Long.toUnsignedString(entriesLba) + " (" + arraySectors + " sectors) lies outside a disk of "
                    + diskSectors + " sectors or over its header");
        }
        return new GptHeader(Bytes.u32(sector, 8), headerSize, myLba, Bytes.u64(sector, 32), firstUsable, lastUsable,
                Guids.decode(sector, 56), entriesLba, (int) entryCountRaw, (int) entrySizeRaw, Bytes.u32(sector, 88));
    }

    /** Bytes the entry array takes. */
    public long arrayBytes() {
        return (long) entryCount * entrySize;
    }

    /** Sectors the entry array takes on a disk with {@code sectorSize}-byte sectors. */
    public long arraySectors(int sectorSize) {
        return (arrayBytes() + sectorSize - 1) / sectorSize;
    }

    /** One sector holding this header (CRC32 computed here; {@code headerSize} bytes covered). */
    byte[] encode(int sectorSize) {
        byte[] sector = new byte[sectorSize];
        System.arraycopy(SIGNATURE, 0, sector, 0, 8);
        Bytes.put32(sector, 8, revision);
        Bytes.put32(sector, 12, headerSize);
        Bytes.put64(sector, 24, myLba);
        Bytes.put64(sector, 32, alternateLba);
        Bytes.put64(sector, 40, firstUsableLba);
        Bytes.put64(sector, 48, lastUsableLba);
        Guids.encode(diskGuid, sector, 56);
        Bytes.put64(sector, 72, entriesLba);
        Bytes.put32(sector, 80, entryCount);
        Bytes.put32(sector, 84, entrySize);
        Bytes.put32(sector, 88, entriesCrc32);
        Bytes.put32(sector, 16, crcWithZeroedField(sector, headerSize));
        return sector;
    }

    private static long crcWithZeroedField(byte[] sector, int headerSize) {
        byte[] copy = Arrays.copyOf(sector, headerSize);
        Arrays.fill(copy, 16, 20, (byte) 0);
        CRC32 crc = new CRC32();
        crc.update(copy);
        return crc.getValue();
    }

    static long crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }
}
