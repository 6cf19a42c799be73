package org.stickwright.engine.ext;

/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) exactly as ext4 and jbd2 chain it.
 *
 * ext4 never applies the final inversion of the textbook CRC: the kernel's crc32c(seed, ...)
 * returns the raw register, and every checksum is a chain of such calls. The superblock's
 * checksum is raw(~0, superblock[0..0x3FC)); the "checksum seed" is raw(~0, s_uuid), and an
 * inode's checksum continues from raw(seed, le32 inode number, le32 generation). java.util.zip
 * .CRC32C always starts from ~0 and inverts at the end, so it cannot continue from an arbitrary
 * seed; hence this small table-driven version (raw(~0, x) == ~CRC32C(x), tested).
 */
final class Crc32c {
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private Crc32c() {
    }

    /** Continues the raw CRC register {@code crc} over {@code length} bytes of {@code data}. */
    static int update(int crc, byte[] data, int offset, int length) {
        int c = crc;
        for (int i = offset, end = offset + length; i < end; i++) {
            c = TABLE[(c ^ data[i]) & 0xFF] ^ (c >>> 8);
        }
        return c;
    }

    static int update(int crc, byte[] data) {
        return update(crc, data, 0, data.length);
    }

    /** Continues over the four little-endian bytes of {@code value}. */
    static int updateInt(int crc, int value) {
        int c = crc;
        for (int i = 0; i < 4; i++) {
            c = TABLE[(c ^ (value >>> (8 * i))) & 0xFF] ^ (c >>> 8);
        }
        return c;
    }

    /** Continues over {@code count} zero bytes (a checksum field counted as zero). */
    static int updateZeros(int crc, int count) {
        int c = crc;
        for (int i = 0; i < count; i++) {
            c = TABLE[c & 0xFF] ^ (c >>> 8);
        }
        return c;
    }
}
