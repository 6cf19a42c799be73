package org.stickwright.engine.ext;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/*
 * An inode as stored in its group's inode table (s_inode_size bytes, 256 by default):
 *   0x00 i_mode (type in the top 4 bits: 0x4 dir, 0x8 file, 0xA symlink), 0x02 i_uid (low 16),
 *   0x04 i_size_lo, 0x10 i_mtime, 0x18 i_gid, 0x1A i_links_count, 0x1C i_blocks_lo,
 *   0x20 i_flags (0x80000 extents, 0x1000 htree index, 0x10000000 inline data),
 *   0x28 i_block: 60 bytes, an extent tree root, a block map or a fast symlink's target,
 *   0x68 i_file_acl (xattr block), 0x6C i_size_high, 0x78/0x7A uid/gid high halves,
 *   0x80 i_extra_isize; in-inode xattrs follow at 0x80 + i_extra_isize, magic 0xEA020000.
 */
/** One parsed inode. The raw bytes stay available for the extent root and in-inode xattrs. */
public final class Ext4Inode {
    static final int EXTENTS_FL = 0x80000;
    static final int INDEX_FL = 0x1000;
    static final int INLINE_DATA_FL = 0x10000000;

    private final long number;
    private final long offset;
    private final byte[] raw;
    private final ByteBuffer b;

    Ext4Inode(long number, long offset, byte[] raw) throws Ext4FormatException {
        this.number = number;
        this.offset = offset;
        this.raw = raw;
        this.b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (raw.length > 128) {
            int extra = b.getShort(0x80) & 0xFFFF;
            if (128 + extra > raw.length) {
                throw new Ext4FormatException("inode " + number, offset + 0x80, "i_extra_isize " + extra
                        + " exceeds the " + raw.length + "-byte inode");
            }
        }
    }

    public long number() {
        return number;
    }

    /** Byte offset of the inode on the device. */
    public long offset() {
        return offset;
    }

    public int mode() {
        return b.getShort(0x00) & 0xFFFF;
    }

    public int permissions() {
        return mode() & 07777;
    }

    public boolean isDirectory() {
        return (mode() & 0xF000) == 0x4000;
    }

    public boolean isRegularFile() {
        return (mode() & 0xF000) == 0x8000;
    }

    public boolean isSymlink() {
        return (mode() & 0xF000) == 0xA000;
    }

    public boolean isCharDevice() {
        return (mode() & 0xF000) == 0x2000;
    }

    public boolean isBlockDevice() {
        return (mode() & 0xF000) == 0x6000;
    }

    public boolean isFifo() {
        return (mode() & 0xF000) == 0x1000;
    }

    public boolean isSocket() {
        return (mode() & 0xF000) == 0xC000;
    }

    /**
     * An overlayfs whiteout: a character device 0:0 in the upper directory, marking a lower
     * file as deleted.
     */
    public boolean isWhiteout() {
        return isCharDevice() && deviceMajor() == 0 && deviceMinor() == 0;
    }

    /**
     * Device numbers of a device node, kept in i_block: the old 16-bit form (major &lt;&lt; 8 |
     * minor) in the first word when both fit a byte, else the new 32-bit form in the second
     * word (minor's low byte, then 12 bits of major, then minor's upper bits).
     */
    public int deviceMajor() {
        int old = b.getInt(0x28);
        return old != 0 ? (old >>> 8) & 0xFF : (b.getInt(0x2C) & 0xFFF00) >>> 8;
    }

    public int deviceMinor() {
        int old = b.getInt(0x28);
        int dev = b.getInt(0x2C);
        return old != 0 ? old & 0xFF : (dev & 0xFF) | ((dev >>> 12) & 0xFFF00);
    }

    public int uid() {
        return (b.getShort(0x02) & 0xFFFF) | (b.getShort(0x78) & 0xFFFF) << 16;
    }

    public int gid() {
        return (b.getShort(0x18) & 0xFFFF) | (b.getShort(0x7A) & 0xFFFF) << 16;
    }

    public long size() {
        return (b.getInt(0x04) & 0xFFFF_FFFFL) | (b.getInt(0x6C) & 0xFFFF_FFFFL) << 32;
    }

    public int linksCount() {
        return b.getShort(0x1A) & 0xFFFF;
    }

    public int flags() {
        return b.getInt(0x20);
    }

    public boolean usesExtents() {
        return (flags() & EXTENTS_FL) != 0;
    }

    /** A directory the kernel turned into a hashed B-tree (dir_index). */
    public boolean isHtree() {
        return (flags() & INDEX_FL) != 0;
    }

    public boolean hasInlineData() {
        return (flags() & INLINE_DATA_FL) != 0;
    }

    /** Modification time, seconds since the epoch. */
    public long mtime() {
        return b.getInt(0x10) & 0xFFFF_FFFFL;
    }

    /** i_blocks in 512-byte units (without huge_file scaling). */
    public long blocks512() {
        return (b.getInt(0x1C) & 0xFFFF_FFFFL) | (long) (b.getShort(0x74) & 0xFFFF) << 32;
    }

    public long xattrBlock() {
        return (b.getInt(0x68) & 0xFFFF_FFFFL) | (long) (b.getShort(0x76) & 0xFFFF) << 32;
    }

    int extraIsize() {
        return raw.length > 128 ? b.getShort(0x80) & 0xFFFF : 0;
    }

    /** The 60 bytes of i_block. */
    byte[] iBlock() {
        byte[] out = new byte[60];
        System.arraycopy(raw, 0x28, out, 0, 60);
        return out;
    }

    byte[] raw() {
        return raw;
    }

    @Override
    public String toString() {
        return "inode " + number + " mode " + Integer.toOctalString(mode()) + " size " + size();
    }
}
