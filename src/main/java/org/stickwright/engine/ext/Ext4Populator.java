package org.stickwright.engine.ext;

import static org.stickwright.engine.ext.Ext4GroupDescriptors.field16;
import static org.stickwright.engine.ext.Ext4GroupDescriptors.field32;
import static org.stickwright.engine.ext.Ext4GroupDescriptors.setField16;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.stickwright.engine.io.BlockDevice;

/*
 * Fills an empty directory of an existing, cleanly unmounted ext4 in place with a tree, as
 * `tar -xpf backup.tar --xattrs -C dir` on a mounted filesystem would, without a kernel. The
 * tree is first built where nothing points at it, then linked in by one inode write:
 *
 *   1. plan      inodes: lowest free slot first, from the directory's group on (a slot past the
 *                group's bg_itable_unused watermark moves the watermark; an INODE_UNINIT group
 *                starts from an all-free bitmap); blocks: next fit from the directory's group on
 *                (a BLOCK_UNINIT group's bitmap is computed as the kernel's
 *                ext4_init_block_bitmap does: backup superblock + descriptor table + reserved
 *                GDT where sparse_super puts one, its own bitmaps and inode table, the padding
 *                past the last block). Everything is checked before the first write.
 *   2. data      file contents streamed into their extents, then extent leaf blocks, xattr
 *                blocks and directory blocks (linear, "." and ".." first, the 12-byte checksum
 *                tail with metadata_csum), then the new inodes, all into space still marked free
 *   3. bitmaps   block and inode bitmaps, descriptors (free counts, used dirs, watermark, flags,
 *                checksums)
 *   4. link      the directory's inode now maps fresh listing blocks naming the new children
 *                (its link count grows by the new subdirectories): the one write that makes the
 *                tree reachable
 *   5. release   the directory's old listing block(s) freed; superblock counts and checksum last
 *
 * A crash before 3 leaves the filesystem as the kernel sees it unchanged: only free blocks and
 * free inode slots were written (e2fsck, which also reads the free slots below a group's
 * bg_itable_unused watermark, may offer to reattach new inodes found there); between 3 and 4 the new inodes and blocks are allocated but unreachable, which
 * e2fsck reports and repairs (unattached inodes, leaked blocks); after 4 the tree is whole and at
 * most the old listing block leaks. No block is ever named by a reachable inode while marked free.
 *
 * Example (package-info section 8 shows the bytes), 4 KiB blocks: filling /upper (inode 12,
 * one listing block 1099) with "etc/" and "etc/hostname" (12 bytes) takes inodes 13 and 14 and
 * blocks 1100 (/upper's new listing: "." 12 bytes, ".." 12, "etc" with its rec_len stretched to
 * the checksum tail, 4084 - 24 = 4060), 1101 (etc's listing) and 1102 (hostname's data); inode 12
 * then maps block 1100 with 3 links, and block 1099 is freed.
 */
/**
 * Creates a tree of files, directories, symlinks, hard links, device nodes and FIFOs, with
 * owners, modes, times and extended attributes, inside an empty directory of an existing ext4.
 * Works on what {@link Ext4Editor} accepts, with the extents feature; see the class comment for
 * the order of writes.
 */
public final class Ext4Populator {
    static final int EXTENTS_FL = 0x80000;
    static final int MAX_EXTENT = 32768;

    /** What an item is. */
    public enum Type {
        FILE(0x8000, 1), DIRECTORY(0x4000, 2), SYMLINK(0xA000, 7), HARD_LINK(0, 0), CHAR_DEVICE(0x2000, 3),
        BLOCK_DEVICE(0x6000, 4), FIFO(0x1000, 5);

        final int modeBits;
        final int direntType;

        Type(int modeBits, int direntType) {
            this.modeBits = modeBits;
            this.direntType = direntType;
        }
    }

    /**
     * One thing to create. {@code path} is relative to the filled directory ("etc/hostname");
     * {@code mode} the permission bits (07777); {@code link} the symlink target, or for a hard
     * link the path (same form) of the item it names again; {@code size} a file's length.
     */
    public record Item(String path, Type type, int mode, long uid, long gid, long mtime, long size, String link,
            int deviceMajor, int deviceMinor, Map<String, byte[]> xattrs) {
        public Item {
            xattrs = xattrs == null ? Map.of() : new LinkedHashMap<>(xattrs);
        }
    }

    /** Streams each file's content once; {@link #populate} calls it after planning, before linking. */
    public interface Contents {
        void each(ContentSink sink) throws IOException;
    }

    /** Receives a file's content by its item path. */
    public interface ContentSink {
        void write(String path, InputStream content) throws IOException;
    }

    /** What filling did (or, from {@link #plan}, would do). */
    public record Population(String directory, long inodes, long directories, long names, long blocks,
            long contentBytes) {
    }

    private final BlockDevice device;
    private final Ext4Editor editor;
    private final Ext4Superblock sb;
    private final int bs;
    private final long bpg;
    private final long ipg;
    private final long first;
    private final boolean metadataCsum;
    private final boolean groupCsum;
    private final boolean fileType;
    private final int seed;
    private final int extraIsize;
    private final int now;
    private final byte[] gdt;
    private final long gdtOffset;
    private final int gdtBlocks;

    private final Map<Long, byte[]> blockBitmaps = new TreeMap<>();
    private final Map<Long, byte[]> inodeBitmaps = new TreeMap<>();
    private final Map<Long, Long> blocksTaken = new HashMap<>();
    private final Map<Long, Long> blocksFreed = new HashMap<>();
    private final Map<Long, Long> inodesTaken = new HashMap<>();
    private final Map<Long, Long> dirsAdded = new HashMap<>();
    private long cursor;
    private long inodeCursor;

    /** A node of the tree to write. */
    private static final class Node {
        final Item item;
        final String name;
        final Node parent;
        final List<Node> children = new ArrayList<>();
        Node target;          // hard link: the node it names
        long ino;
        int links;
        List<long[]> extents = List.of();   // {logical, physical, length}
        List<Long> leafBlocks = List.of();
        long xattrBlock;
        byte[] listing;

        Node(Item item, String name, Node parent) {
            this.item = item;
            this.name = name;
            this.parent = parent;
        }

        Type type() {
            return item.type();
        }
    }

    private Ext4Populator(BlockDevice device, Ext4Editor editor, int now) throws IOException {
        this.device = device;
        this.editor = editor;
        this.sb = editor.superblock();
        this.bs = sb.blockSize();
        this.bpg = sb.blocksPerGroup();
        this.ipg = sb.inodesPerGroup();
        this.first = sb.firstDataBlock();
        this.metadataCsum = sb.hasRoCompat(Ext4Reader.RO_COMPAT_METADATA_CSUM);
        this.groupCsum = metadataCsum || sb.hasRoCompat(Ext4Reader.RO_COMPAT_GDT_CSUM);
        this.fileType = sb.hasIncompat(Ext4Editor.INCOMPAT_FILETYPE);
        this.seed = editor.checksumSeed();
        ByteBuffer s = le(editor.rawSuperblock());
        int wanted = s.getShort(0x15E) & 0xFFFF;
        this.extraIsize = sb.inodeSize() <= 128 ? 0 : Math.min(sb.inodeSize() - 128, Math.max(32, wanted));
        this.now = now;
        this.gdtOffset = (first + 1) * bs;
        this.gdt = device.readBytes(gdtOffset, (int) (sb.groupCount() * sb.descSize()));
        this.gdtBlocks = (int) ((sb.groupCount() * sb.descSize() + bs - 1) / bs);
    }

    /** Checks everything {@link #populate} would and returns what it would make; writes nothing. */
    public static Population plan(BlockDevice device, String directory, List<Item> items) throws IOException {
        Ext4Editor editor = Ext4Editor.open(device);
        Ext4Populator p = new Ext4Populator(device, editor, (int) (System.currentTimeMillis() / 1000));
        return p.planAll(directory, items).population;
    }

    /** Fills {@code directory} (absolute, empty) with {@code items}, file contents from {@code contents}. */
    public static Population populate(BlockDevice device, String directory, List<Item> items, Contents contents)
            throws IOException {
        return populate(device, directory, items, contents, System.currentTimeMillis() / 1000);
    }

    /** As {@link #populate(BlockDevice, String, List, Contents)}, with {@code nowSeconds} as the change time. */
    public static Population populate(BlockDevice device, String directory, List<Item> items, Contents contents,
            long nowSeconds) throws IOException {
        Ext4Editor editor = Ext4Editor.open(device, nowSeconds);
        Ext4Populator p = new Ext4Populator(device, editor, (int) nowSeconds);
        Plan plan = p.planAll(directory, items);
        p.write(plan, contents);
        return plan.population;
    }

    // ------------------------------------------------------------------ planning

    private record Plan(Ext4Inode directory, long parentIno, Node root, Map<String, Node> byPath,
            List<long[]> oldListing, Population population) {
    }

    private Plan planAll(String directory, List<Item> items) throws IOException {
        if (!sb.hasIncompat(Ext4Editor.INCOMPAT_EXTENTS)) {
            throw new Ext4EditRefusedException(device.name() + " has no extents feature; only ext4 with extents is"
                    + " filled");
        }
        Ext4Reader reader = editor.reader();
        Ext4Inode dir = reader.lookup(directory);
        if (!dir.isDirectory()) {
            throw new Ext4EditRefusedException(directory + " is not a directory");
        }
        for (Ext4DirEntry e : reader.list(dir)) {
            if (!e.name().equals(".") && !e.name().equals("..")) {
                throw new Ext4EditRefusedException(directory + " is not empty (it holds " + e.name()
                        + "); only an empty directory is filled");
            }
        }
        if (dir.hasInlineData()) {
            throw new Ext4EditRefusedException(directory + " keeps its listing inside its inode (inline_data), which"
                    + " this code does not fill");
        }
        if (!dir.usesExtents() || le(dir.iBlock()).getShort(6) != 0) {
            throw new Ext4EditRefusedException(directory + " maps its listing with a block map or an extent tree of"
                    + " its own blocks; only a listing in the inode's own extents is replaced");
        }
        List<long[]> oldListing = inodeExtents(dir);
        long parentIno = dotDot(reader, dir);
        Node root = new Node(new Item("", Type.DIRECTORY, dir.permissions(), dir.uid(), dir.gid(), dir.mtime(), 0,
                null, 0, 0, Map.of()), "", null);
        root.ino = dir.number();
        Map<String, Node> byPath = buildTree(root, items);

        long dirGroup = (dir.number() - 1) / ipg;
        inodeCursor = dirGroup;
        cursor = first + dirGroup * bpg;
        long inodes = 0;
        long dirs = 0;
        long contentBytes = 0;
        List<Node> all = new ArrayList<>();
        collect(root, all);
        for (Node n : all) {
            if (n == root || n.type() == Type.HARD_LINK) {
                continue;
            }
            n.ino = allocateInode(n.type() == Type.DIRECTORY);
            inodes++;
            if (n.type() == Type.DIRECTORY) {
                dirs++;
            }
        }
        long blocks = 0;
        for (Node n : all) {
            if (n.type() == Type.HARD_LINK) {
                n.target.links++;
                continue;
            }
            n.links += n.type() == Type.DIRECTORY ? 2 + subdirectories(n) : 1;
            if (n.type() == Type.DIRECTORY) {
                n.listing = listing(n);
                blocks += allocateData(n, n.listing.length / bs);
            } else if (n.type() == Type.FILE) {
                blocks += allocateData(n, (n.item.size() + bs - 1) / bs);
                contentBytes += n.item.size();
            } else if (n.type() == Type.SYMLINK && symlinkBytes(n).length >= 60) {
                blocks += allocateData(n, 1);
            }
            if (n != root && !xattrsFitInInode(n)) {
                n.xattrBlock = allocateBlocks(1).get(0)[1];
                blocks++;
            }
        }
        root.links = dir.linksCount() + subdirectories(root);
        Population population = new Population(directory, inodes, dirs, items.size(), blocks, contentBytes);
        return new Plan(dir, parentIno, root, byPath, oldListing, population);
    }

    /** The parent's inode number from the listing's second record (the reader's list leaves "." and ".." out). */
    private static long dotDot(Ext4Reader reader, Ext4Inode dir) throws IOException {
        byte[] head;
        try (InputStream in = reader.openStream(dir)) {
            head = in.readNBytes(64);
        }
        ByteBuffer b = le(head);
        int second = b.getShort(4) & 0xFFFF;
        if (head.length < 24 || second < 12 || second + 10 > head.length || b.get(second + 6) != 2
                || b.get(second + 8) != '.' || b.get(second + 9) != '.') {
            throw new Ext4FormatException("directory inode " + dir.number(), dir.offset(), "has no '..' record");
        }
        return b.getInt(second) & 0xFFFF_FFFFL;
    }

    private Map<String, Node> buildTree(Node root, List<Item> items) throws Ext4EditRefusedException {
        Map<String, Node> byPath = new LinkedHashMap<>();
        byPath.put("", root);
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingInt((Item i) -> i.path().split("/").length).thenComparing(Item::path));
        List<Node> links = new ArrayList<>();
        for (Item item : sorted) {
            String path = item.path();
            if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || (("/" + path + "/").contains("/../"))
                    || ("/" + path + "/").contains("/./") || path.contains("//")) {
                throw new Ext4EditRefusedException("'" + path + "' is not a relative path below the directory");
            }
            int slash = path.lastIndexOf('/');
            String name = path.substring(slash + 1);
            if (name.getBytes(StandardCharsets.UTF_8).length > 255) {
                throw new Ext4EditRefusedException(path + ": a name longer than 255 bytes");
            }
            Node parent = byPath.get(slash < 0 ? "" : path.substring(0, slash));
            if (parent == null || parent.type() != Type.DIRECTORY) {
                throw new Ext4EditRefusedException(path + ": its parent directory is not in the tree");
            }
            if (byPath.containsKey(path)) {
                throw new Ext4EditRefusedException(path + " appears twice");
            }
            if (item.type() == Type.SYMLINK && (item.link() == null
                    || item.link().getBytes(StandardCharsets.UTF_8).length >= bs)) {
                throw new Ext4EditRefusedException(path + ": symlink target missing or longer than a block");
            }
            if (item.type() == Type.FILE && item.size() >= (1L << 31) && !sb.hasRoCompat(0x2)) {
                throw new Ext4EditRefusedException(path + ": a file of 2 GiB or more needs the large_file feature");
            }
            for (String x : item.xattrs().keySet()) {
                xattrIndex(x);
            }
            Node node = new Node(item, name, parent);
            parent.children.add(node);
            byPath.put(path, node);
            if (item.type() == Type.HARD_LINK) {
                links.add(node);
            }
        }
        for (Node link : links) {
            Node target = byPath.get(link.item.link() == null ? "" : link.item.link());
            if (target == null || target == root || target.type() == Type.DIRECTORY
                    || target.type() == Type.HARD_LINK) {
                throw new Ext4EditRefusedException(link.item.path() + ": hard link to '" + link.item.link()
                        + "', which is not a non-directory in the tree");
            }
            link.target = target;
        }
        return byPath;
    }

    private static void collect(Node n, List<Node> out) {
        out.add(n);
        for (Node c : n.children) {
            collect(c, out);
        }
    }

    private static int subdirectories(Node n) {
        int count = 0;
        for (Node c : n.children) {
            if (c.type() == Type.DIRECTORY) {
                count++;
            }
        }
        return count;
    }

    /** The physical runs of an inode with an in-inode (depth 0) extent tree: {logical, physical, length}. */
    private List<long[]> inodeExtents(Ext4Inode inode) {
        ByteBuffer b = le(inode.iBlock());
        List<long[]> runs = new ArrayList<>();
        for (int i = 0; i < (b.getShort(2) & 0xFFFF) && i < 4; i++) {
            int at = 12 + 12 * i;
            int length = b.getShort(at + 4) & 0xFFFF;
            long physical = (long) (b.getShort(at + 6) & 0xFFFF) << 32 | b.getInt(at + 8) & 0xFFFF_FFFFL;
            runs.add(new long[] {b.getInt(at) & 0xFFFF_FFFFL, physical, length > 32768 ? length - 32768 : length});
        }
        return runs;
    }

    // ------------------------------------------------------------------ allocation

    private long allocateInode(boolean directory) throws IOException {
        for (long tried = 0; tried < sb.groupCount(); tried++) {
            long g = (inodeCursor + tried) % sb.groupCount();
            byte[] bitmap = inodeBitmap(g);
            long free = field16(desc(g), 0x0E, 0x2E) - inodesTaken.getOrDefault(g, 0L);
            if (free <= 0) {
                continue;
            }
            long start = g == 0 ? firstInode() - 1 : 0;
            for (long i = start; i < ipg; i++) {
                if ((bitmap[(int) (i >>> 3)] & (1 << (i & 7))) == 0) {
                    bitmap[(int) (i >>> 3)] |= (byte) (1 << (i & 7));
                    inodesTaken.merge(g, 1L, Long::sum);
                    if (directory) {
                        dirsAdded.merge(g, 1L, Long::sum);
                    }
                    if (groupCsum && i >= ipg - field16(desc(g), 0x1C, 0x32)) {
                        setField16(desc(g), 0x1C, 0x32, ipg - i - 1);
                    }
                    inodeCursor = g;
                    return g * ipg + i + 1;
                }
            }
        }
        throw new Ext4EditRefusedException(device.name() + " has too few free inodes for the tree");
    }

    private long firstInode() {
        ByteBuffer s = le(editor.rawSuperblock());
        return s.getInt(0x4C) == 0 ? 11 : s.getInt(0x54) & 0xFFFF_FFFFL;
    }

    /** Allocates a node's data blocks and, past 4 extents, its extent leaf blocks; returns the blocks taken. */
    private long allocateData(Node n, long count) throws IOException {
        if (count == 0) {
            return 0;
        }
        n.extents = allocateBlocks(count);
        if (n.extents.size() <= 4) {
            return count;
        }
        int perLeaf = (bs - 12) / 12;
        int leaves = (n.extents.size() + perLeaf - 1) / perLeaf;
        if (leaves > 4) {
            throw new Ext4EditRefusedException(n.item.path() + " would need " + n.extents.size() + " extents: the free"
                    + " space is too fragmented");
        }
        List<Long> at = new ArrayList<>();
        for (long[] run : allocateBlocks(leaves)) {
            for (long b = 0; b < run[2]; b++) {
                at.add(run[1] + b);
            }
        }
        n.leafBlocks = at;
        return count + leaves;
    }

    /** Next-fit runs of free blocks: {logical, physical, length}, each at most 32768 blocks. */
    private List<long[]> allocateBlocks(long count) throws IOException {
        List<long[]> runs = new ArrayList<>();
        long logical = 0;
        long scanned = 0;
        long total = sb.blocksCount() - first;
        while (logical < count) {
            if (cursor >= sb.blocksCount()) {
                cursor = first;
            }
            if (scanned++ > total) {
                throw new Ext4EditRefusedException(device.name() + " has too little free space for the tree");
            }
            long g = (cursor - first) / bpg;
            int bit = (int) ((cursor - first) % bpg);
            byte[] bitmap = blockBitmap(g);
            if ((bitmap[bit >>> 3] & (1 << (bit & 7))) != 0) {
                cursor++;
                continue;
            }
            bitmap[bit >>> 3] |= (byte) (1 << (bit & 7));
            blocksTaken.merge(g, 1L, Long::sum);
            long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last[1] + last[2] == cursor && last[2] < MAX_EXTENT) {
                last[2]++;
            } else {
                runs.add(new long[] {logical, cursor, 1});
            }
            logical++;
            cursor++;
            scanned = 0;
        }
        return runs;
    }

    private byte[] inodeBitmap(long g) throws IOException {
        byte[] bitmap = inodeBitmaps.get(g);
        if (bitmap == null) {
            ByteBuffer d = desc(g);
            if (groupCsum && (d.getShort(0x12) & Ext4Editor.BG_INODE_UNINIT) != 0) {
                bitmap = new byte[bs];
                setBits(bitmap, ipg, bs * 8L); // the padding e2fsck expects set
            } else {
                long location = field32(d, 0x04, 0x24);
                bitmap = device.readBytes(location * bs, bs);
                if (metadataCsum && (int) (Crc32c.update(seed, bitmap, 0, (int) (ipg / 8)) & checksumMask())
                        != (int) field16(d, 0x1A, 0x3A)) {
                    throw new Ext4FormatException("inode bitmap of group " + g, location * bs,
                            "metadata_csum checksum mismatch");
                }
            }
            blockBitmap(g); // the kernel initialises a BLOCK_UNINIT group's block bitmap before giving out its inodes
            inodeBitmaps.put(g, bitmap);
        }
        return bitmap;
    }

    private byte[] blockBitmap(long g) throws IOException {
        byte[] bitmap = blockBitmaps.get(g);
        if (bitmap == null) {
            ByteBuffer d = desc(g);
            if (groupCsum && (d.getShort(0x12) & Ext4Editor.BG_BLOCK_UNINIT) != 0) {
                bitmap = uninitialisedBlockBitmap(g);
            } else {
                long location = field32(d, 0x00, 0x20);
                bitmap = device.readBytes(location * bs, bs);
                if (metadataCsum && (int) (Crc32c.update(seed, bitmap, 0, (int) (bpg / 8)) & checksumMask())
                        != (int) field16(d, 0x18, 0x38)) {
                    throw new Ext4FormatException("block bitmap of group " + g, location * bs,
                            "metadata_csum checksum mismatch");
                }
            }
            blockBitmaps.put(g, bitmap);
        }
        return bitmap;
    }

    /** What ext4_init_block_bitmap computes for a group whose bitmap was never written. */
    private byte[] uninitialisedBlockBitmap(long g) {
        byte[] bitmap = new byte[bs];
        long start = first + g * bpg;
        long end = Math.min(start + bpg, sb.blocksCount());
        if (hasSuper(g)) {
            setBits(bitmap, 0, 1 + gdtBlocks + sb.reservedGdtBlocks());
        }
        ByteBuffer d = desc(g);
        long tableBlocks = (ipg * sb.inodeSize() + bs - 1) / bs;
        long[][] own = {{field32(d, 0x00, 0x20), 1}, {field32(d, 0x04, 0x24), 1}, {field32(d, 0x08, 0x28), tableBlocks}};
        for (long[] r : own) {
            for (long b = r[0]; b < r[0] + r[1]; b++) {
                if (b >= start && b < end) {
                    setBits(bitmap, b - start, b - start + 1);
                }
            }
        }
        setBits(bitmap, end - start, bs * 8L);
        return bitmap;
    }

    private boolean hasSuper(long group) {
        if (group <= 1 || !sb.hasRoCompat(0x1)) {
            return true;
        }
        if (group % 2 == 0) {
            return false;
        }
        for (int base : new int[] {3, 5, 7}) {
            long x = group;
            while (x % base == 0) {
                x /= base;
            }
            if (x == 1) {
                return true;
            }
        }
        return false;
    }

    private static void setBits(byte[] bitmap, long from, long to) {
        for (long bit = from; bit < to; bit++) {
            bitmap[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
        }
    }

    // ------------------------------------------------------------------ encoding

    /** Linear directory blocks: ".", "..", the children; the checksum tail with metadata_csum. */
    private byte[] listing(Node n) {
        List<byte[]> names = new ArrayList<>();
        List<long[]> refs = new ArrayList<>();
        names.add(new byte[] {'.'});
        refs.add(new long[] {-1, 2});
        names.add(new byte[] {'.', '.'});
        refs.add(new long[] {-1, 2});
        for (Node c : n.children) {
            names.add(c.name.getBytes(StandardCharsets.UTF_8));
            Node real = c.type() == Type.HARD_LINK ? c.target : c;
            refs.add(new long[] {-1, real.type().direntType});
        }
        int tail = metadataCsum ? 12 : 0;
        int usable = bs - tail;
        List<byte[]> blocks = new ArrayList<>();
        byte[] block = new byte[bs];
        int at = 0;
        int last = -1;
        for (int i = 0; i < names.size(); i++) {
            int length = (8 + names.get(i).length + 3) & ~3;
            if (at + length > usable) {
                le(block).putShort(last + 4, (short) (usable - last));
                blocks.add(block);
                block = new byte[bs];
                at = 0;
            }
            ByteBuffer b = le(block);
            b.putShort(at + 4, (short) length);
            b.put(at + 6, (byte) names.get(i).length).put(at + 7, (byte) (fileType ? refs.get(i)[1] : 0));
            System.arraycopy(names.get(i), 0, block, at + 8, names.get(i).length);
            last = at;
            at += length;
        }
        le(block).putShort(last + 4, (short) (usable - last));
        blocks.add(block);
        byte[] all = new byte[blocks.size() * bs];
        for (int i = 0; i < blocks.size(); i++) {
            System.arraycopy(blocks.get(i), 0, all, i * bs, bs);
        }
        return all;
    }

    /** Fills in the inode numbers (known only after allocation) and the checksum tails. */
    private void finishListing(Node n, long parentIno, int generation) {
        ByteBuffer b = le(n.listing);
        int child = -2;
        for (int block = 0; block < n.listing.length / bs; block++) {
            int base = block * bs;
            int at = 0;
            int usable = bs - (metadataCsum ? 12 : 0);
            while (at < usable) {
                int recLen = b.getShort(base + at + 4) & 0xFFFF;
                long ino = child == -2 ? n.ino : child == -1 ? parentIno
                        : (n.children.get(child).type() == Type.HARD_LINK ? n.children.get(child).target
                                : n.children.get(child)).ino;
                b.putInt(base + at, (int) ino);
                child++;
                at += recLen;
            }
            if (metadataCsum) {
                int t = base + bs - 12;
                b.putInt(t, 0).putShort(t + 4, (short) 12).put(t + 6, (byte) 0).put(t + 7, (byte) 0xDE);
                int crc = Crc32c.updateInt(Crc32c.updateInt(seed, (int) n.ino), generation);
                b.putInt(t + 8, Crc32c.update(crc, n.listing, base, bs - 12));
            }
        }
    }

    /** dir_nlink: a directory with 65000 or more links counts 1, "too many to count". */
    private static int links(int count) {
        return count >= 65000 ? 1 : count;
    }

    private byte[] symlinkBytes(Node n) {
        return n.item.link().getBytes(StandardCharsets.UTF_8);
    }

    private record Xattr(int index, byte[] name, byte[] value) {
    }

    /** The on-disk name index of a full xattr name (user. 1, trusted. 4, security. 6, system. 7...). */
    private static Xattr xattrIndex(String full) throws Ext4EditRefusedException {
        String[][] prefixes = {{"user.", "1"}, {"system.posix_acl_access", "2"}, {"system.posix_acl_default", "3"},
            {"trusted.", "4"}, {"security.", "6"}, {"system.", "7"}};
        for (String[] p : prefixes) {
            if (full.startsWith(p[0]) && (full.length() > p[0].length() || !p[0].endsWith("."))) {
                byte[] name = full.substring(p[0].length()).getBytes(StandardCharsets.UTF_8);
                if (name.length <= 255) {
                    return new Xattr(Integer.parseInt(p[1]), name, null);
                }
            }
        }
        throw new Ext4EditRefusedException("extended attribute '" + full + "' has no ext4 name index");
    }

    private List<Xattr> xattrs(Node n) throws Ext4EditRefusedException {
        List<Xattr> list = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : n.item.xattrs().entrySet()) {
            Xattr x = xattrIndex(e.getKey());
            list.add(new Xattr(x.index(), x.name(), e.getValue()));
        }
        list.sort(Comparator.comparingInt(Xattr::index).thenComparingInt(x -> x.name().length)
                .thenComparing(Xattr::name, java.util.Arrays::compareUnsigned));
        return list;
    }

    private int inInodeRoom() {
        return sb.inodeSize() <= 128 ? 0 : sb.inodeSize() - 128 - extraIsize - 4;
    }

    private boolean xattrsFitInInode(Node n) throws IOException {
        if (n.item.xattrs().isEmpty()) {
            return true;
        }
        int size = xattrSize(xattrs(n));
        if (size <= inInodeRoom()) {
            return true;
        }
        if (32 + size > bs) {
            throw new Ext4EditRefusedException(n.item.path() + ": extended attributes exceed one block");
        }
        return false;
    }

    private static int xattrSize(List<Xattr> list) {
        int size = 4; // the terminating zero entry
        for (Xattr x : list) {
            size += ((16 + x.name().length + 3) & ~3) + ((x.value().length + 3) & ~3);
        }
        return size;
    }

    /** Entries from {@code entriesAt}, values from the end of {@code area}, offsets from {@code valueBase}. */
    private static int fillXattrs(ByteBuffer area, int entriesAt, int valueBase, List<Xattr> list) {
        int entry = entriesAt;
        int valueEnd = area.capacity();
        int blockHash = 0;
        for (Xattr x : list) {
            valueEnd -= (x.value().length + 3) & ~3;
            area.put(valueEnd, x.value());
            int hash = Ext4Editor.xattrEntryHash(x.name(), x.value());
            area.put(entry, (byte) x.name().length).put(entry + 1, (byte) x.index());
            area.putShort(entry + 2, (short) (x.value().length == 0 ? 0 : valueEnd - valueBase));
            area.putInt(entry + 4, 0).putInt(entry + 8, x.value().length).putInt(entry + 12, hash);
            area.put(entry + 16, x.name());
            entry += (16 + x.name().length + 3) & ~3;
            blockHash = (blockHash << 16) ^ (blockHash >>> 16) ^ hash;
        }
        return blockHash;
    }

    /** The new inode's bytes, without its checksum. */
    private byte[] encodeInode(Node n) throws IOException {
        byte[] raw = new byte[sb.inodeSize()];
        ByteBuffer in = le(raw);
        Item item = n.item;
        in.putShort(0x00, (short) (item.type().modeBits | (item.mode() & 07777)));
        in.putShort(0x02, (short) item.uid());
        in.putShort(0x78, (short) (item.uid() >>> 16));
        in.putShort(0x18, (short) item.gid());
        in.putShort(0x7A, (short) (item.gid() >>> 16));
        in.putShort(0x1A, (short) links(n.links));
        in.putInt(0x08, (int) item.mtime());
        in.putInt(0x0C, now);
        in.putInt(0x10, (int) item.mtime());
        if (extraIsize > 0) {
            in.putShort(0x80, (short) extraIsize);
            int epoch = (int) ((item.mtime() - (int) item.mtime()) >> 32) & 3;
            if (extraIsize >= 0x8C + 4 - 0x80) {
                in.putInt(0x88, epoch).putInt(0x8C, epoch);
            }
            if (extraIsize >= 0x94 + 4 - 0x80) {
                in.putInt(0x90, now);
            }
        }
        long dataBlocks = 0;
        long size = 0;
        switch (item.type()) {
            case FILE -> size = item.size();
            case DIRECTORY -> size = n.listing.length;
            case SYMLINK -> size = symlinkBytes(n).length;
            default -> size = 0;
        }
        for (long[] run : n.extents) {
            dataBlocks += run[2];
        }
        if (item.type() == Type.SYMLINK && n.extents.isEmpty()) {
            in.put(0x28, symlinkBytes(n));
        } else if (item.type() == Type.CHAR_DEVICE || item.type() == Type.BLOCK_DEVICE) {
            int major = item.deviceMajor();
            int minor = item.deviceMinor();
            if (major < 256 && minor < 256) {
                in.putInt(0x28, major << 8 | minor);
            } else {
                in.putInt(0x2C, (minor & 0xFF) | (major << 8) | ((minor & ~0xFF) << 12));
            }
        } else if (item.type() == Type.FILE || item.type() == Type.DIRECTORY || item.type() == Type.SYMLINK) {
            in.putInt(0x20, EXTENTS_FL);
            putExtentTree(ByteBuffer.wrap(raw, 0x28, 60).slice().order(ByteOrder.LITTLE_ENDIAN), n);
        }
        in.putInt(0x04, (int) size);
        in.putInt(0x6C, (int) (size >>> 32));
        long owned = dataBlocks + n.leafBlocks.size() + (n.xattrBlock != 0 ? 1 : 0);
        long sectors = owned * (bs / 512);
        in.putInt(0x1C, (int) sectors);
        in.putShort(0x74, (short) (sectors >>> 32));
        if (!n.item.xattrs().isEmpty()) {
            List<Xattr> list = xattrs(n);
            if (n.xattrBlock == 0) {
                int start = 128 + extraIsize;
                in.putInt(start, 0xEA020000);
                ByteBuffer area = ByteBuffer.wrap(raw, start + 4, raw.length - start - 4).slice()
                        .order(ByteOrder.LITTLE_ENDIAN);
                fillXattrs(area, 0, 0, list);
            } else {
                in.putInt(0x68, (int) n.xattrBlock);
                in.putShort(0x76, (short) (n.xattrBlock >>> 32));
            }
        }
        return raw;
    }

    /** Depth 0 with up to 4 extents; else an index of up to 4 leaf blocks (written by writeLeaves). */
    private void putExtentTree(ByteBuffer root, Node n) {
        if (n.leafBlocks.isEmpty()) {
            putHeader(root, n.extents.size(), 4, 0);
            for (int i = 0; i < n.extents.size(); i++) {
                putExtent(root, 12 + 12 * i, n.extents.get(i));
            }
            return;
        }
        int perLeaf = (bs - 12) / 12;
        putHeader(root, n.leafBlocks.size(), 4, 1);
        for (int leaf = 0; leaf < n.leafBlocks.size(); leaf++) {
            int at = 12 + 12 * leaf;
            long block = n.leafBlocks.get(leaf);
            root.putInt(at, (int) n.extents.get(leaf * perLeaf)[0]);
            root.putInt(at + 4, (int) block).putShort(at + 8, (short) (block >>> 32)).putShort(at + 10, (short) 0);
        }
    }

    private void writeLeaves(Node n, int generation) throws IOException {
        int perLeaf = (bs - 12) / 12;
        for (int leaf = 0; leaf < n.leafBlocks.size(); leaf++) {
            List<long[]> part = n.extents.subList(leaf * perLeaf, Math.min(n.extents.size(), (leaf + 1) * perLeaf));
            byte[] block = new byte[bs];
            ByteBuffer b = le(block);
            putHeader(b, part.size(), perLeaf, 0);
            for (int i = 0; i < part.size(); i++) {
                putExtent(b, 12 + 12 * i, part.get(i));
            }
            if (metadataCsum) {
                int tail = 12 + 12 * perLeaf;
                int crc = Crc32c.updateInt(Crc32c.updateInt(seed, (int) n.ino), generation);
                b.putInt(tail, Crc32c.update(crc, block, 0, tail));
            }
            device.writeBytes(n.leafBlocks.get(leaf) * bs, block);
        }
    }

    private static void putHeader(ByteBuffer b, int entries, int max, int depth) {
        b.putShort(0, (short) 0xF30A).putShort(2, (short) entries).putShort(4, (short) max)
                .putShort(6, (short) depth).putInt(8, 0);
    }

    private static void putExtent(ByteBuffer b, int at, long[] run) {
        b.putInt(at, (int) run[0]).putShort(at + 4, (short) run[2]).putShort(at + 6, (short) (run[1] >>> 32))
                .putInt(at + 8, (int) run[1]);
    }

    // ------------------------------------------------------------------ writing

    private void write(Plan plan, Contents contents) throws IOException {
        // 2: contents, then every new block and inode, all in space still marked free
        Map<String, Node> files = new HashMap<>();
        for (Map.Entry<String, Node> e : plan.byPath().entrySet()) {
            if (e.getValue().type() == Type.FILE) {
                files.put(e.getKey(), e.getValue());
            }
        }
        Map<String, Boolean> written = new HashMap<>();
        contents.each((path, in) -> {
            Node n = files.get(path);
            if (n == null || written.put(path, true) != null) {
                throw new Ext4EditRefusedException(path + ": content for no file of the tree, or given twice");
            }
            writeContent(n, in);
        });
        if (written.size() != files.size()) {
            List<String> missing = new ArrayList<>(files.keySet());
            missing.removeAll(written.keySet());
            throw new Ext4EditRefusedException("no content was given for " + missing.size() + " file(s), e.g. "
                    + missing.get(0) + "; nothing was linked");
        }
        List<Node> all = new ArrayList<>();
        collect(plan.root(), all);
        int rootGeneration = le(plan.directory().raw()).getInt(0x64);
        for (Node n : all) {
            if (n.type() == Type.DIRECTORY) {
                long parentIno = n == plan.root() ? plan.parentIno() : n.parent.ino;
                finishListing(n, parentIno, n == plan.root() ? rootGeneration : 0);
                writeRuns(n.extents, n.listing);
            } else if (n.type() == Type.SYMLINK && !n.extents.isEmpty()) {
                writeRuns(n.extents, symlinkBytes(n));
            }
            if (n == plan.root() || n.type() == Type.HARD_LINK) {
                continue;
            }
            writeLeaves(n, 0);
            if (n.xattrBlock != 0) {
                writeXattrBlock(n);
            }
            byte[] raw = encodeInode(n);
            writeInodeBytes(n.ino, raw, 0);
        }
        device.flush();
        // 3: allocations become visible in the bitmaps and descriptors
        writeBitmapsAndDescriptors();
        device.flush();
        // 4: the directory names the tree
        Ext4Inode dir = plan.directory();
        byte[] raw = dir.raw().clone();
        ByteBuffer in = le(raw);
        java.util.Arrays.fill(raw, 0x28, 0x28 + 60, (byte) 0);
        writeLeaves(plan.root(), rootGeneration);
        putExtentTree(ByteBuffer.wrap(raw, 0x28, 60).slice().order(ByteOrder.LITTLE_ENDIAN), plan.root());
        long size = plan.root().listing.length;
        in.putInt(0x04, (int) size).putInt(0x6C, 0);
        long owned = size / bs + plan.root().leafBlocks.size() + (dir.xattrBlock() != 0 ? 1 : 0);
        in.putInt(0x1C, (int) (owned * (bs / 512)));
        if (raw.length > 0x75) {
            in.putShort(0x74, (short) 0);
        }
        in.putInt(0x20, (in.getInt(0x20) & ~(Ext4Inode.INDEX_FL | Ext4Editor.HUGE_FILE_FL)) | EXTENTS_FL);
        in.putShort(0x1A, (short) links(plan.root().links));
        in.putInt(0x0C, now);
        in.putInt(0x10, now);
        editor.writeInode(dir, raw);
        device.flush();
        // 5: the old listing is free; superblock counts last
        for (long[] run : plan.oldListing()) {
            for (long b = run[1]; b < run[1] + run[2]; b++) {
                long g = (b - first) / bpg;
                int bit = (int) ((b - first) % bpg);
                byte[] bitmap = blockBitmap(g);
                bitmap[bit >>> 3] &= (byte) ~(1 << (bit & 7));
                blocksFreed.merge(g, 1L, Long::sum);
            }
        }
        blocksTaken.clear();
        inodesTaken.clear();
        dirsAdded.clear();
        inodeBitmaps.clear();
        writeBitmapsAndDescriptors();
        device.flush();
        writeSuperblock();
        device.flush();
    }

    private void writeContent(Node n, InputStream in) throws IOException {
        long remaining = n.item.size();
        byte[] buffer = new byte[1 << 20];
        for (long[] run : n.extents) {
            long at = run[1] * bs;
            long runBytes = Math.min(run[2] * bs, remaining);
            long done = 0;
            while (done < runBytes) {
                int want = (int) Math.min(buffer.length, runBytes - done);
                int got = in.readNBytes(buffer, 0, want);
                if (got < want) {
                    throw new Ext4EditRefusedException(n.item.path() + ": content ends after "
                            + (n.item.size() - remaining + done + got) + " of " + n.item.size() + " bytes");
                }
                int padded = (got + bs - 1) / bs * bs;
                java.util.Arrays.fill(buffer, got, padded, (byte) 0);
                device.write(ByteBuffer.wrap(buffer, 0, padded), at + done);
                done += got;
            }
            remaining -= runBytes;
        }
        if (in.read() >= 0) {
            throw new Ext4EditRefusedException(n.item.path() + ": content is longer than its " + n.item.size()
                    + " bytes");
        }
    }

    private void writeRuns(List<long[]> runs, byte[] data) throws IOException {
        for (long[] run : runs) {
            int from = (int) (run[0] * bs);
            int length = (int) Math.min(run[2] * bs, data.length - from);
            byte[] chunk = new byte[(int) (run[2] * bs)];
            System.arraycopy(data, from, chunk, 0, length);
            device.writeBytes(run[1] * bs, chunk);
        }
    }

    private void writeXattrBlock(Node n) throws IOException {
        byte[] block = new byte[bs];
        ByteBuffer b = le(block);
        b.putInt(0, 0xEA020000).putInt(4, 1).putInt(8, 1);
        b.putInt(12, fillXattrs(b, 32, 0, xattrs(n)));
        if (metadataCsum) {
            int crc = Crc32c.update(seed, le(new byte[8]).putLong(0, n.xattrBlock).array());
            b.putInt(16, Crc32c.update(crc, block, 0, bs));
        }
        device.writeBytes(n.xattrBlock * bs, block);
    }

    private void writeInodeBytes(long ino, byte[] raw, int generation) throws IOException {
        long g = (ino - 1) / ipg;
        long index = (ino - 1) % ipg;
        long table = field32(desc(g), 0x08, 0x28);
        if (metadataCsum) {
            ByteBuffer in = le(raw);
            boolean hi = raw.length > 128 && (in.getShort(0x80) & 0xFFFF) >= 4;
            int crc = Crc32c.updateInt(Crc32c.updateInt(seed, (int) ino), generation);
            crc = Crc32c.update(crc, raw, 0, raw.length);
            in.putShort(0x7C, (short) crc);
            if (hi) {
                in.putShort(0x82, (short) (crc >>> 16));
            }
        }
        device.writeBytes(table * bs + index * sb.inodeSize(), raw);
    }

    private void writeBitmapsAndDescriptors() throws IOException {
        for (Map.Entry<Long, byte[]> e : blockBitmaps.entrySet()) {
            long g = e.getKey();
            long delta = blocksTaken.getOrDefault(g, 0L) - blocksFreed.getOrDefault(g, 0L);
            ByteBuffer d = desc(g);
            boolean uninit = groupCsum && (d.getShort(0x12) & Ext4Editor.BG_BLOCK_UNINIT) != 0;
            if (delta == 0 && !uninit && !blocksFreed.containsKey(g)) {
                continue;
            }
            device.writeBytes(field32(d, 0x00, 0x20) * bs, e.getValue());
            setField16(d, 0x0C, 0x2C, field16(d, 0x0C, 0x2C) - delta);
            d.putShort(0x12, (short) (d.getShort(0x12) & ~Ext4Editor.BG_BLOCK_UNINIT));
            if (metadataCsum) {
                long crc = Crc32c.update(seed, e.getValue(), 0, (int) (bpg / 8)) & 0xFFFF_FFFFL;
                d.putShort(0x18, (short) crc);
                if (sb.descSize() >= 64) {
                    d.putShort(0x38, (short) (crc >>> 16));
                }
            }
            touched.add(g);
        }
        blocksFreed.clear();
        for (Map.Entry<Long, byte[]> e : inodeBitmaps.entrySet()) {
            long g = e.getKey();
            ByteBuffer d = desc(g);
            device.writeBytes(field32(d, 0x04, 0x24) * bs, e.getValue());
            setField16(d, 0x0E, 0x2E, field16(d, 0x0E, 0x2E) - inodesTaken.getOrDefault(g, 0L));
            setField16(d, 0x10, 0x30, field16(d, 0x10, 0x30) + dirsAdded.getOrDefault(g, 0L));
            d.putShort(0x12, (short) (d.getShort(0x12) & ~Ext4Editor.BG_INODE_UNINIT));
            if (metadataCsum) {
                long crc = Crc32c.update(seed, e.getValue(), 0, (int) (ipg / 8)) & 0xFFFF_FFFFL;
                d.putShort(0x1A, (short) crc);
                if (sb.descSize() >= 64) {
                    d.putShort(0x3A, (short) (crc >>> 16));
                }
            }
            touched.add(g);
        }
        for (long g : touched) {
            if (groupCsum) {
                desc(g).putShort(0x1E, (short) Ext4GroupDescriptors.checksum(gdt, sb.descSize(), g, metadataCsum,
                        seed, editor.rawSuperblock()));
            }
        }
        device.writeBytes(gdtOffset, gdt);
    }

    private final java.util.Set<Long> touched = new java.util.HashSet<>();

    private void writeSuperblock() throws IOException {
        long freeBlocks = 0;
        long freeInodes = 0;
        for (long g = 0; g < sb.groupCount(); g++) {
            freeBlocks += field16(desc(g), 0x0C, 0x2C);
            freeInodes += field16(desc(g), 0x0E, 0x2E);
        }
        byte[] raw = editor.rawSuperblock();
        ByteBuffer s = le(raw);
        s.putInt(0x0C, (int) freeBlocks);
        if (sb.hasIncompat(Ext4Superblock.INCOMPAT_64BIT)) {
            s.putInt(0x158, (int) (freeBlocks >>> 32));
        }
        s.putInt(0x10, (int) freeInodes);
        s.putInt(0x30, now);
        if (metadataCsum) {
            s.putInt(0x3FC, Crc32c.update(~0, raw, 0, 0x3FC));
        }
        device.writeBytes(Ext4Superblock.OFFSET, raw);
    }

    private long checksumMask() {
        return sb.descSize() >= 64 ? 0xFFFF_FFFFL : 0xFFFFL;
    }

    private ByteBuffer desc(long group) {
        return Ext4GroupDescriptors.view(gdt, sb.descSize(), group);
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
