package org.stickwright.engine.ext;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/*
 * A group descriptor is 32 bytes, or 64 with the 64bit feature (s_desc_size). Each count or
 * block number keeps its low half in the first 32 bytes and its high half in the second:
 * bg_free_blocks_count_lo at 0x0C and _hi at 0x2C, bg_inode_table_lo at 0x08 and _hi at 0x28.
 * A 32-byte descriptor has only the low halves, so a reader must not look past byte 32 there.
 */
/** Reads and writes split lo/hi fields of one group descriptor inside the descriptor table. */
final class Ext4GroupDescriptors {
    private Ext4GroupDescriptors() {
    }

    /** Group {@code group}'s descriptor, a little-endian view into {@code table}. */
    static ByteBuffer view(byte[] table, int descSize, long group) {
        return ByteBuffer.wrap(table, (int) (group * descSize), descSize).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A 32-bit-low field (block numbers): 32 bits, 64 with 64-byte descriptors. */
    static long field32(ByteBuffer d, int lo, int hi) {
        long value = d.getInt(lo) & 0xFFFF_FFFFL;
        return d.capacity() >= 64 ? value | (d.getInt(hi) & 0xFFFF_FFFFL) << 32 : value;
    }

    /** A 16-bit-low field (counts): 16 bits, 32 with 64-byte descriptors. */
    static long field16(ByteBuffer d, int lo, int hi) {
        long value = d.getShort(lo) & 0xFFFF;
        return d.capacity() >= 64 ? value | (long) (d.getShort(hi) & 0xFFFF) << 16 : value;
    }

    static void setField16(ByteBuffer d, int lo, int hi, long value) {
        d.putShort(lo, (short) value);
        if (d.capacity() >= 64) {
            d.putShort(hi, (short) (value >>> 16));
        }
    }

    /**
     * bg_checksum of group {@code group}'s descriptor in {@code table}: crc32c(seed, group,
     * descriptor without the checksum field) & 0xFFFF with metadata_csum, else uninit_bg's
     * crc16(UUID from {@code superblock}, group, descriptor).
     */
    static int checksum(byte[] table, int descSize, long group, boolean metadataCsum, int seed, byte[] superblock) {
        int at = (int) (group * descSize);
        if (metadataCsum) {
            int crc = Crc32c.updateInt(seed, (int) group);
            crc = Crc32c.update(crc, table, at, 0x1E);
            crc = Crc32c.updateZeros(crc, 2);
            crc = Crc32c.update(crc, table, at + 0x20, descSize - 0x20);
            return crc & 0xFFFF;
        }
        int crc = Ext4Editor.crc16(0xFFFF, superblock, 0x68, 16);
        crc = Ext4Editor.crc16(crc, new byte[] {(byte) group, (byte) (group >>> 8), (byte) (group >>> 16),
            (byte) (group >>> 24)}, 0, 4);
        crc = Ext4Editor.crc16(crc, table, at, 0x1E);
        if (descSize > 0x20) {
            crc = Ext4Editor.crc16(crc, table, at + 0x20, descSize - 0x20);
        }
        return crc;
    }
}
