package org.stickwright.engine.ext;

import static org.stickwright.engine.ext.Ext4GroupDescriptors.field16;
import static org.stickwright.engine.ext.Ext4GroupDescriptors.field32;
import static org.stickwright.engine.ext.Ext4GroupDescriptors.setField16;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.stickwright.engine.io.BlockDevice;

/*
 * Empties directories of an existing, cleanly unmounted ext4 in place: what `rm -rf dir/*`
 * followed by a clean unmount would leave, without a kernel. Everything below the directory is
 * freed; what that touches on disk:
 *
 *   the directory    its first block rewritten as "." + ".." (+ the 12-byte checksum tail), its
 *                    inode pointing at that one block (extent root of 1 extent, or i_block[0]),
 *                    i_size = one block, htree INDEX flag cleared, i_links_count 2; inline
 *                    directories keep only their parent number and the system.data xattr empty
 *   freed inodes     i_links_count 0, i_dtime set (e2fsck's "deleted"), size/blocks/i_block/
 *                    i_file_acl/in-inode xattrs cleared, i_mode kept as the kernel keeps it
 *   hard links       an inode also named outside the emptied trees keeps living: its
 *                    i_links_count drops by the names removed
 *   xattr blocks     h_refcount (offset 4) drops by the freed inodes sharing the block; the
 *                    block is freed when it reaches 0, else re-checksummed
 *   bitmaps          every data block, extent index/leaf block, indirect block and released
 *                    xattr block cleared in its group's block bitmap, every freed inode in the
 *                    inode bitmap; bitmap crc32c (metadata_csum) into the group descriptor
 *   descriptors      free blocks / free inodes / used dirs counts, bg_checksum (crc32c with
 *                    metadata_csum, crc16 with uninit_bg); superblock free counts and s_checksum
 *
 * Everything is read and checked before the first write (plan, then apply): inode, extent
 * block, xattr block and bitmap checksums, block ranges, a block claimed twice, a directory
 * reached twice (cycle), more names for an inode than its link count, a bit already clear.
 * The writes then go in an order after which a crash leaves nothing worse than leaks e2fsck
 * repairs: (1) the directory's new first block and inode, so nothing below it is reachable;
 * (2) the freed and relinked inodes and the xattr block refcounts; (3) bitmaps, descriptors,
 * superblock. A block is marked free only after nothing names it any more, so no crash can
 * leave a block owned by a file and free at once (the cross-link a later allocation would turn
 * into data loss).
 *
 * Refused up front (Ext4EditRefusedException, nothing written): a journal holding transactions
 * (RECOVER flag or a non-zero jbd2 s_start), s_state not clean or with errors, a non-empty
 * orphan list or orphan file, and features whose bookkeeping this code does not do (meta_bg,
 * bigalloc, encrypt, casefold, ea_inode, quota, project, mmp, snapshots, journal devices,
 * dirdata, shared_blocks, readonly, an external journal).
 */
/** Edits an existing ext4 in place; today: {@link #emptyDirectories empties directories}. */
public final class Ext4Editor {
    static final int COMPAT_HAS_JOURNAL = 0x4;
    static final int INCOMPAT_FILETYPE = 0x2;
    static final int INCOMPAT_RECOVER = 0x4;
    static final int INCOMPAT_EXTENTS = 0x40;
    /** filetype, extents, 64bit, flex_bg, csum_seed, large_dir, inline_data. */
    static final int INCOMPAT_EDITABLE = 0x2 | 0x40 | 0x80 | 0x200 | 0x2000 | 0x4000 | 0x8000;
    /** sparse_super, large_file, huge_file, gdt_csum, dir_nlink, extra_isize, metadata_csum, verity. */
    static final int RO_COMPAT_EDITABLE = 0x1 | 0x2 | 0x8 | 0x10 | 0x20 | 0x40 | 0x400 | 0x8000;
    static final int RO_COMPAT_ORPHAN_PRESENT = 0x10000;
    static final int BG_INODE_UNINIT = 0x1;
    static final int BG_BLOCK_UNINIT = 0x2;
    static final int HUGE_FILE_FL = 0x40000;
    /** Inodes below the emptied directories, counted together; a bound so corrupt input cannot exhaust memory. */
    static final int MAX_INODES = 10_000_000;

    private final BlockDevice device;
    private final Ext4Reader reader;
    private final Ext4Superblock sb;
    private final byte[] rawSuperblock;
    private final byte[] gdt;
    private final long gdtOffset;
    private final int blockSize;
    private final boolean metadataCsum;
    private final boolean gdtCsum;
    private final int seed;
    private final long firstInode;
    private final int now;

    private Ext4Editor(BlockDevice device, Ext4Reader reader, byte[] rawSuperblock, byte[] gdt, long gdtOffset, int now) {
        this.device = device;
        this.reader = reader;
        this.sb = reader.superblock();
        this.rawSuperblock = rawSuperblock;
        this.gdt = gdt;
        this.gdtOffset = gdtOffset;
        this.blockSize = sb.blockSize();
        this.metadataCsum = sb.hasRoCompat(Ext4Reader.RO_COMPAT_METADATA_CSUM);
        this.gdtCsum = !metadataCsum && sb.hasRoCompat(Ext4Reader.RO_COMPAT_GDT_CSUM);
        ByteBuffer s = le(rawSuperblock);
        this.seed = sb.hasIncompat(Ext4Reader.INCOMPAT_CSUM_SEED) ? s.getInt(0x270) : Crc32c.update(~0, rawSuperblock, 0x68, 16);
        this.firstInode = s.getInt(0x4C) == 0 ? 11 : u32(s, 0x54);
        this.now = now;
    }

    /** What emptying did (or, from {@link #planEmptying}, would do). */
    public record Emptying(List<String> directories, long names, long inodesFreed, long directoriesFreed,
            long blocksFreed, long bytesFreed, long linksDropped, long xattrBlocksReleased) {
    }

    /** Opens for editing; timestamps written (dtime, the emptied directory's mtime) are "now". */
    public static Ext4Editor open(BlockDevice device) throws IOException {
        return open(device, System.currentTimeMillis() / 1000);
    }

    /**
     * Checks the superblock, descriptors and journal as the kernel does before a read-write
     * mount and refuses what this editor cannot keep consistent; {@code nowSeconds} is the
     * time written into i_dtime and the emptied directories' mtime/ctime.
     */
    public static Ext4Editor open(BlockDevice device, long nowSeconds) throws IOException {
        Ext4Reader reader = Ext4Reader.open(device, true);
        Ext4Superblock sb = reader.superblock();
        byte[] raw = device.readBytes(Ext4Superblock.OFFSET, 1024);
        ByteBuffer s = le(raw);
        if (sb.needsRecovery()) {
            throw new Ext4EditRefusedException(device.name() + " is mounted or was not unmounted cleanly (the journal"
                    + " needs recovery): unmount it, or mount and unmount it once, or run e2fsck first");
        }
        int unknownIncompat = sb.featureIncompat() & ~INCOMPAT_EDITABLE;
        if (unknownIncompat != 0) {
            throw new Ext4EditRefusedException(String.format("%s uses incompatible features the editor does not handle: %s",
                    device.name(), incompatNames(unknownIncompat)));
        }
        int unknownRo = sb.featureRoCompat() & ~RO_COMPAT_EDITABLE;
        if (unknownRo != 0) {
            throw new Ext4EditRefusedException(String.format("%s uses read-only-compatible features the editor does not"
                    + " handle: %s", device.name(), roCompatNames(unknownRo)));
        }
        if ((sb.state() & 1) == 0 || (sb.state() & 2) != 0) {
            throw new Ext4EditRefusedException(device.name() + " was not cleanly unmounted or has errors recorded (s_state "
                    + sb.state() + "): run e2fsck first");
        }
        if (u32(s, 0xE8) != 0) {
            throw new Ext4EditRefusedException(device.name() + " has inodes on its orphan list (s_last_orphan "
                    + u32(s, 0xE8) + "): mount it once or run e2fsck first");
        }
        if (sb.blocksPerGroup() != u32(s, 0x24)) {
            throw new Ext4EditRefusedException(device.name() + " has clusters unlike blocks (bigalloc)");
        }
        Ext4Editor editor;
        long gdtOffset = (sb.firstDataBlock() + 1) * sb.blockSize();
        byte[] gdt = device.readBytes(gdtOffset, (int) (sb.groupCount() * sb.descSize()));
        editor = new Ext4Editor(device, reader, raw, gdt, gdtOffset, (int) nowSeconds);
        if (!editor.metadataCsum && editor.gdtCsum) {
            for (long g = 0; g < sb.groupCount(); g++) {
                if (editor.descriptorChecksum(g) != (editor.desc(g).getShort(0x1E) & 0xFFFF)) {
                    throw new Ext4FormatException("group descriptor " + g, gdtOffset + g * sb.descSize(),
                            "uninit_bg crc16 checksum mismatch");
                }
            }
        }
        if (sb.hasCompat(COMPAT_HAS_JOURNAL)) {
            editor.checkJournalEmpty();
        }
        return editor;
    }

    private void checkJournalEmpty() throws IOException {
        long journal = sb.journalInode();
        if (journal == 0) {
            throw new Ext4EditRefusedException(device.name() + " keeps its journal on another device: not edited");
        }
        Ext4Inode inode = reader.inode(journal);
        byte[] head;
        try (InputStream in = reader.openStream(inode)) {
            head = in.readNBytes(1024);
        }
        ByteBuffer j = ByteBuffer.wrap(head).order(ByteOrder.BIG_ENDIAN);
        if (head.length < 1024 || j.getInt(0) != 0xC03B3998) {
            throw new Ext4FormatException("journal superblock (inode " + journal + ")", inode.offset(),
                    "no jbd2 magic 0xC03B3998");
        }
        if (j.getInt(0x1C) != 0) {
            throw new Ext4EditRefusedException(device.name() + "'s journal holds transactions not yet written home"
                    + " (jbd2 s_start " + (j.getInt(0x1C) & 0xFFFF_FFFFL) + "): mount it once or run e2fsck first");
        }
    }

    public Ext4Superblock superblock() {
        return sb;
    }

    Ext4Reader reader() {
        return reader;
    }

    /** The crc32c seed of every metadata_csum checksum (s_checksum_seed or crc32c of the UUID). */
    int checksumSeed() {
        return seed;
    }

    /** A copy of the 1024 superblock bytes as read when opened. */
    byte[] rawSuperblock() {
        return rawSuperblock.clone();
    }

    /** Everything {@link #emptyDirectories} would do, checked; nothing is written. */
    public Emptying planEmptying(List<String> directories) throws IOException {
        return plan(directories).summary();
    }

    /**
     * Frees everything below each of {@code directories} (absolute paths), leaving them empty.
     * Checks all before the first write; see the class comment for what a crash mid-way leaves.
     */
    public Emptying emptyDirectories(List<String> directories) throws IOException {
        Plan plan = plan(directories);
        apply(plan);
        return plan.summary();
    }

    // ------------------------------------------------------------------ planning (reads only)

    /** A directory to empty and what its new first block / inode hold. */
    private record Target(String path, Ext4Inode inode, long parent, long firstBlock) {
    }

    private final class Plan {
        final List<Target> targets = new ArrayList<>();
        final Set<Long> freed = new java.util.TreeSet<>();
        final Map<Long, Integer> linksToDrop = new TreeMap<>();
        final Map<Long, Integer> xattrRefs = new TreeMap<>();
        final Map<Long, byte[]> xattrBlocksRewritten = new TreeMap<>();
        final Map<Long, BitSet> blocks = new TreeMap<>();
        final Map<Long, BitSet> inodes = new TreeMap<>();
        final Map<Long, Integer> dirsFreedPerGroup = new HashMap<>();
        final Map<Long, byte[]> blockBitmaps = new TreeMap<>();
        final Map<Long, byte[]> inodeBitmaps = new TreeMap<>();
        long names;
        long blocksFreed;
        long directoriesFreed;
        long xattrReleased;

        Emptying summary() {
            long dropped = linksToDrop.values().stream().mapToLong(Integer::longValue).sum();
            return new Emptying(targets.stream().map(Target::path).toList(), names, freed.size(), directoriesFreed,
                    blocksFreed, blocksFreed * blockSize, dropped, xattrReleased);
        }

        /** Marks {@code count} blocks from {@code start} to be freed; a block claimed twice is corruption. */
        void freeBlocks(long start, long count, String owner, long at) throws Ext4FormatException {
            if (count <= 0) {
                return;
            }
            if (start < sb.firstDataBlock() || start >= sb.blocksCount() || count > sb.blocksCount() - start) {
                throw new Ext4FormatException(owner, at, count + " block(s) at " + start + " lie outside blocks "
                        + sb.firstDataBlock() + ".." + (sb.blocksCount() - 1));
            }
            long block = start;
            long end = start + count;
            while (block < end) {
                long group = (block - sb.firstDataBlock()) / sb.blocksPerGroup();
                int from = (int) ((block - sb.firstDataBlock()) % sb.blocksPerGroup());
                int to = (int) Math.min(sb.blocksPerGroup(), from + (end - block));
                BitSet bits = blocks.computeIfAbsent(group, g -> new BitSet());
                int clash = bits.nextSetBit(from);
                if (clash >= 0 && clash < to) {
                    throw new Ext4FormatException(owner, at, "block " + (sb.firstDataBlock() + group * sb.blocksPerGroup()
                            + clash) + " is claimed twice (cross-linked or a loop in the block tree)");
                }
                bits.set(from, to);
                blocksFreed += to - from;
                block += to - from;
            }
        }
    }

    private Plan plan(List<String> directories) throws IOException {
        Plan plan = new Plan();
        Set<Long> seenDirs = new HashSet<>();
        // only inodes with several links wait for the count of their names; the rest are planned at once,
        // so memory grows by a set entry per freed inode, not by the inode
        Map<Long, Integer> multiNames = new TreeMap<>();
        Map<Long, Ext4Inode> multiLinked = new HashMap<>();
        for (String path : directories) {
            Ext4Inode dir = reader.lookup(path);
            if (!dir.isDirectory()) {
                throw new Ext4EditRefusedException(path + " is not a directory");
            }
            if (dir.number() < firstInode) {
                throw new Ext4EditRefusedException(path + " is reserved inode " + dir.number() + " (the root or"
                        + " another special inode): not emptied");
            }
            if (!seenDirs.add(dir.number())) {
                throw new Ext4EditRefusedException(path + " is named twice");
            }
            verifyInode(dir);
            plan.targets.add(planTarget(plan, path, dir));
        }
        for (Target target : plan.targets) {
            ArrayDeque<Ext4Inode> pending = new ArrayDeque<>();
            pending.push(target.inode());
            while (!pending.isEmpty()) {
                Ext4Inode dir = pending.pop();
                for (Ext4DirEntry entry : reader.list(dir)) {
                    plan.names++;
                    long ino = entry.inode();
                    if (ino < firstInode) {
                        throw new Ext4FormatException("directory inode " + dir.number(), dir.offset(), "names reserved inode "
                                + ino + " as '" + entry.name() + "'");
                    }
                    if (multiNames.containsKey(ino)) {
                        multiNames.merge(ino, 1, Integer::sum);
                        continue;
                    }
                    if (plan.freed.contains(ino)) {
                        Ext4Inode inode = reader.inode(ino);
                        throw new Ext4FormatException(inode.isDirectory() ? "directory inode " + ino : "inode " + ino,
                                inode.offset(), inode.isDirectory() ? "reached twice below " + target.path()
                                        + " (a directory cycle or a hard-linked directory)"
                                        : "has " + inode.linksCount() + " link(s) but more names below " + target.path());
                    }
                    if (plan.freed.size() >= MAX_INODES) {
                        throw new Ext4FormatException("directory inode " + dir.number(), dir.offset(), "more than "
                                + MAX_INODES + " inodes below " + target.path());
                    }
                    Ext4Inode inode = reader.inode(ino);
                    verifyInode(inode);
                    if (inode.isDirectory()) {
                        if (!seenDirs.add(ino)) {
                            throw new Ext4FormatException("directory inode " + ino, inode.offset(), "reached twice below "
                                    + target.path() + " (a directory cycle, a hard-linked directory or nested targets)");
                        }
                        pending.push(inode);
                        planFree(plan, inode);
                    } else if (inode.linksCount() > 1) {
                        multiNames.put(ino, 1);
                        multiLinked.put(ino, inode);
                    } else {
                        planFree(plan, inode);
                    }
                }
            }
        }
        for (Map.Entry<Long, Integer> e : multiNames.entrySet()) {
            Ext4Inode inode = multiLinked.get(e.getKey());
            int links = inode.linksCount();
            int names = e.getValue();
            if (names < links) {
                plan.linksToDrop.put(inode.number(), names);
            } else if (names > links) {
                throw new Ext4FormatException("inode " + inode.number(), inode.offset() + 0x1A, names
                        + " names point at it but i_links_count is " + links);
            } else {
                planFree(plan, inode);
            }
        }
        for (Target target : plan.targets) {
            long first = target.firstBlock();
            if (first >= 0) {
                BitSet bits = plan.blocks.get((first - sb.firstDataBlock()) / sb.blocksPerGroup());
                if (bits != null && bits.get((int) ((first - sb.firstDataBlock()) % sb.blocksPerGroup()))) {
                    throw new Ext4FormatException("first directory block of " + target.path(), first * blockSize,
                            "block " + first + " is also owned by an inode below it (cross-linked)");
                }
            }
        }
        planXattrBlocks(plan);
        planBitmaps(plan);
        return plan;
    }

    /** Plans freeing one inode: its blocks, its share of an xattr block, its bit. */
    private void planFree(Plan plan, Ext4Inode inode) throws IOException {
        if (inode.mode() == 0 || (!inode.isDirectory() && inode.linksCount() == 0)) {
            throw new Ext4FormatException("inode " + inode.number(), inode.offset(), "is named but deleted (mode "
                    + Integer.toOctalString(inode.mode()) + ", " + inode.linksCount() + " links)");
        }
        plan.freed.add(inode.number());
        if (inode.isDirectory()) {
            plan.directoriesFreed++;
            plan.dirsFreedPerGroup.merge((inode.number() - 1) / sb.inodesPerGroup(), 1, Integer::sum);
        }
        collectBlocks(plan, inode, false);
        long xattr = inode.xattrBlock();
        if (xattr != 0) {
            plan.xattrRefs.merge(xattr, 1, Integer::sum);
        }
        long group = (inode.number() - 1) / sb.inodesPerGroup();
        plan.inodes.computeIfAbsent(group, g -> new BitSet()).set((int) ((inode.number() - 1) % sb.inodesPerGroup()));
    }

    /** Reads the directory's first block (or inline head) and plans freeing its other blocks. */
    private Target planTarget(Plan plan, String path, Ext4Inode dir) throws IOException {
        if (dir.hasInlineData()) {
            long parent = le(dir.iBlock()).getInt(0) & 0xFFFF_FFFFL;
            checkParent(dir, parent, dir.offset() + 0x28);
            return new Target(path, dir, parent, -1);
        }
        long first = collectBlocks(plan, dir, true);
        if (first < 0) {
            throw new Ext4FormatException("directory inode " + dir.number(), dir.offset(), "has no first block");
        }
        byte[] block = device.readBytes(first * blockSize, blockSize);
        ByteBuffer b = le(block);
        boolean fileType = sb.hasIncompat(INCOMPAT_FILETYPE);
        int dotLen = b.getShort(4) & 0xFFFF;
        int dotName = fileType ? block[6] & 0xFF : b.getShort(6) & 0xFFFF;
        int dotdotName = fileType ? block[12 + 6] & 0xFF : b.getShort(12 + 6) & 0xFFFF;
        if ((b.getInt(0) & 0xFFFF_FFFFL) != dir.number() || dotLen != 12 || dotName != 1 || block[8] != '.'
                || dotdotName != 2 || block[20] != '.' || block[21] != '.') {
            throw new Ext4FormatException("first directory block of inode " + dir.number(), first * blockSize,
                    "does not start with '.' and '..'");
        }
        long parent = b.getInt(12) & 0xFFFF_FFFFL;
        checkParent(dir, parent, first * blockSize + 12);
        return new Target(path, dir, parent, first);
    }

    private void checkParent(Ext4Inode dir, long parent, long at) throws Ext4FormatException {
        if (parent < 1 || parent > sb.inodesCount()) {
            throw new Ext4FormatException("directory inode " + dir.number(), at, "'..' names inode " + parent);
        }
    }

    /**
     * Adds every block the inode owns to the plan: data, extent tree nodes or indirect blocks.
     * With {@code keepFirst} the block holding logical block 0 stays and is returned.
     */
    private long collectBlocks(Plan plan, Ext4Inode inode, boolean keepFirst) throws IOException {
        if (inode.hasInlineData() || inode.isCharDevice() || inode.isBlockDevice() || inode.isFifo() || inode.isSocket()) {
            return -1;
        }
        if (inode.isSymlink() && !inode.usesExtents() && inode.size() < 60) {
            return -1; // fast symlink: the target lives in i_block
        }
        String owner = "inode " + inode.number();
        if (inode.usesExtents()) {
            long[] first = {-1};
            collectExtents(plan, inode, inode.iBlock(), 60, -1, keepFirst, first, inode.offset() + 0x28, 0);
            return first[0];
        }
        ByteBuffer map = le(inode.iBlock());
        long first = -1;
        for (int i = 0; i < 12; i++) {
            long block = map.getInt(i * 4) & 0xFFFF_FFFFL;
            if (block == 0) {
                continue;
            }
            if (i == 0 && keepFirst) {
                checkBlock(block, owner, inode.offset() + 0x28);
                first = block;
            } else {
                plan.freeBlocks(block, 1, owner, inode.offset() + 0x28 + i * 4);
            }
        }
        for (int level = 1; level <= 3; level++) {
            long block = map.getInt((11 + level) * 4) & 0xFFFF_FFFFL;
            if (block != 0) {
                collectIndirect(plan, inode, block, level, inode.offset() + 0x28 + (11 + level) * 4);
            }
        }
        return first;
    }

    private void checkBlock(long block, String owner, long at) throws Ext4FormatException {
        if (block < sb.firstDataBlock() || block >= sb.blocksCount()) {
            throw new Ext4FormatException(owner, at, "names block " + block + " outside the filesystem");
        }
    }

    private void collectIndirect(Plan plan, Ext4Inode inode, long block, int level, long at) throws IOException {
        String owner = "indirect block of inode " + inode.number();
        plan.freeBlocks(block, 1, owner, at); // first, so a loop back to it is caught as a second claim
        ByteBuffer pointers = le(device.readBytes(block * blockSize, blockSize));
        for (int i = 0; i < blockSize / 4; i++) {
            long child = pointers.getInt(i * 4) & 0xFFFF_FFFFL;
            if (child == 0) {
                continue;
            }
            if (level == 1) {
                plan.freeBlocks(child, 1, owner, block * blockSize + i * 4L);
            } else {
                collectIndirect(plan, inode, child, level - 1, block * blockSize + i * 4L);
            }
        }
    }

    private void collectExtents(Plan plan, Ext4Inode inode, byte[] node, int room, int expectedDepth, boolean keepFirst,
            long[] first, long at, int level) throws IOException {
        String structure = level == 0 ? "extent root of inode " + inode.number() : "extent block of inode " + inode.number();
        ByteBuffer b = le(node);
        if ((b.getShort(0) & 0xFFFF) != 0xF30A) {
            throw new Ext4FormatException(structure, at, String.format("extent magic 0x%04X is not 0xF30A",
                    b.getShort(0) & 0xFFFF));
        }
        int entries = b.getShort(2) & 0xFFFF;
        int max = b.getShort(4) & 0xFFFF;
        int depth = b.getShort(6) & 0xFFFF;
        if (entries > max || 12 + 12 * max > room) {
            throw new Ext4FormatException(structure, at, entries + " entries / max " + max + " do not fit " + room + " bytes");
        }
        if (depth > Ext4Reader.MAX_EXTENT_DEPTH || (expectedDepth >= 0 && depth != expectedDepth)) {
            throw new Ext4FormatException(structure, at, "depth " + depth + " where " + (expectedDepth >= 0 ? expectedDepth
                    : "at most " + Ext4Reader.MAX_EXTENT_DEPTH) + " was expected");
        }
        if (level > 0 && metadataCsum && 12 + 12 * max + 4 <= room) {
            int stored = b.getInt(12 + 12 * max);
            if (Crc32c.update(inodeSeed(inode), node, 0, 12 + 12 * max) != stored) {
                throw new Ext4FormatException(structure, at, "metadata_csum checksum mismatch");
            }
        }
        for (int i = 0; i < entries; i++) {
            int e = 12 + 12 * i;
            long logical = b.getInt(e) & 0xFFFF_FFFFL;
            if (depth == 0) {
                int length = b.getShort(e + 4) & 0xFFFF;
                if (length > 32768) {
                    length -= 32768; // unwritten (fallocated) extent: still allocated
                }
                long physical = (long) (b.getShort(e + 6) & 0xFFFF) << 32 | (b.getInt(e + 8) & 0xFFFF_FFFFL);
                if (length == 0) {
                    throw new Ext4FormatException(structure, at + e, "extent of 0 blocks");
                }
                if (keepFirst && logical == 0) {
                    checkBlock(physical, structure, at + e);
                    first[0] = physical;
                    plan.freeBlocks(physical + 1, length - 1, structure, at + e);
                } else {
                    plan.freeBlocks(physical, length, structure, at + e);
                }
            } else {
                long child = (b.getInt(e + 4) & 0xFFFF_FFFFL) | (long) (b.getShort(e + 8) & 0xFFFF) << 32;
                plan.freeBlocks(child, 1, structure, at + e); // first: a loop is a second claim, not a hang
                byte[] block = device.readBytes(child * blockSize, blockSize);
                collectExtents(plan, inode, block, blockSize, depth - 1, keepFirst, first, child * blockSize, level + 1);
            }
        }
    }

    /** Decides per xattr block: freed (every holder freed) or its refcount lowered. */
    private void planXattrBlocks(Plan plan) throws IOException {
        for (Map.Entry<Long, Integer> e : plan.xattrRefs.entrySet()) {
            long block = e.getKey();
            String structure = "xattr block " + block;
            checkBlock(block, structure, block * blockSize);
            byte[] data = device.readBytes(block * blockSize, blockSize);
            ByteBuffer b = le(data);
            if (b.getInt(0) != 0xEA020000 || b.getInt(8) != 1) {
                throw new Ext4FormatException(structure, block * blockSize, "bad magic or block count");
            }
            if (metadataCsum && xattrChecksum(block, data) != b.getInt(0x10)) {
                throw new Ext4FormatException(structure, block * blockSize + 0x10, "metadata_csum checksum mismatch");
            }
            long refcount = u32(b, 4);
            int released = e.getValue();
            if (refcount < released) {
                throw new Ext4FormatException(structure, block * blockSize + 4, "h_refcount " + refcount + " but "
                        + released + " inodes being freed use it");
            }
            if (refcount == released) {
                plan.freeBlocks(block, 1, structure, block * blockSize);
                plan.xattrReleased++;
            } else {
                b.putInt(4, (int) (refcount - released));
                if (metadataCsum) {
                    b.putInt(0x10, xattrChecksum(block, data));
                }
                plan.xattrBlocksRewritten.put(block, data);
            }
        }
    }

    /** Reads and checks every bitmap the plan changes, and clears the bits in memory. */
    private void planBitmaps(Plan plan) throws IOException {
        for (Map.Entry<Long, BitSet> e : plan.blocks.entrySet()) {
            long group = e.getKey();
            ByteBuffer d = desc(group);
            long at = gdtOffset + group * sb.descSize();
            if ((d.getShort(0x12) & BG_BLOCK_UNINIT) != 0 && (metadataCsum || gdtCsum)) {
                throw new Ext4FormatException("group descriptor " + group, at, "group is BLOCK_UNINIT but inode(s) own"
                        + " blocks in it");
            }
            long location = field32(d, 0x00, 0x20);
            checkBlock(location, "block bitmap of group " + group, at);
            int bytes = (int) (sb.blocksPerGroup() / 8);
            byte[] bitmap = device.readBytes(location * blockSize, bytes);
            if (metadataCsum && (int) (Crc32c.update(seed, bitmap) & checksumMask()) != (int) field16(d, 0x18, 0x38)) {
                throw new Ext4FormatException("block bitmap of group " + group, location * blockSize,
                        "metadata_csum checksum mismatch");
            }
            clearBits(bitmap, e.getValue(), "block bitmap of group " + group, location * blockSize, "block",
                    sb.firstDataBlock() + group * sb.blocksPerGroup());
            plan.blockBitmaps.put(group, bitmap);
        }
        for (Map.Entry<Long, BitSet> e : plan.inodes.entrySet()) {
            long group = e.getKey();
            ByteBuffer d = desc(group);
            long at = gdtOffset + group * sb.descSize();
            long location = field32(d, 0x04, 0x24);
            checkBlock(location, "inode bitmap of group " + group, at);
            int bytes = (int) (sb.inodesPerGroup() / 8);
            byte[] bitmap = device.readBytes(location * blockSize, bytes);
            if (metadataCsum && (int) (Crc32c.update(seed, bitmap) & checksumMask()) != (int) field16(d, 0x1A, 0x3A)) {
                throw new Ext4FormatException("inode bitmap of group " + group, location * blockSize,
                        "metadata_csum checksum mismatch");
            }
            clearBits(bitmap, e.getValue(), "inode bitmap of group " + group, location * blockSize, "inode",
                    1 + group * sb.inodesPerGroup());
            plan.inodeBitmaps.put(group, bitmap);
        }
    }

    private static void clearBits(byte[] bitmap, BitSet bits, String structure, long at, String what, long base)
            throws Ext4FormatException {
        for (int bit = bits.nextSetBit(0); bit >= 0; bit = bits.nextSetBit(bit + 1)) {
            if ((bitmap[bit >>> 3] & (1 << (bit & 7))) == 0) {
                throw new Ext4FormatException(structure, at + (bit >>> 3), what + " " + (base + bit)
                        + " is in use but marked free");
            }
            bitmap[bit >>> 3] &= (byte) ~(1 << (bit & 7));
        }
    }

    /** Bitmap checksums keep 16 bits in 32-byte descriptors, 32 in 64-byte ones. */
    private long checksumMask() {
        return sb.descSize() >= 64 ? 0xFFFF_FFFFL : 0xFFFFL;
    }

    // ------------------------------------------------------------------ applying (writes)

    private void apply(Plan plan) throws IOException {
        // 1: the directories lose every name; what was below becomes unreachable (leaked, not cross-linked)
        for (Target target : plan.targets) {
            byte[] raw = target.inode().raw().clone();
            ByteBuffer in = le(raw);
            if (target.firstBlock() < 0) {
                emptyInline(target, raw);
            } else {
                device.writeBytes(target.firstBlock() * blockSize, emptyDirectoryBlock(target));
                ByteBuffer iBlock = ByteBuffer.wrap(raw, 0x28, 60).slice().order(ByteOrder.LITTLE_ENDIAN);
                iBlock.put(new byte[60]).clear();
                if (target.inode().usesExtents()) {
                    iBlock.putShort(0, (short) 0xF30A).putShort(2, (short) 1).putShort(4, (short) 4).putShort(6, (short) 0);
                    iBlock.putInt(12, 0).putShort(16, (short) 1).putShort(18, (short) (target.firstBlock() >>> 32))
                            .putInt(20, (int) target.firstBlock());
                } else {
                    iBlock.putInt(0, (int) target.firstBlock());
                }
                setSize(in, blockSize);
                long sectors = (1 + (target.inode().xattrBlock() != 0 ? 1 : 0)) * (long) (blockSize / 512);
                in.putInt(0x1C, (int) sectors);
                if (raw.length > 0x75) {
                    in.putShort(0x74, (short) 0);
                }
                in.putInt(0x20, in.getInt(0x20) & ~(Ext4Inode.INDEX_FL | HUGE_FILE_FL));
            }
            in.putShort(0x1A, (short) 2);
            in.putInt(0x0C, now); // ctime
            in.putInt(0x10, now); // mtime
            writeInode(target.inode(), raw);
        }
        device.flush();
        // 2: inodes freed or left with fewer links, shared xattr blocks with fewer holders
        for (long number : plan.freed) {
            Ext4Inode inode = reader.inode(number);
            writeInode(inode, freedInode(inode));
        }
        for (Map.Entry<Long, Integer> e : plan.linksToDrop.entrySet()) {
            Ext4Inode inode = reader.inode(e.getKey());
            byte[] raw = inode.raw().clone();
            ByteBuffer in = le(raw);
            in.putShort(0x1A, (short) (inode.linksCount() - e.getValue()));
            in.putInt(0x0C, now);
            writeInode(inode, raw);
        }
        for (Map.Entry<Long, byte[]> e : plan.xattrBlocksRewritten.entrySet()) {
            device.writeBytes(e.getKey() * blockSize, e.getValue());
        }
        device.flush();
        // 3: only now, with nothing naming them, blocks and inodes become free
        for (Map.Entry<Long, byte[]> e : plan.blockBitmaps.entrySet()) {
            long group = e.getKey();
            ByteBuffer d = desc(group);
            device.writeBytes(field32(d, 0x00, 0x20) * blockSize, e.getValue());
            setField16(d, 0x0C, 0x2C, field16(d, 0x0C, 0x2C) + plan.blocks.get(group).cardinality());
            if (metadataCsum) {
                setField16(d, 0x18, 0x38, Crc32c.update(seed, e.getValue()) & 0xFFFF_FFFFL);
            }
        }
        for (Map.Entry<Long, byte[]> e : plan.inodeBitmaps.entrySet()) {
            long group = e.getKey();
            ByteBuffer d = desc(group);
            device.writeBytes(field32(d, 0x04, 0x24) * blockSize, e.getValue());
            setField16(d, 0x0E, 0x2E, field16(d, 0x0E, 0x2E) + plan.inodes.get(group).cardinality());
            if (metadataCsum) {
                setField16(d, 0x1A, 0x3A, Crc32c.update(seed, e.getValue()) & 0xFFFF_FFFFL);
            }
        }
        for (Map.Entry<Long, Integer> e : plan.dirsFreedPerGroup.entrySet()) {
            ByteBuffer d = desc(e.getKey());
            setField16(d, 0x10, 0x30, field16(d, 0x10, 0x30) - e.getValue());
        }
        Set<Long> touched = new HashSet<>(plan.blockBitmaps.keySet());
        touched.addAll(plan.inodeBitmaps.keySet());
        touched.addAll(plan.dirsFreedPerGroup.keySet());
        for (long group : touched) {
            if (metadataCsum || gdtCsum) {
                desc(group).putShort(0x1E, (short) descriptorChecksum(group));
            }
        }
        device.writeBytes(gdtOffset, gdt);
        device.flush();
        long freeBlocks = 0;
        long freeInodes = 0;
        for (long g = 0; g < sb.groupCount(); g++) {
            freeBlocks += field16(desc(g), 0x0C, 0x2C);
            freeInodes += field16(desc(g), 0x0E, 0x2E);
        }
        ByteBuffer s = le(rawSuperblock);
        s.putInt(0x0C, (int) freeBlocks);
        if (sb.hasIncompat(Ext4Superblock.INCOMPAT_64BIT)) {
            s.putInt(0x158, (int) (freeBlocks >>> 32));
        }
        s.putInt(0x10, (int) freeInodes);
        s.putInt(0x30, now); // s_wtime
        if (metadataCsum) {
            s.putInt(0x3FC, Crc32c.update(~0, rawSuperblock, 0, 0x3FC));
        }
        device.writeBytes(Ext4Superblock.OFFSET, rawSuperblock);
        device.flush();
    }

    /** "." (12 bytes), ".." to the end of the block, then the checksum tail with metadata_csum. */
    private byte[] emptyDirectoryBlock(Target target) {
        byte[] block = new byte[blockSize];
        ByteBuffer b = le(block);
        boolean fileType = sb.hasIncompat(INCOMPAT_FILETYPE);
        int tail = metadataCsum ? 12 : 0;
        b.putInt(0, (int) target.inode().number()).putShort(4, (short) 12);
        b.put(6, (byte) 1).put(7, (byte) (fileType ? 2 : 0)).put(8, (byte) '.');
        b.putInt(12, (int) target.parent()).putShort(16, (short) (blockSize - 12 - tail));
        b.put(18, (byte) 2).put(19, (byte) (fileType ? 2 : 0)).put(20, (byte) '.').put(21, (byte) '.');
        if (metadataCsum) {
            int at = blockSize - 12;
            b.putInt(at, 0).putShort(at + 4, (short) 12).put(at + 6, (byte) 0).put(at + 7, (byte) 0xDE);
            b.putInt(at + 8, Crc32c.update(inodeSeed(target.inode()), block, 0, at));
        }
        return block;
    }

    /**
     * An inline directory keeps its parent number (first 4 bytes of i_block) and one empty
     * record over the other 56; the system.data xattr that held the rest is left empty.
     */
    private void emptyInline(Target target, byte[] raw) throws IOException {
        ByteBuffer in = le(raw);
        ByteBuffer iBlock = ByteBuffer.wrap(raw, 0x28, 60).slice().order(ByteOrder.LITTLE_ENDIAN);
        iBlock.put(4, new byte[56]);
        iBlock.putInt(4, 0).putShort(8, (short) 56);
        setSize(in, 60);
        int start = 128 + target.inode().extraIsize();
        if (raw.length <= 128 || start + 4 > raw.length || in.getInt(start) != 0xEA020000) {
            throw new Ext4FormatException("inline directory inode " + target.inode().number(), target.inode().offset(),
                    "has no in-inode xattrs (system.data)");
        }
        record Entry(int index, byte[] name, byte[] value, int hash) {
        }
        List<Entry> entries = new ArrayList<>();
        int base = start + 4;
        int pos = base;
        while (pos + 4 <= raw.length && in.getInt(pos) != 0) {
            int nameLen = raw[pos] & 0xFF;
            int index = raw[pos + 1] & 0xFF;
            int valueOffs = in.getShort(pos + 2) & 0xFFFF;
            long valueInum = u32(in, pos + 4);
            int valueSize = in.getInt(pos + 8);
            if (pos + 16 + nameLen > raw.length || valueInum != 0 || valueSize < 0
                    || base + valueOffs + (long) valueSize > raw.length) {
                throw new Ext4FormatException("in-inode xattrs of inode " + target.inode().number(),
                        target.inode().offset() + pos, "entry does not fit the inode");
            }
            byte[] name = java.util.Arrays.copyOfRange(raw, pos + 16, pos + 16 + nameLen);
            byte[] value = java.util.Arrays.copyOfRange(raw, base + valueOffs, base + valueOffs + valueSize);
            boolean data = index == 7 && new String(name, StandardCharsets.US_ASCII).equals("data");
            entries.add(new Entry(index, name, data ? new byte[0] : value, in.getInt(pos + 12)));
            pos += (16 + nameLen + 3) & ~3;
        }
        java.util.Arrays.fill(raw, base, raw.length, (byte) 0);
        int entry = base;
        int valueEnd = raw.length;
        for (Entry e : entries) {
            int padded = (e.value().length + 3) & ~3;
            valueEnd -= padded;
            raw[entry] = (byte) e.name().length;
            raw[entry + 1] = (byte) e.index();
            in.putShort(entry + 2, (short) (e.value().length == 0 ? 0 : valueEnd - base));
            in.putInt(entry + 8, e.value().length);
            in.putInt(entry + 12, e.hash() == 0 ? 0 : xattrEntryHash(e.name(), e.value()));
            System.arraycopy(e.name(), 0, raw, entry + 16, e.name().length);
            System.arraycopy(e.value(), 0, raw, valueEnd, e.value().length);
            entry += (16 + e.name().length + 3) & ~3;
        }
    }

    /** ext4_xattr_hash_entry: name bytes rotated in by 5, then the value's words by 16. */
    static int xattrEntryHash(byte[] name, byte[] value) {
        int hash = 0;
        for (byte b : name) {
            hash = (hash << 5) ^ (hash >>> 27) ^ b;
        }
        ByteBuffer v = le(java.util.Arrays.copyOf(value, (value.length + 3) & ~3));
        while (v.hasRemaining()) {
            hash = (hash << 16) ^ (hash >>> 16) ^ v.getInt();
        }
        return hash;
    }

    /** The inode as the kernel leaves a deleted one: no links, a dtime, nothing it owns. */
    private byte[] freedInode(Ext4Inode inode) {
        byte[] raw = inode.raw().clone();
        ByteBuffer in = le(raw);
        in.putShort(0x1A, (short) 0);
        in.putInt(0x14, now == 0 ? 1 : now); // i_dtime: a zero dtime would read as "in use" to e2fsck
        setSize(in, 0);
        in.putInt(0x1C, 0);
        in.putShort(0x74, (short) 0);
        in.putInt(0x68, 0);
        in.putShort(0x76, (short) 0);
        boolean extents = inode.usesExtents();
        in.putInt(0x20, in.getInt(0x20) & ~(Ext4Inode.INDEX_FL | Ext4Inode.INLINE_DATA_FL | HUGE_FILE_FL));
        java.util.Arrays.fill(raw, 0x28, 0x28 + 60, (byte) 0);
        if (extents) {
            in.putShort(0x28, (short) 0xF30A).putShort(0x2A, (short) 0).putShort(0x2C, (short) 4).putShort(0x2E, (short) 0);
        }
        if (raw.length > 128) {
            int start = Math.min(raw.length, 128 + inode.extraIsize());
            java.util.Arrays.fill(raw, start, raw.length, (byte) 0);
        }
        return raw;
    }

    private static void setSize(ByteBuffer in, long size) {
        in.putInt(0x04, (int) size);
        in.putInt(0x6C, (int) (size >>> 32));
    }

    /** Writes {@code raw} as {@code inode}'s on-disk bytes, with a fresh metadata_csum checksum. */
    void writeInode(Ext4Inode inode, byte[] raw) throws IOException {
        if (metadataCsum) {
            ByteBuffer in = le(raw);
            boolean hi = raw.length > 128 && (in.getShort(0x80) & 0xFFFF) >= 4;
            in.putShort(0x7C, (short) 0);
            if (hi) {
                in.putShort(0x82, (short) 0);
            }
            int csum = Crc32c.update(inodeSeed(inode), raw, 0, raw.length);
            in.putShort(0x7C, (short) csum);
            if (hi) {
                in.putShort(0x82, (short) (csum >>> 16));
            }
        }
        device.writeBytes(inode.offset(), raw);
    }

    // ------------------------------------------------------------------ checksums and fields

    private int inodeSeed(Ext4Inode inode) {
        return Crc32c.updateInt(Crc32c.updateInt(seed, (int) inode.number()), le(inode.raw()).getInt(0x64));
    }

    /** Refuses an inode whose metadata_csum does not match (the kernel would refuse to read it too). */
    private void verifyInode(Ext4Inode inode) throws Ext4FormatException {
        if (!metadataCsum) {
            return;
        }
        byte[] raw = inode.raw().clone();
        ByteBuffer in = le(raw);
        boolean hi = raw.length > 128 && (in.getShort(0x80) & 0xFFFF) >= 4;
        int stored = (in.getShort(0x7C) & 0xFFFF) | (hi ? (in.getShort(0x82) & 0xFFFF) << 16 : 0);
        in.putShort(0x7C, (short) 0);
        if (hi) {
            in.putShort(0x82, (short) 0);
        }
        int crc = Crc32c.update(inodeSeed(inode), raw, 0, raw.length);
        if ((hi ? crc : crc & 0xFFFF) != stored) {
            throw new Ext4FormatException("inode " + inode.number(), inode.offset() + 0x7C, "metadata_csum checksum mismatch");
        }
    }

    private int xattrChecksum(long block, byte[] data) {
        byte[] copy = data.clone();
        le(copy).putInt(0x10, 0);
        int crc = Crc32c.update(seed, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(block).array());
        return Crc32c.update(crc, copy);
    }

    /** bg_checksum: crc32c(seed, group, descriptor) with metadata_csum, else crc16(uuid, group, descriptor). */
    private int descriptorChecksum(long group) {
        return Ext4GroupDescriptors.checksum(gdt, sb.descSize(), group, metadataCsum, seed, rawSuperblock);
    }

    /** CRC-16 as lib/crc16.c: reflected polynomial 0xA001, no final inversion. */
    static int crc16(int crc, byte[] data, int offset, int length) {
        int c = crc;
        for (int i = offset; i < offset + length; i++) {
            c ^= data[i] & 0xFF;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0xA001 : c >>> 1;
            }
        }
        return c & 0xFFFF;
    }

    private ByteBuffer desc(long group) {
        return Ext4GroupDescriptors.view(gdt, sb.descSize(), group);
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xFFFF_FFFFL;
    }

    private static String incompatNames(int bits) {
        return names(bits, Map.of(0x4, "needs_recovery", 0x8, "journal_dev", 0x10, "meta_bg", 0x100, "mmp",
                0x400, "ea_inode", 0x1000, "dirdata", 0x10000, "encrypt", 0x20000, "casefold"));
    }

    private static String roCompatNames(int bits) {
        return names(bits, Map.of(0x4, "btree_dir", 0x80, "has_snapshot", 0x100, "quota", 0x200, "bigalloc",
                0x800, "replica", 0x1000, "readonly", 0x2000, "project", 0x4000, "shared_blocks",
                RO_COMPAT_ORPHAN_PRESENT, "orphan_present (orphan file not empty)"));
    }

    private static String names(int bits, Map<Integer, String> known) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 32; bit++) {
            int mask = 1 << bit;
            if ((bits & mask) != 0) {
                out.add(known.getOrDefault(mask, String.format("0x%X", mask)));
            }
        }
        return String.join(", ", out);
    }
}
