package org.stickwright.engine.ext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import org.stickwright.engine.io.BlockDevice;

/*
 * Writes a new ext4 filesystem the way `mke2fs -t ext4 -E lazy_itable_init=1,lazy_journal_init=1`
 * does, writing only metadata, so the time taken does not grow with the size:
 *
 *   block 0        boot area (1024 bytes, left alone) + primary superblock at byte 1024
 *   block 1..      group descriptor table (64 bytes per group, 64bit feature)
 *   then           reserved GDT blocks (resize_inode): room for the descriptor table to grow
 *   then           flex_bg metadata of groups 0..15 packed together: 16 block bitmaps,
 *                  16 inode bitmaps, 16 inode tables
 *   then           journal (jbd2 v2 superblock in its first block, the rest left as is),
 *                  resize inode's double-indirect block, directory and file data
 *   groups 1, 3^n, 5^n, 7^n (sparse_super): backup superblock + descriptor table + reserved GDT
 *   group 16k:     flex_bg metadata of groups 16k..16k+15
 *
 * Only groups that hold something beyond their own backup superblock get a written block bitmap;
 * the rest carry BLOCK_UNINIT, and every group without used inodes carries INODE_UNINIT with
 * bg_itable_unused = inodes per group, so the kernel and e2fsck neither read nor need zeroed
 * inode tables there (the kernel's lazyinit thread zeroes them after the first mount). Every
 * structure carries its metadata_csum crc32c. A 64 GiB filesystem writes about 7 MiB in well
 * under a second; 2 TiB about 31 MiB.
 */
/**
 * Formats a {@link BlockDevice} as ext4 (4 KiB blocks, journal, extents, flex_bg, 64bit,
 * metadata_csum, resize_inode, dir_index, huge_file, dir_nlink, extra_isize) and populates it with
 * the {@link Ext4Entry entries} of the {@link Ext4Options}. The result passes {@code e2fsck -fn}
 * and mounts on Linux; {@code resize2fs} can grow it offline. Sizes from 16 MiB; beyond 16 TiB
 * (2^32 blocks, the limit of resize_inode's block map) only the first 16 TiB are used.
 */
public final class Ext4Formatter {
    static final int BLOCK_SIZE = 4096;
    static final int BLOCKS_PER_GROUP = 32768;
    static final int INODE_SIZE = 256;
    static final int EXTRA_ISIZE = 32;
    static final int DESC_SIZE = 64;
    static final int FLEX_GROUPS = 16;
    static final int MAX_EXTENT_LENGTH = 32768;
    static final long MIN_SIZE = 16L << 20;
    /** resize_inode maps reserved GDT blocks with 32-bit block numbers: below 2^32 blocks. */
    static final long MAX_BLOCKS = 0xFFFF_FFFFL;

    static final int COMPAT = 0x4 | 0x8 | 0x10 | 0x20;            // has_journal ext_attr resize_inode dir_index
    static final int INCOMPAT = 0x2 | 0x40 | 0x80 | 0x200;         // filetype extent 64bit flex_bg
    static final int RO_COMPAT = 0x1 | 0x2 | 0x8 | 0x20 | 0x40 | 0x400; // sparse_super large_file huge_file dir_nlink extra_isize metadata_csum

    static final int ROOT_INO = 2;
    static final int RESIZE_INO = 7;
    static final int JOURNAL_INO = 8;
    static final int FIRST_INO = 11;

    static final int BG_INODE_UNINIT = 1;
    static final int BG_BLOCK_UNINIT = 2;
    static final int BG_ITABLE_ZEROED = 4;
    static final int EXTENTS_FL = 0x80000;

    /** What was made. */
    public record Result(UUID uuid, String label, int blockSize, long blockCount, int groupCount, long inodeCount,
            long journalBlocks, int reservedGdtBlocks, long freeBlocks, long freeInodes) {
    }

    private Ext4Formatter() {
    }

    public static Result format(BlockDevice device, Ext4Options options) throws IOException {
        // A caller that fixes the UUID (a seeded create job) gets the same bytes every time: the
        // hash seed and the journal's first sequence then derive from the UUID.
        UUID fixed = options.uuid();
        java.util.Random random = fixed == null ? new SecureRandom()
                : new java.util.Random(fixed.getMostSignificantBits() * 31 + fixed.getLeastSignificantBits());
        return new Build(device, options, random).run();
    }

    /**
     * As {@link #format(BlockDevice, Ext4Options)}, drawing the directory hash seed and the
     * journal's first transaction ID (and the UUID, when the options name none) from
     * {@code random}: a seeded source makes the filesystem reproducible byte for byte.
     */
    public static Result format(BlockDevice device, Ext4Options options, java.util.Random random) throws IOException {
        return new Build(device, options, random).run();
    }

    /** mke2fs's journal size for a filesystem of {@code blocks} 4 KiB blocks (ext2fs_default_journal_size). */
    static long defaultJournalBlocks(long blocks) {
        if (blocks < 32768) {
            return 1024;
        } else if (blocks < 256 * 1024) {
            return 4096;
        } else if (blocks < 512 * 1024) {
            return 8192;
        } else if (blocks < 4096 * 1024) {
            return 16384;
        } else if (blocks < 8192 * 1024) {
            return 32768;
        } else if (blocks < 16384 * 1024) {
            return 65536;
        } else if (blocks < 32768 * 1024) {
            return 131072;
        }
        return 262144;
    }

    /** sparse_super: groups 0, 1 and the powers of 3, 5 and 7 hold a superblock backup. */
    static boolean groupHasSuper(long group) {
        if (group <= 1) {
            return true;
        }
        if (group % 2 == 0) {
            return false;
        }
        return isPower(group, 3) || isPower(group, 5) || isPower(group, 7);
    }

    private static boolean isPower(long n, int base) {
        long x = n;
        while (x % base == 0) {
            x /= base;
        }
        return x == 1;
    }

    /** A file's data: where its blocks are, in logical order. */
    private record Extent(long logical, long physical, int length) {
    }

    /** An inode about to be written, with the tree node it belongs to. */
    private static final class Node {
        final String path;
        Ext4Entry.Kind kind;
        int permissions = 0755;
        int uid;
        int gid;
        byte[] content = new byte[0];
        String linkTarget;
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        int ino;
        Node parent;
        final Map<String, Node> children = new LinkedHashMap<>();

        Node(String path, Ext4Entry.Kind kind) {
            this.path = path;
            this.kind = kind;
        }
    }

    private static final class Build {
        private final BlockDevice device;
        private final Ext4Options options;
        private final byte[] uuid = new byte[16];
        private final byte[] hashSeed = new byte[16];
        private final UUID uuidValue;
        private final int seed;
        private final long now;

        private long blocks;
        private int groups;
        private int inodesPerGroup;
        private int inodeTableBlocks;
        private int gdtBlocks;
        private int reservedGdt;
        private long journalBlocks;
        private long[] blockBitmapAt;
        private long[] inodeBitmapAt;
        private long[] inodeTableAt;

        /** Allocated block ranges, start → end (exclusive); never overlapping. */
        private final NavigableMap<Long, Long> used = new TreeMap<>();
        private long cursor;
        private final TreeMap<Integer, byte[]> inodes = new TreeMap<>();
        private int nextIno = FIRST_INO;
        private List<Extent> journalExtents;
        private final java.util.Random random;

        Build(BlockDevice device, Ext4Options options, java.util.Random random) {
            this.device = device;
            this.options = options;
            this.random = random;
            UUID chosen = options.uuid() != null ? options.uuid() : randomUuid();
            this.uuidValue = chosen;
            ByteBuffer.wrap(uuid).putLong(chosen.getMostSignificantBits()).putLong(chosen.getLeastSignificantBits());
            UUID hs = randomUuid();
            ByteBuffer.wrap(hashSeed).putLong(hs.getMostSignificantBits()).putLong(hs.getLeastSignificantBits());
            this.seed = Crc32c.update(~0, uuid);
            this.now = options.creationTime().getEpochSecond();
        }

        private UUID randomUuid() {
            byte[] b = new byte[16];
            random.nextBytes(b);
            b[6] = (byte) ((b[6] & 0x0f) | 0x40);
            b[8] = (byte) ((b[8] & 0x3f) | 0x80);
            ByteBuffer bb = ByteBuffer.wrap(b);
            return new UUID(bb.getLong(), bb.getLong());
        }

        Result run() throws IOException {
            computeGeometry();
            wipeOldSignatures();
            reserveMetadata();
            journalExtents = allocate(journalBlocks);
            Node root = buildTree();
            createReservedInodes();
            writeJournal();
            writeResizeInode();
            writeTree(root);
            return writeGroupsAndSuperblocks();
        }

        // ---------------------------------------------------------------- geometry

        private void computeGeometry() throws IOException {
            long size = device.size();
            if (size < MIN_SIZE) {
                throw new IOException(device.name() + ": " + size + " bytes is below the 16 MiB ext4 minimum");
            }
            blocks = Math.min(size / BLOCK_SIZE, MAX_BLOCKS);
            while (true) {
                groups = (int) ((blocks + BLOCKS_PER_GROUP - 1) / BLOCKS_PER_GROUP);
                long wantedInodes = blocks * BLOCK_SIZE / options.bytesPerInode();
                long perGroup = (wantedInodes + groups - 1) / groups;
                int perBlock = BLOCK_SIZE / INODE_SIZE;
                perGroup = Math.max(perBlock, (perGroup + perBlock - 1) / perBlock * perBlock);
                perGroup = Math.min(perGroup, 8L * BLOCK_SIZE);
                if (perGroup * groups > 0xFFFF_FFFFL) {
                    perGroup = (0xFFFF_FFFFL / groups) / perBlock * perBlock;
                }
                inodesPerGroup = (int) perGroup;
                inodeTableBlocks = inodesPerGroup * INODE_SIZE / BLOCK_SIZE;
                gdtBlocks = (int) (((long) groups * DESC_SIZE + BLOCK_SIZE - 1) / BLOCK_SIZE);
                reservedGdt = reservedGdtBlocks();
                long rest = blocks % BLOCKS_PER_GROUP;
                long overhead = 2 + inodeTableBlocks + (groupHasSuper(groups - 1) ? 1 + gdtBlocks + reservedGdt : 0);
                // like mke2fs: a last group too small for its own metadata is dropped
                if (rest != 0 && rest < overhead + 50) {
                    blocks -= rest;
                    continue;
                }
                break;
            }
            journalBlocks = defaultJournalBlocks(blocks);
            blockBitmapAt = new long[groups];
            inodeBitmapAt = new long[groups];
            inodeTableAt = new long[groups];
        }

        /**
         * blkid must find only us: an old XFS/NTFS/FAT boot sector in the first 1024 bytes or an
         * MD RAID 0.90/1.0 superblock in the last 64-128 KiB would make the result ambiguous and
         * hide the label the live system looks for. Block 0 is rewritten whole later; the tails
         * of the filesystem and of the device are zeroed here, before anything is allocated.
         */
        private void wipeOldSignatures() throws IOException {
            long tail = 128 << 10;
            long deviceEnd = device.size();
            long fsEnd = blocks * BLOCK_SIZE;
            device.write(ByteBuffer.allocate((int) tail), fsEnd - tail);
            if (deviceEnd - tail > fsEnd - tail) {
                long from = Math.max(fsEnd, deviceEnd - tail);
                device.write(ByteBuffer.allocate((int) (deviceEnd - from)), from);
            }
        }

        /** mke2fs's calc_reserved_gdt_blocks: room to grow to 1024 times the size, capped at 2^32 blocks. */
        private int reservedGdtBlocks() {
            long maxBlocks = blocks < MAX_BLOCKS / 1024 ? blocks * 1024 : MAX_BLOCKS;
            long maxGroups = (maxBlocks + BLOCKS_PER_GROUP - 1) / BLOCKS_PER_GROUP;
            long descPerBlock = BLOCK_SIZE / DESC_SIZE;
            long rsv = (maxGroups + descPerBlock - 1) / descPerBlock - gdtBlocks;
            return (int) Math.max(0, Math.min(rsv, BLOCK_SIZE / 4));
        }

        private long groupStart(long group) {
            return group * BLOCKS_PER_GROUP;
        }

        private long groupBlocks(long group) {
            return Math.min(BLOCKS_PER_GROUP, blocks - groupStart(group));
        }

        private int backupLength(long group) {
            return groupHasSuper(group) ? 1 + gdtBlocks + reservedGdt : 0;
        }

        private void reserveMetadata() throws IOException {
            for (int g = 0; g < groups; g++) {
                if (backupLength(g) > 0) {
                    reserve(groupStart(g), backupLength(g));
                }
            }
            for (int first = 0; first < groups; first += FLEX_GROUPS) {
                int count = Math.min(FLEX_GROUPS, groups - first);
                long at = groupStart(first) + backupLength(first);
                long length = 2L * count + (long) count * inodeTableBlocks;
                if (at + length > blocks) {
                    throw new IOException(device.name() + ": no room for the metadata of groups " + first + ".." + (first + count - 1));
                }
                reserve(at, length);
                for (int i = 0; i < count; i++) {
                    blockBitmapAt[first + i] = at + i;
                    inodeBitmapAt[first + i] = at + count + i;
                    inodeTableAt[first + i] = at + 2L * count + (long) i * inodeTableBlocks;
                }
            }
            cursor = inodeTableAt[Math.min(FLEX_GROUPS, groups) - 1] + inodeTableBlocks;
        }

        private void reserve(long start, long length) {
            Map.Entry<Long, Long> before = used.floorEntry(start + length - 1);
            if (before != null && before.getValue() > start) {
                throw new IllegalStateException("block range " + start + "+" + length + " overlaps " + before);
            }
            used.put(start, start + length);
        }

        /** Next-fit allocation of {@code count} blocks, as few extents as the free space allows. */
        private List<Extent> allocate(long count) throws IOException {
            List<Extent> extents = new ArrayList<>();
            long logical = 0;
            while (logical < count) {
                Map.Entry<Long, Long> covering = used.floorEntry(cursor);
                if (covering != null && covering.getValue() > cursor) {
                    cursor = covering.getValue();
                    continue;
                }
                if (cursor >= blocks) {
                    throw new IOException(device.name() + ": filesystem too small for the requested contents");
                }
                Long nextUsed = used.higherKey(cursor);
                long limit = nextUsed == null ? blocks : nextUsed;
                int length = (int) Math.min(Math.min(count - logical, limit - cursor), MAX_EXTENT_LENGTH);
                reserve(cursor, length);
                Extent last = extents.isEmpty() ? null : extents.get(extents.size() - 1);
                if (last != null && last.physical + last.length == cursor && last.length + length <= MAX_EXTENT_LENGTH) {
                    extents.set(extents.size() - 1, new Extent(last.logical, last.physical, last.length + length));
                } else {
                    extents.add(new Extent(logical, cursor, length));
                }
                cursor += length;
                logical += length;
            }
            return extents;
        }

        // ---------------------------------------------------------------- inodes

        private ByteBuffer newInode(int mode, int uid, int gid, int links) {
            ByteBuffer in = ByteBuffer.allocate(INODE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            in.putShort(0x00, (short) mode);
            in.putShort(0x02, (short) uid);
            in.putShort(0x78, (short) (uid >>> 16));
            in.putShort(0x18, (short) gid);
            in.putShort(0x7A, (short) (gid >>> 16));
            in.putShort(0x1A, (short) links);
            int seconds = (int) now;
            int epoch = (int) ((now - seconds) >> 32) & 3;
            for (int at : new int[] {0x08, 0x0C, 0x10, 0x90}) {
                in.putInt(at, seconds);
            }
            for (int at : new int[] {0x84, 0x88, 0x8C, 0x94}) {
                in.putInt(at, epoch);
            }
            in.putShort(0x80, (short) EXTRA_ISIZE);
            return in;
        }

        private static void setSize(ByteBuffer in, long size) {
            in.putInt(0x04, (int) size);
            in.putInt(0x6C, (int) (size >>> 32));
        }

        private static void setBlocks(ByteBuffer in, long fsBlocks) {
            long sectors = fsBlocks * (BLOCK_SIZE / 512);
            in.putInt(0x1C, (int) sectors);
            in.putShort(0x74, (short) (sectors >>> 32));
        }

        /** The per-inode checksum seed: crc(seed, inode number, generation). */
        private int inodeSeed(int ino) {
            return Crc32c.updateInt(Crc32c.updateInt(seed, ino), 0);
        }

        private void storeInode(int ino, ByteBuffer in) {
            byte[] raw = in.array();
            raw[0x7C] = raw[0x7D] = raw[0x82] = raw[0x83] = 0;
            int csum = Crc32c.update(inodeSeed(ino), raw, 0, INODE_SIZE);
            in.putShort(0x7C, (short) csum);
            if ((in.getShort(0x80) & 0xFFFF) >= 4) {
                in.putShort(0x82, (short) (csum >>> 16));
            }
            inodes.put(ino, raw);
        }

        private void createReservedInodes() {
            // mke2fs writes the unused reserved inodes with timestamps and no extra fields
            for (int ino = 1; ino < FIRST_INO; ino++) {
                if (ino == ROOT_INO || ino == RESIZE_INO || ino == JOURNAL_INO) {
                    continue;
                }
                ByteBuffer in = newInode(0, 0, 0, 0);
                in.putInt(0x90, 0).putInt(0x84, 0).putInt(0x88, 0).putInt(0x8C, 0).putInt(0x94, 0);
                in.putShort(0x80, (short) 0);
                storeInode(ino, in);
            }
        }

        /**
         * Writes {@code extents} into the inode's i_block: up to 4 in the inode itself (depth 0),
         * else one level of leaf blocks (340 extents each) indexed from the inode (depth 1).
         * Returns the number of tree blocks used.
         */
        private int writeExtentTree(ByteBuffer in, int ino, List<Extent> extents) throws IOException {
            in.putInt(0x20, in.getInt(0x20) | EXTENTS_FL);
            ByteBuffer root = in.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0x28).slice().order(ByteOrder.LITTLE_ENDIAN);
            if (extents.size() <= 4) {
                putExtentHeader(root, extents.size(), 4, 0);
                for (int i = 0; i < extents.size(); i++) {
                    putExtent(root, 12 + 12 * i, extents.get(i));
                }
                return 0;
            }
            int perLeaf = (BLOCK_SIZE - 12) / 12;
            int leaves = (extents.size() + perLeaf - 1) / perLeaf;
            if (leaves > 4) {
                throw new IOException(device.name() + ": file of " + extents.size() + " extents is too fragmented");
            }
            List<Extent> leafBlocks = allocate(leaves);
            List<Long> leafAt = new ArrayList<>();
            for (Extent e : leafBlocks) {
                for (int i = 0; i < e.length; i++) {
                    leafAt.add(e.physical + i);
                }
            }
            putExtentHeader(root, leaves, 4, 1);
            for (int leaf = 0; leaf < leaves; leaf++) {
                List<Extent> part = extents.subList(leaf * perLeaf, Math.min(extents.size(), (leaf + 1) * perLeaf));
                ByteBuffer block = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                putExtentHeader(block, part.size(), perLeaf, 0);
                for (int i = 0; i < part.size(); i++) {
                    putExtent(block, 12 + 12 * i, part.get(i));
                }
                int tail = 12 + 12 * perLeaf;
                block.putInt(tail, Crc32c.update(inodeSeed(ino), block.array(), 0, tail));
                device.write(block.rewind(), leafAt.get(leaf) * BLOCK_SIZE);
                int index = 12 + 12 * leaf;
                root.putInt(index, (int) part.get(0).logical);
                root.putInt(index + 4, (int) (long) leafAt.get(leaf));
                root.putShort(index + 8, (short) (leafAt.get(leaf) >>> 32));
                root.putShort(index + 10, (short) 0);
            }
            return leaves;
        }

        private static void putExtentHeader(ByteBuffer b, int entries, int max, int depth) {
            b.putShort(0, (short) 0xF30A).putShort(2, (short) entries).putShort(4, (short) max)
                    .putShort(6, (short) depth).putInt(8, 0);
        }

        private static void putExtent(ByteBuffer b, int at, Extent e) {
            b.putInt(at, (int) e.logical).putShort(at + 4, (short) e.length)
                    .putShort(at + 6, (short) (e.physical >>> 32)).putInt(at + 8, (int) e.physical);
        }

        // ---------------------------------------------------------------- journal and resize inode

        private void writeJournal() throws IOException {
            ByteBuffer jsb = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.BIG_ENDIAN);
            jsb.putInt(0x00, 0xC03B3998);          // h_magic
            jsb.putInt(0x04, 4);                   // h_blocktype: superblock v2
            jsb.putInt(0x0C, BLOCK_SIZE);          // s_blocksize
            jsb.putInt(0x10, (int) journalBlocks); // s_maxlen
            jsb.putInt(0x14, 1);                   // s_first: log starts after this block
            // s_sequence: the journal's blocks are not zeroed (that would cost time proportional to
            // its size), so a random first transaction ID keeps stale blocks of an earlier journal
            // at the same place from ever matching the sequence jbd2 expects during recovery
            jsb.putInt(0x18, 1 + random.nextInt(Integer.MAX_VALUE - 1));
            jsb.put(0x30, uuid);                   // s_uuid
            jsb.putInt(0x40, 1);                   // s_nr_users
            device.write(jsb, journalExtents.get(0).physical * BLOCK_SIZE);

            ByteBuffer in = newInode(0x8000 | 0600, 0, 0, 1);
            setSize(in, journalBlocks * BLOCK_SIZE);
            int treeBlocks = writeExtentTree(in, JOURNAL_INO, journalExtents);
            setBlocks(in, journalBlocks + treeBlocks);
            storeInode(JOURNAL_INO, in);
        }

        /**
         * The resize inode (7) owns the reserved GDT blocks through its double-indirect block:
         * entry (gdtBlocks + i) mod 1024 names reserved block i, and reserved block i lists where
         * its copies sit in each backup group. resize2fs turns them into descriptor blocks.
         */
        private void writeResizeInode() throws IOException {
            ByteBuffer in = newInode(0x8000 | 0600, 0, 0, 1);
            int addrPerBlock = BLOCK_SIZE / 4;
            setSize(in, ((long) addrPerBlock * addrPerBlock + addrPerBlock + 12) * BLOCK_SIZE);
            long dind = allocate(1).get(0).physical;
            in.putInt(0x28 + 13 * 4, (int) dind);
            ByteBuffer dindBlock = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            long counted = 1;
            List<Integer> backups = new ArrayList<>();
            for (int g = 1; g < groups; g++) {
                if (groupHasSuper(g)) {
                    backups.add(g);
                }
            }
            if (reservedGdt > 0) {
                ByteBuffer all = ByteBuffer.allocate(reservedGdt * BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < reservedGdt; i++) {
                    long primary = 1 + gdtBlocks + i;
                    dindBlock.putInt(((gdtBlocks + i) % addrPerBlock) * 4, (int) primary);
                    counted++;
                    for (int b = 0; b < backups.size(); b++) {
                        all.putInt(i * BLOCK_SIZE + b * 4, (int) (primary + groupStart(backups.get(b))));
                        counted++;
                    }
                }
                device.write(all, (1L + gdtBlocks) * BLOCK_SIZE);
            }
            device.write(dindBlock, dind * BLOCK_SIZE);
            setBlocks(in, counted);
            storeInode(RESIZE_INO, in);
        }

        // ---------------------------------------------------------------- the tree

        private Node buildTree() {
            Node root = new Node("/", Ext4Entry.Kind.DIRECTORY);
            root.ino = ROOT_INO;
            Node lostFound = new Node("/lost+found", Ext4Entry.Kind.DIRECTORY);
            lostFound.permissions = 0700;
            lostFound.ino = FIRST_INO;
            lostFound.parent = root;
            root.children.put("lost+found", lostFound);
            nextIno = FIRST_INO + 1;
            List<Ext4Entry> sorted = new ArrayList<>(options.entries());
            sorted.sort(Comparator.comparingInt((Ext4Entry e) -> e.path().split("/").length).thenComparing(Ext4Entry::path));
            for (Ext4Entry entry : sorted) {
                Node node = entry.path().equals("/") ? root : place(root, entry.path(), entry.kind());
                node.kind = entry.kind();
                node.permissions = entry.permissions();
                node.uid = entry.uid();
                node.gid = entry.gid();
                node.content = entry.contentUnsafe();
                node.linkTarget = entry.linkTarget();
                node.xattrs = new LinkedHashMap<>(entry.xattrs());
            }
            return root;
        }

        private Node place(Node root, String path, Ext4Entry.Kind kind) {
            String[] parts = path.substring(1).split("/");
            Node dir = root;
            StringBuilder at = new StringBuilder();
            for (int i = 0; i < parts.length; i++) {
                String name = parts[i];
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("empty component in " + path);
                }
                at.append('/').append(name);
                boolean last = i == parts.length - 1;
                Node child = dir.children.get(name);
                if (child == null) {
                    child = new Node(at.toString(), last ? kind : Ext4Entry.Kind.DIRECTORY);
                    child.ino = nextIno++;
                    child.parent = dir;
                    dir.children.put(name, child);
                } else if (last) {
                    throw new IllegalArgumentException("duplicate entry " + path);
                }
                if (!last && child.kind != Ext4Entry.Kind.DIRECTORY) {
                    throw new IllegalArgumentException(child.path + " is not a directory, cannot hold " + path);
                }
                dir = child;
            }
            return dir;
        }

        private void writeTree(Node node) throws IOException {
            if ((long) nextIno - 1 > (long) inodesPerGroup * groups) {
                throw new IOException(device.name() + ": not enough inodes for " + (nextIno - 1) + " entries");
            }
            switch (node.kind) {
                case DIRECTORY -> writeDirectory(node);
                case FILE -> writeFile(node);
                case SYMLINK -> writeSymlink(node);
                case WHITEOUT -> writeWhiteout(node);
            }
            for (Node child : node.children.values()) {
                writeTree(child);
            }
        }

        private void writeDirectory(Node node) throws IOException {
            List<byte[]> names = new ArrayList<>();
            List<Integer> inos = new ArrayList<>();
            List<Integer> types = new ArrayList<>();
            names.add(".".getBytes(StandardCharsets.US_ASCII));
            inos.add(node.ino);
            types.add(2);
            names.add("..".getBytes(StandardCharsets.US_ASCII));
            inos.add(node.parent == null ? node.ino : node.parent.ino);
            types.add(2);
            int subdirs = 0;
            for (Node child : node.children.values()) {
                names.add(child.path.substring(child.path.lastIndexOf('/') + 1).getBytes(StandardCharsets.UTF_8));
                inos.add(child.ino);
                types.add(child.kind.direntType);
                if (child.kind == Ext4Entry.Kind.DIRECTORY) {
                    subdirs++;
                }
            }
            byte[] data = directoryBlocks(node.ino, names, inos, types, node.ino == FIRST_INO ? 4 : 1);
            ByteBuffer in = newInode(0x4000 | node.permissions, node.uid, node.gid, 2 + subdirs);
            writeData(in, node, data, data.length);
            storeInode(node.ino, in);
        }

        /** Linear directory blocks, each ending in the 12-byte checksum tail (inode 0, rec_len 12, type 0xDE). */
        private byte[] directoryBlocks(int ino, List<byte[]> names, List<Integer> inos, List<Integer> types, int minBlocks) {
            int usable = BLOCK_SIZE - 12;
            List<ByteBuffer> blocks = new ArrayList<>();
            ByteBuffer block = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            int at = 0;
            int lastEntry = -1;
            for (int i = 0; i < names.size(); i++) {
                int length = (8 + names.get(i).length + 3) & ~3;
                if (at + length > usable) {
                    block.putShort(lastEntry + 4, (short) (usable - lastEntry));
                    blocks.add(block);
                    block = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                    at = 0;
                }
                block.putInt(at, inos.get(i)).putShort(at + 4, (short) length);
                block.put(at + 6, (byte) names.get(i).length).put(at + 7, (byte) (int) types.get(i));
                block.put(at + 8, names.get(i));
                lastEntry = at;
                at += length;
            }
            block.putShort(lastEntry + 4, (short) (usable - lastEntry));
            blocks.add(block);
            while (blocks.size() < minBlocks) {
                ByteBuffer empty = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                empty.putInt(0, 0).putShort(4, (short) usable);
                blocks.add(empty);
            }
            byte[] all = new byte[blocks.size() * BLOCK_SIZE];
            for (int b = 0; b < blocks.size(); b++) {
                ByteBuffer one = blocks.get(b);
                one.putInt(usable, 0).putShort(usable + 4, (short) 12).put(usable + 6, (byte) 0).put(usable + 7, (byte) 0xDE);
                one.putInt(usable + 8, Crc32c.update(inodeSeed(ino), one.array(), 0, usable));
                System.arraycopy(one.array(), 0, all, b * BLOCK_SIZE, BLOCK_SIZE);
            }
            return all;
        }

        private void writeFile(Node node) throws IOException {
            ByteBuffer in = newInode(0x8000 | node.permissions, node.uid, node.gid, 1);
            writeData(in, node, node.content, node.content.length);
            storeInode(node.ino, in);
        }

        private void writeSymlink(Node node) throws IOException {
            byte[] target = node.linkTarget.getBytes(StandardCharsets.UTF_8);
            if (target.length >= BLOCK_SIZE) {
                throw new IllegalArgumentException("symlink target too long: " + node.path);
            }
            ByteBuffer in = newInode(0xA000 | node.permissions, node.uid, node.gid, 1);
            if (target.length < 60) {
                // fast symlink: the target lives in i_block itself
                in.put(0x28, target);
                setSize(in, target.length);
                setBlocks(in, writeXattrs(in, node));
            } else {
                writeData(in, node, target, target.length);
            }
            storeInode(node.ino, in);
        }

        /** Device 0:0 in the old encoding: i_block stays all zeros, no extents. */
        private void writeWhiteout(Node node) throws IOException {
            ByteBuffer in = newInode(0x2000 | node.permissions, node.uid, node.gid, 1);
            setBlocks(in, writeXattrs(in, node));
            storeInode(node.ino, in);
        }

        /** Allocates and writes {@code data}, records its extents, size and block count in the inode. */
        private void writeData(ByteBuffer in, Node node, byte[] data, long size) throws IOException {
            long dataBlocks = (data.length + BLOCK_SIZE - 1) / BLOCK_SIZE;
            List<Extent> extents = dataBlocks == 0 ? List.of() : allocate(dataBlocks);
            for (Extent e : extents) {
                long from = e.logical * BLOCK_SIZE;
                int length = (int) Math.min((long) e.length * BLOCK_SIZE, data.length - from);
                byte[] chunk = new byte[(length + BLOCK_SIZE - 1) / BLOCK_SIZE * BLOCK_SIZE];
                System.arraycopy(data, (int) from, chunk, 0, length);
                device.write(ByteBuffer.wrap(chunk), e.physical * BLOCK_SIZE);
            }
            int treeBlocks = writeExtentTree(in, node.ino, extents);
            setSize(in, size);
            setBlocks(in, dataBlocks + treeBlocks + writeXattrs(in, node));
        }

        // ---------------------------------------------------------------- extended attributes

        private record Xattr(int index, byte[] name, byte[] value) {
        }

        private static Xattr splitName(String full, byte[] value) {
            String[][] prefixes = {{"user.", "1"}, {"system.posix_acl_access", "2"}, {"system.posix_acl_default", "3"},
                {"trusted.", "4"}, {"security.", "6"}, {"system.", "7"}};
            for (String[] p : prefixes) {
                if (full.startsWith(p[0]) && (full.length() > p[0].length() || !p[0].endsWith("."))) {
                    byte[] name = full.substring(p[0].length()).getBytes(StandardCharsets.UTF_8);
                    if (name.length > 255) {
                        break;
                    }
                    return new Xattr(Integer.parseInt(p[1]), name, value);
                }
            }
            throw new IllegalArgumentException("unsupported extended attribute name: " + full);
        }

        /** ext4_xattr_hash_entry: name bytes rotated in by 5, value words by 16. */
        static int entryHash(byte[] name, byte[] value) {
            int hash = 0;
            for (byte b : name) {
                hash = (hash << 5) ^ (hash >>> 27) ^ b;
            }
            ByteBuffer v = ByteBuffer.wrap(java.util.Arrays.copyOf(value, (value.length + 3) & ~3)).order(ByteOrder.LITTLE_ENDIAN);
            while (v.hasRemaining()) {
                hash = (hash << 16) ^ (hash >>> 16) ^ v.getInt();
            }
            return hash;
        }

        /**
         * Puts the node's xattrs after the inode's extra fields (0xA0: magic, entries, values
         * from the end) when they fit in its 92 bytes, else into one xattr block. Returns the
         * number of blocks used (0 or 1).
         */
        private int writeXattrs(ByteBuffer in, Node node) throws IOException {
            if (node.xattrs.isEmpty()) {
                return 0;
            }
            List<Xattr> list = new ArrayList<>();
            node.xattrs.forEach((k, v) -> list.add(splitName(k, v)));
            list.sort(Comparator.comparingInt(Xattr::index).thenComparingInt(x -> x.name.length)
                    .thenComparing(Xattr::name, java.util.Arrays::compareUnsigned));
            int entriesSize = 4;
            int valuesSize = 0;
            for (Xattr x : list) {
                entriesSize += (16 + x.name.length + 3) & ~3;
                valuesSize += (x.value.length + 3) & ~3;
            }
            int inInodeRoom = INODE_SIZE - (128 + EXTRA_ISIZE) - 4;
            if (entriesSize + valuesSize <= inInodeRoom) {
                ByteBuffer area = ByteBuffer.allocate(inInodeRoom).order(ByteOrder.LITTLE_ENDIAN);
                fillXattrs(area, 0, list);
                in.putInt(128 + EXTRA_ISIZE, 0xEA020000);
                in.put(128 + EXTRA_ISIZE + 4, area.array());
                return 0;
            }
            if (32 + entriesSize + valuesSize > BLOCK_SIZE) {
                throw new IllegalArgumentException("extended attributes of " + node.path + " exceed one 4 KiB block");
            }
            long at = allocate(1).get(0).physical;
            ByteBuffer block = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            block.putInt(0, 0xEA020000).putInt(4, 1).putInt(8, 1);
            int blockHash = fillXattrs(block, 32, list);
            block.putInt(12, blockHash);
            int csum = Crc32c.update(seed, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(at).array());
            csum = Crc32c.update(csum, block.array(), 0, BLOCK_SIZE);
            block.putInt(16, csum);
            device.write(block.rewind(), at * BLOCK_SIZE);
            in.putInt(0x68, (int) at);
            in.putShort(0x76, (short) (at >>> 32));
            return 1;
        }

        /** Entries from {@code entriesAt}, values packed down from the end; returns the block hash. */
        private static int fillXattrs(ByteBuffer area, int entriesAt, List<Xattr> list) {
            int entry = entriesAt;
            int valueEnd = area.capacity();
            int blockHash = 0;
            for (Xattr x : list) {
                int padded = (x.value.length + 3) & ~3;
                valueEnd -= padded;
                area.put(valueEnd, x.value);
                int hash = entryHash(x.name, x.value);
                area.put(entry, (byte) x.name.length).put(entry + 1, (byte) x.index);
                area.putShort(entry + 2, (short) (x.value.length == 0 ? 0 : valueEnd));
                area.putInt(entry + 4, 0).putInt(entry + 8, x.value.length).putInt(entry + 12, hash);
                area.put(entry + 16, x.name);
                entry += (16 + x.name.length + 3) & ~3;
                blockHash = (blockHash << 16) ^ (blockHash >>> 16) ^ hash;
            }
            return blockHash;
        }

        // ---------------------------------------------------------------- groups and superblocks

        private long usedIn(long group) {
            long start = groupStart(group);
            long end = start + groupBlocks(group);
            long count = 0;
            Map.Entry<Long, Long> first = used.floorEntry(start);
            Long from = first != null && first.getValue() > start ? first.getKey() : Long.valueOf(start);
            for (Map.Entry<Long, Long> r : used.subMap(from, true, end, false).entrySet()) {
                count += Math.min(end, r.getValue()) - Math.max(start, r.getKey());
            }
            return count;
        }

        private byte[] blockBitmap(long group) {
            byte[] bitmap = new byte[BLOCK_SIZE];
            long start = groupStart(group);
            long end = start + groupBlocks(group);
            Map.Entry<Long, Long> first = used.floorEntry(start);
            Long from = first != null && first.getValue() > start ? first.getKey() : Long.valueOf(start);
            for (Map.Entry<Long, Long> r : used.subMap(from, true, end, false).entrySet()) {
                for (long b = Math.max(start, r.getKey()); b < Math.min(end, r.getValue()); b++) {
                    int bit = (int) (b - start);
                    bitmap[bit >>> 3] |= (byte) (1 << (bit & 7));
                }
            }
            for (int bit = (int) (end - start); bit < BLOCKS_PER_GROUP; bit++) {
                bitmap[bit >>> 3] |= (byte) (1 << (bit & 7));
            }
            return bitmap;
        }

        private Result writeGroupsAndSuperblocks() throws IOException {
            ByteBuffer gdt = ByteBuffer.allocate(gdtBlocks * BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            long freeBlocks = 0;
            long freeInodes = 0;
            int[] usedInodes = new int[groups];
            int[] highestInode = new int[groups];
            int[] dirs = new int[groups];
            for (Map.Entry<Integer, byte[]> e : inodes.entrySet()) {
                int g = (e.getKey() - 1) / inodesPerGroup;
                usedInodes[g]++;
                highestInode[g] = Math.max(highestInode[g], (e.getKey() - 1) % inodesPerGroup + 1);
                int mode = (e.getValue()[0] & 0xFF) | (e.getValue()[1] & 0xFF) << 8;
                if ((mode & 0xF000) == 0x4000) {
                    dirs[g]++;
                }
            }
            for (int g = 0; g < groups; g++) {
                long usedBlocks = usedIn(g);
                long groupFree = groupBlocks(g) - usedBlocks;
                int flags = 0;
                int blockCsum = 0;
                int inodeCsum = 0;
                boolean onlyBackup = usedBlocks == backupLength(g);
                if (onlyBackup && g != groups - 1) {
                    flags |= BG_BLOCK_UNINIT;
                } else {
                    byte[] bitmap = blockBitmap(g);
                    blockCsum = Crc32c.update(seed, bitmap, 0, BLOCKS_PER_GROUP / 8);
                    device.write(ByteBuffer.wrap(bitmap), blockBitmapAt[g] * BLOCK_SIZE);
                }
                int itableUnused;
                int inodesUsedHere = usedInodes[g];
                if (inodesUsedHere == 0) {
                    flags |= BG_INODE_UNINIT;
                    itableUnused = inodesPerGroup;
                } else {
                    flags |= BG_ITABLE_ZEROED;
                    byte[] bitmap = new byte[BLOCK_SIZE];
                    java.util.Arrays.fill(bitmap, inodesPerGroup / 8, BLOCK_SIZE, (byte) 0xFF);
                    byte[] table = new byte[inodeTableBlocks * BLOCK_SIZE];
                    int base = g * inodesPerGroup;
                    for (Map.Entry<Integer, byte[]> e : inodes.subMap(base + 1, true, base + inodesPerGroup, true).entrySet()) {
                        int index = e.getKey() - 1 - base;
                        bitmap[index >>> 3] |= (byte) (1 << (index & 7));
                        System.arraycopy(e.getValue(), 0, table, index * INODE_SIZE, INODE_SIZE);
                    }
                    itableUnused = inodesPerGroup - highestInode[g];
                    inodeCsum = Crc32c.update(seed, bitmap, 0, inodesPerGroup / 8);
                    device.write(ByteBuffer.wrap(bitmap), inodeBitmapAt[g] * BLOCK_SIZE);
                    device.write(ByteBuffer.wrap(table), inodeTableAt[g] * BLOCK_SIZE);
                }
                int groupFreeInodes = inodesPerGroup - inodesUsedHere;
                freeBlocks += groupFree;
                freeInodes += groupFreeInodes;
                int d = g * DESC_SIZE;
                gdt.putInt(d, (int) blockBitmapAt[g]).putInt(d + 0x20, (int) (blockBitmapAt[g] >>> 32));
                gdt.putInt(d + 0x04, (int) inodeBitmapAt[g]).putInt(d + 0x24, (int) (inodeBitmapAt[g] >>> 32));
                gdt.putInt(d + 0x08, (int) inodeTableAt[g]).putInt(d + 0x28, (int) (inodeTableAt[g] >>> 32));
                gdt.putShort(d + 0x0C, (short) groupFree).putShort(d + 0x2C, (short) (groupFree >>> 16));
                gdt.putShort(d + 0x0E, (short) groupFreeInodes).putShort(d + 0x2E, (short) (groupFreeInodes >>> 16));
                gdt.putShort(d + 0x10, (short) dirs[g]).putShort(d + 0x30, (short) (dirs[g] >>> 16));
                gdt.putShort(d + 0x12, (short) flags);
                gdt.putShort(d + 0x18, (short) blockCsum).putShort(d + 0x38, (short) (blockCsum >>> 16));
                gdt.putShort(d + 0x1A, (short) inodeCsum).putShort(d + 0x3A, (short) (inodeCsum >>> 16));
                gdt.putShort(d + 0x1C, (short) itableUnused).putShort(d + 0x32, (short) (itableUnused >>> 16));
                int csum = Crc32c.update(Crc32c.updateInt(seed, g), gdt.array(), d, DESC_SIZE);
                gdt.putShort(d + 0x1E, (short) csum);
            }
            for (int g = 0; g < groups; g++) {
                if (!groupHasSuper(g)) {
                    continue;
                }
                byte[] sb = superblock(g, freeBlocks, freeInodes);
                // group 0: boot area and the rest of block 0 zeroed (old signatures), superblock at 1024
                byte[] block = new byte[BLOCK_SIZE];
                System.arraycopy(sb, 0, block, g == 0 ? 1024 : 0, sb.length);
                device.write(ByteBuffer.wrap(block), groupStart(g) * BLOCK_SIZE);
                device.write(gdt.rewind(), (groupStart(g) + 1) * BLOCK_SIZE);
            }
            device.flush();
            return new Result(uuidValue, options.label(), BLOCK_SIZE, blocks, groups, (long) inodesPerGroup * groups,
                    journalBlocks, reservedGdt, freeBlocks, freeInodes);
        }

        private byte[] superblock(int group, long freeBlocks, long freeInodes) {
            ByteBuffer sb = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
            long reserved = blocks * options.reservedPercent() / 100;
            int seconds = (int) now;
            byte timeHi = (byte) ((now - seconds) >> 32);
            sb.putInt(0x00, inodesPerGroup * groups);
            sb.putInt(0x04, (int) blocks).putInt(0x150, (int) (blocks >>> 32));
            sb.putInt(0x08, (int) reserved).putInt(0x154, (int) (reserved >>> 32));
            sb.putInt(0x0C, (int) freeBlocks).putInt(0x158, (int) (freeBlocks >>> 32));
            sb.putInt(0x10, (int) freeInodes);
            sb.putInt(0x14, 0);                               // s_first_data_block
            sb.putInt(0x18, 2).putInt(0x1C, 2);               // log2(block size) - 10
            sb.putInt(0x20, BLOCKS_PER_GROUP).putInt(0x24, BLOCKS_PER_GROUP);
            sb.putInt(0x28, inodesPerGroup);
            sb.putInt(0x30, seconds);                         // s_wtime
            sb.putShort(0x36, (short) -1);                    // s_max_mnt_count: no forced checks
            sb.putShort(0x38, (short) 0xEF53);
            sb.putShort(0x3A, (short) 1);                     // s_state: clean
            sb.putShort(0x3C, (short) 1);                     // s_errors: continue
            sb.putInt(0x40, seconds);                         // s_lastcheck
            sb.putInt(0x4C, 1);                               // s_rev_level: dynamic
            sb.putInt(0x54, FIRST_INO);
            sb.putShort(0x58, (short) INODE_SIZE);
            sb.putShort(0x5A, (short) group);
            sb.putInt(0x5C, COMPAT).putInt(0x60, INCOMPAT).putInt(0x64, RO_COMPAT);
            sb.put(0x68, uuid);
            sb.put(0x78, options.label().getBytes(StandardCharsets.UTF_8));
            sb.putShort(0xCE, (short) reservedGdt);
            sb.putInt(0xE0, JOURNAL_INO);
            sb.put(0xEC, hashSeed);
            sb.put(0xFC, (byte) 1);                           // s_def_hash_version: half_md4
            sb.put(0xFD, (byte) 1);                           // s_jnl_backup_type: inode blocks
            sb.putShort(0xFE, (short) DESC_SIZE);
            sb.putInt(0x100, 0x0004 | 0x0008);                // default mount options: user_xattr, acl
            sb.putInt(0x108, seconds);                        // s_mkfs_time
            byte[] journal = inodes.get(JOURNAL_INO);
            sb.put(0x10C, journal, 0x28, 60);                 // s_jnl_blocks: copy of i_block ...
            sb.put(0x148, journal, 0x6C, 4);                  // ... i_size_high ...
            sb.put(0x14C, journal, 0x04, 4);                  // ... and i_size
            sb.putShort(0x15C, (short) EXTRA_ISIZE).putShort(0x15E, (short) EXTRA_ISIZE);
            sb.putInt(0x160, 1);                              // s_flags: signed directory hash (as x86 mke2fs)
            sb.put(0x174, (byte) 4);                          // s_log_groups_per_flex: 16
            sb.put(0x175, (byte) 1);                          // s_checksum_type: crc32c
            sb.put(0x274, timeHi).put(0x276, timeHi).put(0x277, timeHi);
            sb.putInt(0x3FC, Crc32c.update(~0, sb.array(), 0, 0x3FC));
            return sb.array();
        }
    }
}
