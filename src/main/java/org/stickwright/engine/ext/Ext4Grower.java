package org.stickwright.engine.ext;

import static org.stickwright.engine.ext.Ext4GroupDescriptors.field16;
import static org.stickwright.engine.ext.Ext4GroupDescriptors.field32;
import static org.stickwright.engine.ext.Ext4GroupDescriptors.setField16;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.stickwright.engine.io.BlockDevice;

/*
 * Grows an existing, cleanly unmounted ext4 in place to fill a larger device, as an offline
 * `resize2fs DEVICE` does when nothing has to move. Worked example: a 256 MiB store (65536
 * blocks of 4 KiB, 2 groups, 1 descriptor block, 63 reserved GDT blocks) grown to 1 GiB:
 *
 *   groups 0-1   untouched but for group 1's copies below; group 1 was full-sized already
 *   groups 2-7   new. Each holds, from its first block: a superblock + descriptor table +
 *                reserved GDT copy when it is a backup group (3, 5, 7 here: sparse_super),
 *                then its own block bitmap, inode bitmap and inode table (flex_bg lets metadata
 *                live anywhere; inside the group it can never collide with a file). The block
 *                bitmap is written; the inode side is INODE_UNINIT with bg_itable_unused = all,
 *                as mke2fs leaves empty groups (without uninit_bg/metadata_csum the inode
 *                table is zeroed instead, since nothing would tell the kernel it is unused)
 *   descriptors  8 x 64 bytes still fit the one descriptor block. Past 64 groups (8 GiB) the
 *                table needs a second block: reserved GDT block 0 becomes descriptor block 1 in
 *                group 0 and in every backup, and the resize inode (7), which owns the reserved
 *                blocks through its double-indirect block, is rebuilt for the ones left
 *   last group   an old partial last group gets the blocks it gains: their padding bits (set
 *                past the old end) are cleared and its free count raised
 *   superblock   blocks, inodes, free counts, reserved blocks (same percentage), reserved GDT
 *                count; written to group 0 last and then to every backup, old and new
 *
 * Order, so a crash leaves the old filesystem readable (at worst counts and the resize inode
 * e2fsck repairs, never a file's data): first everything past the old end, which the old
 * filesystem does not see; then the resize inode's blocks and the descriptor table; the primary
 * superblock, which makes the new size real, last. Refused before anything is written: what
 * Ext4Editor.open refuses (journal to replay, errors, unknown features), meta_bg, sparse_super2,
 * bigalloc, a device smaller than the filesystem, and growth past what the reserved descriptor
 * blocks allow.
 */
/** Grows an ext4 filesystem in place to (nearly) the size of its device. */
public final class Ext4Grower {
    static final int COMPAT_RESIZE_INODE = 0x10;
    static final int COMPAT_SPARSE_SUPER2 = 0x200;
    static final int RO_COMPAT_SPARSE_SUPER = 0x1;
    static final int RESIZE_INO = 7;

    /** What growing did (or would do). */
    public record Growth(long oldBlocks, long newBlocks, long oldGroups, long newGroups, int blockSize,
            int descriptorBlocksAdded, long freeBlocksAdded, long inodesAdded) {
        public long oldBytes() {
            return oldBlocks * blockSize;
        }

        public long newBytes() {
            return newBlocks * blockSize;
        }
    }

    private final BlockDevice device;
    private final Ext4Editor editor;
    private final Ext4Superblock sb;
    private final int bs;
    private final long bpg;
    private final long ipg;
    private final int descSize;
    private final long first;
    private final boolean metadataCsum;
    private final boolean groupCsum;
    private final boolean sparse;
    private final int seed;
    private final long oldBlocks;
    private final long oldGroups;
    private final int oldGdtBlocks;
    private final int oldReserved;
    private final long inodeTableBlocks;
    private final long targetBytes;

    private long newBlocks;
    private long newGroups;
    private int newGdtBlocks;
    private int newReserved;

    private Ext4Grower(BlockDevice device, Ext4Editor editor, long targetBytes) {
        this.device = device;
        this.targetBytes = targetBytes;
        this.editor = editor;
        this.sb = editor.superblock();
        this.bs = sb.blockSize();
        this.bpg = sb.blocksPerGroup();
        this.ipg = sb.inodesPerGroup();
        this.descSize = sb.descSize();
        this.first = sb.firstDataBlock();
        this.metadataCsum = sb.hasRoCompat(Ext4Reader.RO_COMPAT_METADATA_CSUM);
        this.groupCsum = metadataCsum || sb.hasRoCompat(Ext4Reader.RO_COMPAT_GDT_CSUM);
        this.sparse = sb.hasRoCompat(RO_COMPAT_SPARSE_SUPER);
        this.seed = editor.checksumSeed();
        this.oldBlocks = sb.blocksCount();
        this.oldGroups = sb.groupCount();
        this.oldGdtBlocks = (int) ((oldGroups * descSize + bs - 1) / bs);
        this.oldReserved = sb.hasCompat(COMPAT_RESIZE_INODE) ? sb.reservedGdtBlocks() : 0;
        this.inodeTableBlocks = (ipg * sb.inodeSize() + bs - 1) / bs;
    }

    /**
     * Checks that the ext4 on {@code device} can grow to fill it and says what would change;
     * nothing is written. Throws {@link Ext4EditRefusedException} naming the reason otherwise.
     */
    public static Growth plan(BlockDevice device) throws IOException {
        return plan(device, device.size());
    }

    /**
     * As {@link #plan(BlockDevice)} for the device once it is {@code bytes} long (a file about
     * to be extended): only the filesystem's own blocks are read.
     */
    public static Growth plan(BlockDevice device, long bytes) throws IOException {
        return new Ext4Grower(device, Ext4Editor.open(device), bytes).plan();
    }

    /** Grows the ext4 on {@code device} to fill it (see the class comment for what is written and when). */
    public static Growth grow(BlockDevice device) throws IOException {
        Ext4Grower grower = new Ext4Grower(device, Ext4Editor.open(device), device.size());
        Growth growth = grower.plan();
        grower.write();
        return growth;
    }

    private Growth plan() throws IOException {
        if (sb.hasIncompat(Ext4Superblock.INCOMPAT_META_BG)) {
            throw new Ext4EditRefusedException(device.name() + " uses meta_bg (descriptor blocks spread over the disk),"
                    + " which this grower does not lay out; grow it with resize2fs");
        }
        if (sb.hasCompat(COMPAT_SPARSE_SUPER2)) {
            throw new Ext4EditRefusedException(device.name() + " uses sparse_super2; grow it with resize2fs");
        }
        if (bs == 1024 && first == 0) {
            throw new Ext4EditRefusedException(device.name() + ": 1 KiB blocks starting at block 0 are unusual; not grown");
        }
        if (bpg != 8L * bs) {
            throw new Ext4EditRefusedException(device.name() + " has " + bpg + " blocks per group, not the "
                    + 8L * bs + " a block bitmap maps; not grown");
        }
        long limit = sb.hasIncompat(Ext4Superblock.INCOMPAT_64BIT) && oldReserved == 0 ? 1L << 48 : 0xFFFF_FFFFL;
        long blocks = Math.min(targetBytes / bs, limit);
        // like mke2fs and resize2fs: a last group too small for its own metadata (+50) is dropped
        while (true) {
            long groups = (blocks - first + bpg - 1) / bpg;
            int gdt = (int) ((groups * descSize + bs - 1) / bs);
            long rest = (blocks - first) % bpg;
            int reserved = Math.max(0, oldReserved - (gdt - oldGdtBlocks));
            long overhead = 2 + inodeTableBlocks + (hasSuper(groups - 1) ? 1 + gdt + reserved : 0);
            if (rest != 0 && rest < overhead + 50) {
                blocks -= rest;
                continue;
            }
            newBlocks = blocks;
            newGroups = groups;
            newGdtBlocks = gdt;
            newReserved = reserved;
            break;
        }
        if (newBlocks <= oldBlocks) {
            throw new Ext4EditRefusedException(device.name() + ": the filesystem already has " + oldBlocks
                    + " blocks of " + bs + " bytes and the device room for " + newBlocks + "; nothing to grow");
        }
        if (newGroups * ipg > 0xFFFF_FFFFL) {
            throw new Ext4EditRefusedException(device.name() + ": " + newGroups + " groups of " + ipg
                    + " inodes exceed ext4's 2^32 inodes; not grown");
        }
        int added = newGdtBlocks - oldGdtBlocks;
        if (added > 0 && added >= oldReserved) {
            long maxGroups = (long) (oldGdtBlocks + Math.max(0, oldReserved - 1)) * (bs / descSize);
            throw new Ext4EditRefusedException(device.name() + " can grow in place to at most " + maxGroups * bpg * bs
                    + " bytes (" + maxGroups + " groups: its descriptor table has " + oldGdtBlocks + " block(s) and "
                    + oldReserved + " reserved to grow into); not grown");
        }
        long newMetadata = 0;
        for (long g = oldGroups; g < newGroups; g++) {
            newMetadata += backupLength(g) + 2 + inodeTableBlocks;
        }
        return new Growth(oldBlocks, newBlocks, oldGroups, newGroups, bs, added,
                newBlocks - oldBlocks - newMetadata, (newGroups - oldGroups) * ipg);
    }

    // ------------------------------------------------------------------ geometry

    private boolean hasSuper(long group) {
        if (group <= 1 || !sparse) {
            return true;
        }
        return group % 2 != 0 && (isPower(group, 3) || isPower(group, 5) || isPower(group, 7));
    }

    private static boolean isPower(long n, int base) {
        long x = n;
        while (x % base == 0) {
            x /= base;
        }
        return x == 1;
    }

    private long groupStart(long group) {
        return first + group * bpg;
    }

    private long groupBlocks(long group, long blocks) {
        return Math.min(bpg, blocks - groupStart(group));
    }

    /** Superblock + descriptor table + reserved GDT copy at a backup group's start, in the grown layout. */
    private long backupLength(long group) {
        return hasSuper(group) ? 1 + newGdtBlocks + newReserved : 0;
    }

    // ------------------------------------------------------------------ writing

    private void write() throws IOException {
        byte[] oldTable = device.readBytes((first + 1) * bs, oldGdtBlocks * bs);
        byte[] table = new byte[newGdtBlocks * bs];
        System.arraycopy(oldTable, 0, table, 0, (int) (oldGroups * descSize));

        // 1. past the old end: the new groups' bitmaps (and inode tables where nothing marks them unused)
        wipeTail();
        for (long g = oldGroups; g < newGroups; g++) {
            describeNewGroup(table, g);
        }
        // 2. the old last group's gained blocks
        extendLastOldGroup(table);
        for (long g = 0; g < newGroups; g++) {
            ByteBuffer d = Ext4GroupDescriptors.view(table, descSize, g);
            if (groupCsum) {
                d.putShort(0x1E, (short) Ext4GroupDescriptors.checksum(table, descSize, g, metadataCsum, seed,
                        editor.rawSuperblock()));
            }
        }
        // 3. resize inode and the descriptor table in every group that keeps a copy, group 0 last
        if (oldReserved > 0) {
            rebuildResizeInode();
        }
        byte[] superblock = grownSuperblock(table);
        for (long g = newGroups - 1; g >= 1; g--) {
            if (hasSuper(g)) {
                device.writeBytes((groupStart(g) + 1) * bs, table);
                device.writeBytes(groupStart(g) * bs, backupSuperblock(superblock, g));
            }
        }
        device.writeBytes((first + 1) * bs, table);
        device.flush();
        // 4. the primary superblock: from here on the filesystem is the grown one
        device.writeBytes(Ext4Superblock.OFFSET, superblock);
        device.flush();
    }

    /**
     * blkid must not find an older signature in the space the filesystem now covers (an MD
     * superblock in the last 64-128 KiB would hide it): the grown filesystem's last 128 KiB
     * are free blocks of a new group, zeroed.
     */
    private void wipeTail() throws IOException {
        long end = newBlocks * bs;
        long from = Math.max(oldBlocks * bs, end - (128 << 10));
        if (groupStart(newGroups - 1) * bs + (backupLength(newGroups - 1) + 2 + inodeTableBlocks) * bs <= from) {
            device.writeBytes(from, new byte[(int) (end - from)]);
        }
    }

    private void describeNewGroup(byte[] table, long g) throws IOException {
        long start = groupStart(g);
        long blocks = groupBlocks(g, newBlocks);
        long bitmapAt = start + backupLength(g);
        long inodeBitmapAt = bitmapAt + 1;
        long inodeTableAt = bitmapAt + 2;
        long usedBlocks = backupLength(g) + 2 + inodeTableBlocks;
        byte[] bitmap = new byte[bs];
        setBits(bitmap, 0, usedBlocks);
        setBits(bitmap, blocks, 8L * bs);
        device.writeBytes(bitmapAt * bs, bitmap);
        int flags = 0;
        if (groupCsum) {
            flags = Ext4Editor.BG_INODE_UNINIT;
        } else {
            byte[] inodeBitmap = new byte[bs];
            setBits(inodeBitmap, ipg, 8L * bs);
            device.writeBytes(inodeBitmapAt * bs, inodeBitmap);
            long tableBytes = inodeTableBlocks * bs;
            byte[] zeros = new byte[(int) Math.min(tableBytes, 1 << 20)];
            for (long at = 0; at < tableBytes; at += zeros.length) {
                int length = (int) Math.min(zeros.length, tableBytes - at);
                device.writeBytes(inodeTableAt * bs + at, length == zeros.length ? zeros : new byte[length]);
            }
        }
        ByteBuffer d = Ext4GroupDescriptors.view(table, descSize, g);
        setField32(d, 0x00, 0x20, bitmapAt);
        setField32(d, 0x04, 0x24, inodeBitmapAt);
        setField32(d, 0x08, 0x28, inodeTableAt);
        setField16(d, 0x0C, 0x2C, blocks - usedBlocks);
        setField16(d, 0x0E, 0x2E, ipg);
        setField16(d, 0x10, 0x30, 0);
        d.putShort(0x12, (short) flags);
        setField16(d, 0x1C, 0x32, groupCsum ? ipg : 0);
        if (metadataCsum) {
            int crc = Crc32c.update(seed, bitmap, 0, (int) (bpg / 8));
            setField16(d, 0x18, 0x38, crc & 0xFFFF_FFFFL);
        }
    }

    private void extendLastOldGroup(byte[] table) throws IOException {
        long g = oldGroups - 1;
        long oldCount = groupBlocks(g, oldBlocks);
        long newCount = groupBlocks(g, newBlocks);
        if (newCount == oldCount) {
            return;
        }
        ByteBuffer d = Ext4GroupDescriptors.view(table, descSize, g);
        setField16(d, 0x0C, 0x2C, field16(d, 0x0C, 0x2C) + newCount - oldCount);
        if ((d.getShort(0x12) & Ext4Editor.BG_BLOCK_UNINIT) != 0) {
            return; // the kernel computes this bitmap from the geometry
        }
        long bitmapAt = field32(d, 0x00, 0x20);
        byte[] bitmap = device.readBytes(bitmapAt * bs, bs);
        if (metadataCsum) {
            long stored = field16(d, 0x18, 0x38);
            long crc = Crc32c.update(seed, bitmap, 0, (int) (bpg / 8)) & (descSize >= 64 ? 0xFFFF_FFFFL : 0xFFFF);
            if (stored != crc) {
                throw new Ext4FormatException("block bitmap of group " + g, bitmapAt * bs, "metadata_csum mismatch");
            }
        }
        for (long bit = oldCount; bit < newCount; bit++) {
            if ((bitmap[(int) (bit >>> 3)] & (1 << (bit & 7))) == 0) {
                throw new Ext4FormatException("block bitmap of group " + g, bitmapAt * bs + (bit >>> 3),
                        "block " + (groupStart(g) + bit) + " past the end of the filesystem is marked free");
            }
            bitmap[(int) (bit >>> 3)] &= (byte) ~(1 << (bit & 7));
        }
        device.writeBytes(bitmapAt * bs, bitmap);
        if (metadataCsum) {
            setField16(d, 0x18, 0x38, Crc32c.update(seed, bitmap, 0, (int) (bpg / 8)) & 0xFFFF_FFFFL);
        }
    }

    /**
     * The resize inode for the grown layout, as mke2fs lays it out: double-indirect entry
     * (gdt + i) mod (block/4) names reserved block i of group 0, and that block lists its copy
     * in every backup group. Blocks that became descriptor blocks leave the map.
     */
    private void rebuildResizeInode() throws IOException {
        Ext4Inode inode = editor.reader().inode(RESIZE_INO);
        byte[] raw = inode.raw().clone();
        ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long dind = in.getInt(0x28 + 13 * 4) & 0xFFFF_FFFFL;
        if (dind == 0 || dind >= oldBlocks) {
            throw new Ext4FormatException("resize inode", inode.offset() + 0x28 + 13 * 4,
                    "no double-indirect block (" + dind + ") though " + oldReserved + " GDT blocks are reserved");
        }
        int perBlock = bs / 4;
        ByteBuffer dindBlock = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        long counted = 1;
        java.util.List<Long> backups = new java.util.ArrayList<>();
        for (long g = 1; g < newGroups; g++) {
            if (hasSuper(g)) {
                backups.add(g);
            }
        }
        for (int i = 0; i < newReserved; i++) {
            long primary = first + 1 + newGdtBlocks + i;
            dindBlock.putInt(((newGdtBlocks + i) % perBlock) * 4, (int) primary);
            ByteBuffer list = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < backups.size(); b++) {
                list.putInt(b * 4, (int) (primary + backups.get(b) * bpg));
            }
            counted += 1 + backups.size();
            device.writeBytes(primary * bs, list.array());
        }
        device.writeBytes(dind * bs, dindBlock.array());
        long sectors = counted * (bs / 512);
        in.putInt(0x1C, (int) sectors);
        in.putShort(0x74, (short) (sectors >>> 32));
        editor.writeInode(inode, raw);
    }

    private byte[] grownSuperblock(byte[] table) {
        byte[] raw = editor.rawSuperblock();
        ByteBuffer s = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        boolean is64 = sb.hasIncompat(Ext4Superblock.INCOMPAT_64BIT);
        long freeBlocks = 0;
        long freeInodes = 0;
        for (long g = 0; g < newGroups; g++) {
            ByteBuffer d = Ext4GroupDescriptors.view(table, descSize, g);
            freeBlocks += field16(d, 0x0C, 0x2C);
            freeInodes += field16(d, 0x0E, 0x2E);
        }
        // resize2fs keeps the reserved share: the same percentage of the new size
        long reserved = (long) ((double) sb.reservedBlocksCount() * newBlocks / oldBlocks);
        s.putInt(0x00, (int) (newGroups * ipg));
        putSplit(s, 0x04, 0x150, newBlocks, is64);
        putSplit(s, 0x08, 0x154, reserved, is64);
        putSplit(s, 0x0C, 0x158, freeBlocks, is64);
        s.putInt(0x10, (int) freeInodes);
        s.putShort(0xCE, (short) newReserved);
        long overhead = s.getInt(0x248) & 0xFFFF_FFFFL;
        if (overhead != 0) {
            for (long g = oldGroups; g < newGroups; g++) {
                overhead += backupLength(g) + 2 + inodeTableBlocks;
            }
            s.putInt(0x248, (int) overhead);
        }
        sign(raw);
        return raw;
    }

    private byte[] backupSuperblock(byte[] primary, long group) {
        byte[] raw = primary.clone();
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putShort(0x5A, (short) group);
        sign(raw);
        if (bs == 1024) {
            return raw;
        }
        byte[] block = new byte[bs];
        System.arraycopy(raw, 0, block, 0, raw.length);
        return block;
    }

    private void sign(byte[] raw) {
        if (metadataCsum) {
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putInt(0x3FC, Crc32c.update(~0, raw, 0, 0x3FC));
        }
    }

    private static void putSplit(ByteBuffer s, int lo, int hi, long value, boolean is64) {
        s.putInt(lo, (int) value);
        if (is64) {
            s.putInt(hi, (int) (value >>> 32));
        }
    }

    private static void setField32(ByteBuffer d, int lo, int hi, long value) {
        d.putInt(lo, (int) value);
        if (d.capacity() >= 64) {
            d.putInt(hi, (int) (value >>> 32));
        }
    }

    private static void setBits(byte[] bitmap, long from, long to) {
        for (long bit = from; bit < to; bit++) {
            bitmap[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
        }
    }
}
