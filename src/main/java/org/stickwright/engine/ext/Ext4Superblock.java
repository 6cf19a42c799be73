package org.stickwright.engine.ext;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/*
 * The ext4 superblock: 1024 bytes at byte 1024 of the filesystem (little-endian), magic 0xEF53
 * at offset 0x38. Backups sit at the start of groups 1, 3^n, 5^n, 7^n with s_block_group_nr set.
 * The fields read here are the geometry (block size = 1024 << s_log_block_size at 0x18, blocks
 * per group 0x20, inodes per group 0x28, inode size 0x58), the counters (0x00 inodes, 0x04/0x150
 * blocks, 0x0C/0x158 free blocks, 0x10 free inodes), the feature words (0x5C compat, 0x60
 * incompat, 0x64 ro_compat) and identity (0x68 UUID, 0x78 label).
 */
/** The parsed, sanity-checked ext4 superblock. */
public record Ext4Superblock(String label, UUID uuid, int blockSize, long blocksCount, long reservedBlocksCount,
        long freeBlocksCount, long inodesCount, long freeInodesCount, long firstDataBlock, long blocksPerGroup,
        long inodesPerGroup, int inodeSize, int descSize, int featureCompat, int featureIncompat,
        int featureRoCompat, int reservedGdtBlocks, long journalInode, long firstMetaBg, int state) {

    public static final int OFFSET = 1024;
    static final int INCOMPAT_META_BG = 0x10;
    static final int INCOMPAT_64BIT = 0x80;
    static final int INCOMPAT_INLINE_DATA = 0x8000;
    static final int INCOMPAT_SUPPORTED = 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x80 | 0x200 | 0x400 | 0x1000 | 0x2000
            | 0x4000 | 0x8000 | 0x10000 | 0x20000;

    /** Parses the 1024 bytes found at {@link #OFFSET}; {@code deviceSize} bounds the block count. */
    static Ext4Superblock parse(byte[] raw, long deviceSize) throws Ext4FormatException {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getShort(0x38) & 0xFFFF) != 0xEF53) {
            throw new Ext4FormatException("superblock", OFFSET + 0x38,
                    String.format("magic 0x%04X is not ext2/3/4's 0xEF53", b.getShort(0x38) & 0xFFFF));
        }
        int logBlock = b.getInt(0x18);
        if (logBlock < 0 || logBlock > 6) {
            throw new Ext4FormatException("superblock", OFFSET + 0x18, "block size 1024 << " + logBlock + " is impossible");
        }
        int blockSize = 1024 << logBlock;
        int incompat = b.getInt(0x60);
        boolean is64 = (incompat & INCOMPAT_64BIT) != 0;
        long blocks = u32(b, 0x04) | (is64 ? u32(b, 0x150) << 32 : 0);
        long reserved = u32(b, 0x08) | (is64 ? u32(b, 0x154) << 32 : 0);
        long freeBlocks = u32(b, 0x0C) | (is64 ? u32(b, 0x158) << 32 : 0);
        long inodes = u32(b, 0x00);
        long freeInodes = u32(b, 0x10);
        long firstData = u32(b, 0x14);
        long bpg = u32(b, 0x20);
        long ipg = u32(b, 0x28);
        int rev = b.getInt(0x4C);
        int inodeSize = rev == 0 ? 128 : b.getShort(0x58) & 0xFFFF;
        int descSize = is64 ? b.getShort(0xFE) & 0xFFFF : 32;
        if (blocks == 0 || blocks > deviceSize / blockSize) {
            throw new Ext4FormatException("superblock", OFFSET + 0x04, "block count " + blocks + " does not fit the device's "
                    + deviceSize + " bytes");
        }
        if (bpg == 0 || bpg > 8L * blockSize || ipg == 0 || ipg > 8L * blockSize) {
            throw new Ext4FormatException("superblock", OFFSET + 0x20, "blocks per group " + bpg + " / inodes per group "
                    + ipg + " impossible for " + blockSize + "-byte blocks");
        }
        if (inodeSize < 128 || inodeSize > blockSize || Integer.bitCount(inodeSize) != 1) {
            throw new Ext4FormatException("superblock", OFFSET + 0x58, "inode size " + inodeSize + " is impossible");
        }
        if (descSize < 32 || descSize > 1024 || Integer.bitCount(descSize) != 1) {
            throw new Ext4FormatException("superblock", OFFSET + 0xFE, "group descriptor size " + descSize + " is impossible");
        }
        if (firstData > 1 || firstData >= blocks) {
            throw new Ext4FormatException("superblock", OFFSET + 0x14, "first data block " + firstData + " is wrong for "
                    + blockSize + "-byte blocks");
        }
        long groups = (blocks - firstData + bpg - 1) / bpg;
        if (inodes > groups * ipg || inodes == 0) {
            throw new Ext4FormatException("superblock", OFFSET, "inode count " + inodes + " disagrees with " + groups
                    + " groups of " + ipg);
        }
        if ((incompat & ~INCOMPAT_SUPPORTED) != 0) {
            throw new Ext4FormatException("superblock", OFFSET + 0x60,
                    String.format("unknown incompatible features 0x%X", incompat & ~INCOMPAT_SUPPORTED));
        }
        byte[] label = new byte[16];
        b.get(0x78, label);
        int labelLength = 0;
        while (labelLength < 16 && label[labelLength] != 0) {
            labelLength++;
        }
        UUID uuid = new UUID(ByteBuffer.wrap(raw, 0x68, 16).getLong(), ByteBuffer.wrap(raw, 0x70, 8).getLong());
        return new Ext4Superblock(new String(label, 0, labelLength, StandardCharsets.UTF_8), uuid, blockSize, blocks,
                reserved, freeBlocks, inodes, freeInodes, firstData, bpg, ipg, inodeSize, descSize, b.getInt(0x5C),
                incompat, b.getInt(0x64), b.getShort(0xCE) & 0xFFFF, u32(b, 0xE0), u32(b, 0x104),
                b.getShort(0x3A) & 0xFFFF);
    }

    static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xFFFF_FFFFL;
    }

    /**
     * The journal holds transactions not yet written home (incompat RECOVER): the filesystem
     * is mounted, or was not unmounted cleanly, and what this reader sees may be stale.
     */
    public boolean needsRecovery() {
        return hasIncompat(0x4);
    }

    /** s_state: bit 0 cleanly unmounted, bit 1 errors detected. */
    public boolean cleanlyUnmounted() {
        return (state & 1) != 0 && (state & 2) == 0;
    }

    public long groupCount() {
        return (blocksCount - firstDataBlock + blocksPerGroup - 1) / blocksPerGroup;
    }

    public boolean hasIncompat(int mask) {
        return (featureIncompat & mask) != 0;
    }

    public boolean hasCompat(int mask) {
        return (featureCompat & mask) != 0;
    }

    public boolean hasRoCompat(int mask) {
        return (featureRoCompat & mask) != 0;
    }
}
