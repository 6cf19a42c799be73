package org.stickwright.engine.ext;

import static org.stickwright.engine.ext.Ext4GroupDescriptors.field16;
import static org.stickwright.engine.ext.Ext4GroupDescriptors.field32;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.stickwright.engine.io.BlockDevice;

/*
 * Reads an ext2/3/4 filesystem from a BlockDevice: superblock at byte 1024, group descriptor
 * table in the block after it (or spread over meta_bg groups), inodes in each group's inode
 * table, file data through extent trees (header magic 0xF30A, depth 0 = leaf extents, depth > 0
 * = index entries naming child blocks), classic block maps (12 direct, indirect, double, triple),
 * or inline data. Directories are read linearly, which also covers htree directories: their
 * index blocks disguise themselves as one empty dirent spanning the block.
 *
 * Every on-disk number is checked before use; a structure that is out of bounds, loops (an
 * extent block reached twice, a directory reached twice) or is absurdly large raises
 * Ext4FormatException naming it and its byte offset. Like the kernel at mount time, open()
 * verifies the superblock's and group descriptors' crc32c (metadata_csum); inode, directory
 * and extent block checksums are left to e2fsck.
 */
/** Read-only access to an ext4 filesystem: directories, files, symlinks, xattrs, usage. */
public final class Ext4Reader {
    /** More leaf extents than this in one file is treated as corruption (memory stays bounded). */
    static final int MAX_EXTENTS = 1_000_000;
    static final int MAX_EXTENT_DEPTH = 5;
    /** Directories larger than this are treated as corrupt (the kernel caps htree dirs at 2 GiB without large_dir). */
    static final long MAX_DIRECTORY_BYTES = 1L << 31;
    static final int MAX_XATTR_VALUE = 65536;
    static final int RO_COMPAT_METADATA_CSUM = 0x400;
    static final int RO_COMPAT_GDT_CSUM = 0x10;
    static final int BG_INODE_UNINIT = 0x1;
    static final int INCOMPAT_CSUM_SEED = 0x2000;
    /** Entries one listing may return; keeps a corrupt 2 GiB "directory" from exhausting memory. */
    static final int MAX_DIRECTORY_ENTRIES = 1_000_000;

    /** Called for every inode below the start of a {@link #walk}. */
    @FunctionalInterface
    public interface Visitor {
        void visit(String path, Ext4DirEntry entry, Ext4Inode inode) throws IOException;
    }

    private final BlockDevice device;
    private final Ext4Superblock sb;
    private final int blockSize;
    private final byte[] descriptors;
    private final long groups;

    private Ext4Reader(BlockDevice device, Ext4Superblock sb, byte[] descriptors) {
        this.device = device;
        this.sb = sb;
        this.blockSize = sb.blockSize();
        this.descriptors = descriptors;
        this.groups = sb.groupCount();
    }

    /**
     * Reads and checks the superblock and group descriptors, including their metadata_csum
     * checksums, as the kernel does before it mounts.
     */
    public static Ext4Reader open(BlockDevice device) throws IOException {
        return open(device, true);
    }

    /**
     * As {@link #open(BlockDevice)}; {@code verifyChecksums = false} skips the superblock and
     * descriptor checksums (forensics on a damaged stick, and fuzzing past the CRCs).
     */
    public static Ext4Reader open(BlockDevice device, boolean verifyChecksums) throws IOException {
        long size = device.size();
        if (size < Ext4Superblock.OFFSET + 1024) {
            throw new Ext4FormatException("superblock", Ext4Superblock.OFFSET, "device of " + size + " bytes is too small");
        }
        byte[] rawSuperblock = device.readBytes(Ext4Superblock.OFFSET, 1024);
        Ext4Superblock sb = Ext4Superblock.parse(rawSuperblock, size);
        boolean checksummed = verifyChecksums && sb.hasRoCompat(RO_COMPAT_METADATA_CSUM);
        ByteBuffer rawLe = ByteBuffer.wrap(rawSuperblock).order(ByteOrder.LITTLE_ENDIAN);
        if (checksummed && Crc32c.update(~0, rawSuperblock, 0, 0x3FC) != rawLe.getInt(0x3FC)) {
            throw new Ext4FormatException("superblock", Ext4Superblock.OFFSET + 0x3FC, "metadata_csum checksum mismatch");
        }
        long groups = sb.groupCount();
        long tableBytes = groups * sb.descSize();
        if (tableBytes > 64L << 20) {
            throw new Ext4FormatException("group descriptor table", (sb.firstDataBlock() + 1) * sb.blockSize(),
                    groups + " groups is absurd");
        }
        byte[] table = new byte[(int) tableBytes];
        int perBlock = sb.blockSize() / sb.descSize();
        long descBlocks = (groups + perBlock - 1) / perBlock;
        boolean metaBg = sb.hasIncompat(Ext4Superblock.INCOMPAT_META_BG);
        for (long i = 0; i < descBlocks; i++) {
            long block;
            if (metaBg && i >= sb.firstMetaBg()) {
                long group = i * perBlock;
                block = sb.firstDataBlock() + group * sb.blocksPerGroup() + (hasSuper(sb, group) ? 1 : 0);
            } else {
                block = sb.firstDataBlock() + 1 + i;
            }
            int length = (int) Math.min(sb.blockSize(), tableBytes - i * sb.blockSize());
            readFully(device, ByteBuffer.wrap(table, (int) (i * sb.blockSize()), length), block * sb.blockSize(),
                    "group descriptor block " + i);
        }
        if (checksummed) {
            int seed = sb.hasIncompat(INCOMPAT_CSUM_SEED) ? rawLe.getInt(0x270) : Crc32c.update(~0, rawSuperblock, 0x68, 16);
            for (long g = 0; g < groups; g++) {
                int at = (int) (g * sb.descSize());
                int crc = Crc32c.updateInt(seed, (int) g);
                crc = Crc32c.update(crc, table, at, 0x1E);
                crc = Crc32c.updateZeros(crc, 2);
                crc = Crc32c.update(crc, table, at + 0x20, sb.descSize() - 0x20);
                int stored = (table[at + 0x1E] & 0xFF) | (table[at + 0x1F] & 0xFF) << 8;
                if ((crc & 0xFFFF) != stored) {
                    throw new Ext4FormatException("group descriptor " + g, (sb.firstDataBlock() + 1) * sb.blockSize() + at,
                            "metadata_csum checksum mismatch");
                }
            }
        }
        return new Ext4Reader(device, sb, table);
    }

    private static boolean hasSuper(Ext4Superblock sb, long group) {
        return !sb.hasRoCompat(0x1) || Ext4Formatter.groupHasSuper(group);
    }

    private static void readFully(BlockDevice device, ByteBuffer into, long at, String structure) throws IOException {
        try {
            device.read(into, at);
        } catch (EOFException e) {
            throw new Ext4FormatException(structure, at, "lies beyond the end of the device");
        }
    }

    public Ext4Superblock superblock() {
        return sb;
    }

    public BlockDevice device() {
        return device;
    }

    // ------------------------------------------------------------------ groups and inodes

    private ByteBuffer descriptor(long group) {
        return Ext4GroupDescriptors.view(descriptors, sb.descSize(), group);
    }

    /** Free blocks and inodes summed over the group descriptors. */
    public Ext4Usage usage() {
        long freeBlocks = 0;
        long freeInodes = 0;
        for (long g = 0; g < groups; g++) {
            ByteBuffer d = descriptor(g);
            freeBlocks += field16(d, 0x0C, 0x2C);
            freeInodes += field16(d, 0x0E, 0x2E);
        }
        return new Ext4Usage(sb.blocksCount(), freeBlocks, sb.reservedBlocksCount(), sb.inodesCount(), freeInodes, blockSize);
    }

    public Ext4Inode root() throws IOException {
        return inode(2);
    }

    public Ext4Inode inode(long number) throws IOException {
        if (number < 1 || number > sb.inodesCount()) {
            throw new Ext4FormatException("inode " + number, -1, "number outside 1.." + sb.inodesCount());
        }
        long group = (number - 1) / sb.inodesPerGroup();
        long index = (number - 1) % sb.inodesPerGroup();
        ByteBuffer desc = descriptor(group);
        if (sb.hasRoCompat(RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM)) {
            // lazily initialised groups: inode tables past the used part may hold stale bytes
            boolean uninit = (desc.getShort(0x12) & BG_INODE_UNINIT) != 0;
            long unused = field16(desc, 0x1C, 0x32);
            if (uninit || index >= sb.inodesPerGroup() - unused) {
                throw new Ext4FormatException("inode " + number, (sb.firstDataBlock() + 1) * blockSize
                        + group * sb.descSize(), "lies in the uninitialised part of group " + group + "'s inode table");
            }
        }
        long table = field32(desc, 0x08, 0x28);
        long tableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + blockSize - 1) / blockSize;
        if (table < 1 || table + tableBlocks > sb.blocksCount()) {
            throw new Ext4FormatException("group descriptor " + group, (sb.firstDataBlock() + 1) * blockSize
                    + group * sb.descSize(), "inode table at block " + table + " lies outside the filesystem");
        }
        long at = table * blockSize + index * sb.inodeSize();
        byte[] raw = new byte[sb.inodeSize()];
        readFully(device, ByteBuffer.wrap(raw), at, "inode " + number);
        return new Ext4Inode(number, at, raw);
    }

    /** The inode at an absolute path; symlinks are not followed. */
    public Ext4Inode lookup(String path) throws IOException {
        Ext4Inode at = root();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            Ext4DirEntry found = null;
            for (Ext4DirEntry e : list(at)) {
                if (e.name().equals(part)) {
                    found = e;
                    break;
                }
            }
            if (found == null) {
                throw new NoSuchFileException(path, null, "no '" + part + "' in directory inode " + at.number());
            }
            at = inode(found.inode());
        }
        return at;
    }

    // ------------------------------------------------------------------ block mapping

    /** Logical to physical block mapping of one inode's data. */
    private interface BlockMap {
        /** The physical block of {@code logical}, or -1 for a hole; run[0] = blocks contiguous from there. */
        long map(long logical, long[] run) throws IOException;
    }

    private BlockMap blockMap(Ext4Inode inode) throws IOException {
        return inode.usesExtents() ? extentMap(inode) : new IndirectMap(inode);
    }

    private BlockMap extentMap(Ext4Inode inode) throws IOException {
        List<long[]> extents = new ArrayList<>();
        collectExtents(inode, inode.iBlock(), 0, 60, -1, new HashSet<>(), extents, inode.offset() + 0x28,
                "extent root of inode " + inode.number());
        long end = 0;
        for (long[] e : extents) {
            if (e[0] < end) {
                throw new Ext4FormatException("extent tree of inode " + inode.number(), inode.offset() + 0x28,
                        "extents overlap or are out of order at logical block " + e[0]);
            }
            end = e[0] + e[2];
        }
        long[] logical = new long[extents.size()];
        for (int i = 0; i < logical.length; i++) {
            logical[i] = extents.get(i)[0];
        }
        return (l, run) -> {
            int lo = 0;
            int hi = logical.length - 1;
            int found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (logical[mid] <= l) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            if (found >= 0) {
                long[] e = extents.get(found);
                if (l < e[0] + e[2]) {
                    run[0] = e[0] + e[2] - l;
                    return e[3] != 0 ? -1 : e[1] + (l - e[0]);
                }
            }
            run[0] = found + 1 < logical.length ? logical[found + 1] - l : Long.MAX_VALUE;
            return -1;
        };
    }

    /** Walks an extent (sub)tree; each extent becomes {logical, physical, length, uninitialized}. */
    private void collectExtents(Ext4Inode inode, byte[] node, int offset, int room, int expectedDepth, Set<Long> seen,
            List<long[]> out, long at, String structure) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(node, offset, room).slice().order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getShort(0) & 0xFFFF) != 0xF30A) {
            throw new Ext4FormatException(structure, at, String.format("extent magic 0x%04X is not 0xF30A", b.getShort(0) & 0xFFFF));
        }
        int entries = b.getShort(2) & 0xFFFF;
        int max = b.getShort(4) & 0xFFFF;
        int depth = b.getShort(6) & 0xFFFF;
        if (entries > max || 12 + 12 * max > room) {
            throw new Ext4FormatException(structure, at, entries + " entries / max " + max + " do not fit " + room + " bytes");
        }
        if (depth > MAX_EXTENT_DEPTH || (expectedDepth >= 0 && depth != expectedDepth)) {
            throw new Ext4FormatException(structure, at, "depth " + depth + " where " + (expectedDepth >= 0 ? expectedDepth
                    : "at most " + MAX_EXTENT_DEPTH) + " was expected");
        }
        for (int i = 0; i < entries; i++) {
            int e = 12 + 12 * i;
            long logical = b.getInt(e) & 0xFFFF_FFFFL;
            if (depth == 0) {
                int length = b.getShort(e + 4) & 0xFFFF;
                boolean uninit = length > 32768;
                if (uninit) {
                    length -= 32768;
                }
                long physical = (long) (b.getShort(e + 6) & 0xFFFF) << 32 | (b.getInt(e + 8) & 0xFFFF_FFFFL);
                if (length == 0 || physical < sb.firstDataBlock() || physical + length > sb.blocksCount()) {
                    throw new Ext4FormatException(structure, at + e, "extent of " + length + " blocks at " + physical
                            + " lies outside the filesystem");
                }
                if (out.size() >= MAX_EXTENTS) {
                    throw new Ext4FormatException(structure, at + e, "more than " + MAX_EXTENTS + " extents");
                }
                out.add(new long[] {logical, physical, length, uninit ? 1 : 0});
            } else {
                long child = (b.getInt(e + 4) & 0xFFFF_FFFFL) | (long) (b.getShort(e + 8) & 0xFFFF) << 32;
                if (child < sb.firstDataBlock() || child >= sb.blocksCount()) {
                    throw new Ext4FormatException(structure, at + e, "index names block " + child + " outside the filesystem");
                }
                if (!seen.add(child)) {
                    throw new Ext4FormatException(structure, at + e, "extent block " + child + " reached twice (cycle)");
                }
                byte[] block = new byte[blockSize];
                readFully(device, ByteBuffer.wrap(block), child * blockSize, "extent block of inode " + inode.number());
                collectExtents(inode, block, 0, blockSize, depth - 1, seen, out, child * blockSize,
                        "extent block of inode " + inode.number());
            }
        }
    }

    /** ext2/3 block map: 12 direct pointers, then single, double and triple indirect blocks. */
    private final class IndirectMap implements BlockMap {
        private final Ext4Inode inode;
        private final ByteBuffer iBlock;
        private final long perBlock = blockSize / 4;
        private long cachedBlock = -1;
        private ByteBuffer cached;

        IndirectMap(Ext4Inode inode) {
            this.inode = inode;
            this.iBlock = ByteBuffer.wrap(inode.iBlock()).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public long map(long logical, long[] run) throws IOException {
            run[0] = 1;
            if (logical < 12) {
                return check(iBlock.getInt((int) logical * 4) & 0xFFFF_FFFFL);
            }
            long l = logical - 12;
            long span = perBlock;
            for (int levels = 1; levels <= 3; levels++) {
                if (l < span) {
                    long block = check(iBlock.getInt((11 + levels) * 4) & 0xFFFF_FFFFL);
                    for (long divisor = span / perBlock; block >= 0 && divisor >= 1; divisor /= perBlock) {
                        block = check(pointer(block, (l / divisor) % perBlock));
                    }
                    return block;
                }
                l -= span;
                span *= perBlock;
            }
            return -1;
        }

        private long check(long block) throws Ext4FormatException {
            if (block == 0) {
                return -1;
            }
            if (block >= sb.blocksCount()) {
                throw new Ext4FormatException("block map of inode " + inode.number(), inode.offset() + 0x28,
                        "names block " + block + " outside the filesystem");
            }
            return block;
        }

        private long pointer(long block, long index) throws IOException {
            if (block != cachedBlock) {
                byte[] data = new byte[blockSize];
                readFully(device, ByteBuffer.wrap(data), block * blockSize, "indirect block of inode " + inode.number());
                cached = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                cachedBlock = block;
            }
            return cached.getInt((int) index * 4) & 0xFFFF_FFFFL;
        }
    }

    // ------------------------------------------------------------------ file contents

    /** A stream over the file's bytes (holes and unwritten extents read as zeros). */
    public InputStream openStream(Ext4Inode inode) throws IOException {
        if (inode.hasInlineData()) {
            return new java.io.ByteArrayInputStream(inlineData(inode));
        }
        BlockMap map = blockMap(inode);
        long size = inode.size();
        return new InputStream() {
            private long position;
            private final long[] run = new long[1];

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] into, int offset, int length) throws IOException {
                if (position >= size) {
                    return -1;
                }
                long logical = position / blockSize;
                int within = (int) (position % blockSize);
                long physical = map.map(logical, run);
                long contiguous = Math.min(run[0], (1 << 20) / blockSize + 1) * blockSize - within;
                int n = (int) Math.min(Math.min(length, size - position), Math.min(contiguous, 1 << 20));
                if (physical < 0) {
                    java.util.Arrays.fill(into, offset, offset + n, (byte) 0);
                } else {
                    readFully(device, ByteBuffer.wrap(into, offset, n), physical * blockSize + within,
                            "data of inode " + inode.number());
                }
                position += n;
                return n;
            }
        };
    }

    /** The whole file; refuses files larger than {@code maxBytes}. */
    public byte[] readAll(Ext4Inode inode, int maxBytes) throws IOException {
        if (inode.size() > maxBytes) {
            throw new IOException("inode " + inode.number() + " holds " + inode.size() + " bytes, more than " + maxBytes);
        }
        try (InputStream in = openStream(inode)) {
            return in.readAllBytes();
        }
    }

    private byte[] inlineData(Ext4Inode inode) throws IOException {
        byte[] head = inode.iBlock();
        byte[] rest = xattrs(inode).getOrDefault("system.data", new byte[0]);
        long size = inode.size();
        if (size > head.length + rest.length) {
            throw new Ext4FormatException("inline data of inode " + inode.number(), inode.offset() + 0x28,
                    "size " + size + " exceeds the " + (head.length + rest.length) + " bytes stored inline");
        }
        byte[] all = new byte[(int) size];
        System.arraycopy(head, 0, all, 0, (int) Math.min(size, head.length));
        if (size > head.length) {
            System.arraycopy(rest, 0, all, head.length, (int) size - head.length);
        }
        return all;
    }

    public String readSymlink(Ext4Inode inode) throws IOException {
        if (!inode.isSymlink()) {
            throw new IOException("inode " + inode.number() + " is not a symlink");
        }
        long size = inode.size();
        if (size >= blockSize || size > 4096) {
            throw new Ext4FormatException("symlink inode " + inode.number(), inode.offset(), "target of " + size + " bytes");
        }
        byte[] target;
        if (inode.hasInlineData()) {
            target = inlineData(inode);
        } else if (size < 60 && !inode.usesExtents()) {
            target = java.util.Arrays.copyOf(inode.iBlock(), (int) size);
        } else {
            target = readAll(inode, blockSize);
        }
        return new String(target, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ directories

    /** The names in a directory, without "." and "..". */
    public List<Ext4DirEntry> list(Ext4Inode dir) throws IOException {
        if (!dir.isDirectory()) {
            throw new IOException("inode " + dir.number() + " is not a directory");
        }
        List<Ext4DirEntry> out = new ArrayList<>();
        String structure = "directory block of inode " + dir.number();
        if (dir.hasInlineData()) {
            byte[] head = dir.iBlock();
            ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            long parent = b.getInt(0) & 0xFFFF_FFFFL;
            checkInodeNumber(parent, structure, dir.offset() + 0x28);
            parseEntries(head, 4, 56, out, structure, dir.offset() + 0x2C);
            byte[] rest = xattrs(dir).get("system.data");
            if (rest != null && rest.length > 0) {
                parseEntries(rest, 0, rest.length, out, "inline directory data of inode " + dir.number(), dir.offset());
            }
            return out;
        }
        long size = dir.size();
        if (size % blockSize != 0 || size > MAX_DIRECTORY_BYTES || size > sb.blocksCount() * blockSize) {
            throw new Ext4FormatException(structure, dir.offset(), "directory size " + size + " is not a sane multiple of "
                    + blockSize);
        }
        BlockMap map = blockMap(dir);
        long[] run = new long[1];
        byte[] block = new byte[blockSize];
        for (long logical = 0; logical < size / blockSize; logical++) {
            long physical = map.map(logical, run);
            if (physical < 0) {
                throw new Ext4FormatException(structure, dir.offset(), "hole at logical block " + logical);
            }
            readFully(device, ByteBuffer.wrap(block), physical * blockSize, structure);
            parseEntries(block, 0, blockSize, out, structure, physical * blockSize);
        }
        return out;
    }

    private void parseEntries(byte[] data, int offset, int length, List<Ext4DirEntry> out, String structure, long at)
            throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        boolean fileType = sb.hasIncompat(0x2);
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            if (pos + 8 > end) {
                throw new Ext4FormatException(structure, at + pos - offset, "entry header runs past the block");
            }
            long ino = b.getInt(pos) & 0xFFFF_FFFFL;
            int recLen = b.getShort(pos + 4) & 0xFFFF;
            if (blockSize >= 65536 && (recLen == 65535 || recLen == 0)) {
                recLen = 65536;
            }
            int nameLen = fileType ? b.get(pos + 6) & 0xFF : b.getShort(pos + 6) & 0xFFFF;
            int type = fileType ? b.get(pos + 7) & 0xFF : 0;
            if (recLen < 8 || recLen % 4 != 0 || pos + recLen > end || 8 + nameLen > recLen) {
                throw new Ext4FormatException(structure, at + pos - offset, "record length " + recLen + " / name length "
                        + nameLen + " do not fit");
            }
            if (ino != 0) {
                checkInodeNumber(ino, structure, at + pos - offset);
                String name = new String(data, pos + 8, nameLen, StandardCharsets.UTF_8);
                if (nameLen == 0) {
                    throw new Ext4FormatException(structure, at + pos - offset, "empty name for inode " + ino);
                }
                if (!name.equals(".") && !name.equals("..")) {
                    if (out.size() >= MAX_DIRECTORY_ENTRIES) {
                        throw new Ext4FormatException(structure, at + pos - offset, "more than " + MAX_DIRECTORY_ENTRIES
                                + " entries");
                    }
                    out.add(new Ext4DirEntry(name, ino, type));
                }
            }
            pos += recLen;
        }
    }

    private void checkInodeNumber(long ino, String structure, long at) throws Ext4FormatException {
        if (ino < 1 || ino > sb.inodesCount()) {
            throw new Ext4FormatException(structure, at, "names inode " + ino + " outside 1.." + sb.inodesCount());
        }
    }

    /**
     * Visits every entry below {@code dir} depth first, paths prefixed with {@code path}. A
     * directory met twice (a cycle, or a hard-linked directory) is corruption. Iterative, so a
     * corrupt chain of a million nested directories cannot overflow the stack.
     */
    public void walk(Ext4Inode dir, String path, Visitor visitor) throws IOException {
        record Frame(String prefix, java.util.Iterator<Ext4DirEntry> entries) {
        }
        Set<Long> seen = new HashSet<>(List.of(dir.number()));
        java.util.ArrayDeque<Frame> stack = new java.util.ArrayDeque<>();
        stack.push(new Frame(path.endsWith("/") ? path : path + "/", list(dir).iterator()));
        while (!stack.isEmpty()) {
            Frame frame = stack.peek();
            if (!frame.entries.hasNext()) {
                stack.pop();
                continue;
            }
            Ext4DirEntry e = frame.entries.next();
            Ext4Inode inode = inode(e.inode());
            String childPath = frame.prefix + e.name();
            visitor.visit(childPath, e, inode);
            if (inode.isDirectory()) {
                if (!seen.add(inode.number())) {
                    throw new Ext4FormatException("directory inode " + inode.number(), inode.offset(),
                            "reached twice (directory cycle) at " + childPath);
                }
                stack.push(new Frame(childPath + "/", list(inode).iterator()));
            }
        }
    }

    // ------------------------------------------------------------------ extended attributes

    /** All extended attributes, in-inode first then the xattr block, by full name ("user.x"). */
    public Map<String, byte[]> xattrs(Ext4Inode inode) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        byte[] raw = inode.raw();
        int start = 128 + inode.extraIsize();
        if (raw.length > 128 && start + 4 <= raw.length
                && ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt(start) == 0xEA020000) {
            parseXattrs(raw, start + 4, start + 4, raw.length, out, "in-inode xattrs of inode " + inode.number(),
                    inode.offset() + start);
        }
        long block = inode.xattrBlock();
        if (block != 0) {
            String structure = "xattr block of inode " + inode.number();
            if (block >= sb.blocksCount()) {
                throw new Ext4FormatException(structure, inode.offset() + 0x68, "block " + block + " outside the filesystem");
            }
            byte[] data = new byte[blockSize];
            readFully(device, ByteBuffer.wrap(data), block * blockSize, structure);
            ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt(0) != 0xEA020000 || b.getInt(8) != 1) {
                throw new Ext4FormatException(structure, block * blockSize, "bad magic or block count");
            }
            parseXattrs(data, 32, 0, blockSize, out, structure, block * blockSize);
        }
        return out;
    }

    private void parseXattrs(byte[] data, int first, int valueBase, int end, Map<String, byte[]> out, String structure,
            long at) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int pos = first;
        while (true) {
            if (pos + 4 > end) {
                throw new Ext4FormatException(structure, at + pos - first, "entry list not terminated");
            }
            if (b.getInt(pos) == 0) {
                return;
            }
            if (pos + 16 > end) {
                throw new Ext4FormatException(structure, at + pos - first, "entry header runs past the end");
            }
            int nameLen = data[pos] & 0xFF;
            int index = data[pos + 1] & 0xFF;
            int valueOffs = b.getShort(pos + 2) & 0xFFFF;
            long valueInum = b.getInt(pos + 4) & 0xFFFF_FFFFL;
            long valueSize = b.getInt(pos + 8) & 0xFFFF_FFFFL;
            if (pos + 16 + nameLen > end || nameLen == 0) {
                throw new Ext4FormatException(structure, at + pos - first, "name of " + nameLen + " bytes does not fit");
            }
            String name = prefix(index) + new String(data, pos + 16, nameLen, StandardCharsets.UTF_8);
            if (valueSize > MAX_XATTR_VALUE) {
                throw new Ext4FormatException(structure, at + pos - first, "value of " + valueSize + " bytes");
            }
            byte[] value;
            if (valueInum != 0) {
                Ext4Inode holder = inode(valueInum);
                if (holder.hasInlineData()) {
                    // an EA inode keeps its value in data blocks; inline data would recurse into xattrs
                    throw new Ext4FormatException(structure, at + pos - first, "value inode " + valueInum + " has inline data");
                }
                byte[] all = readAll(holder, MAX_XATTR_VALUE);
                if (all.length < valueSize) {
                    throw new Ext4FormatException(structure, at + pos - first, "value inode " + valueInum + " is short");
                }
                value = java.util.Arrays.copyOf(all, (int) valueSize);
            } else {
                if (valueBase + valueOffs + valueSize > end) {
                    throw new Ext4FormatException(structure, at + pos - first, "value at " + valueOffs + " of " + valueSize
                            + " bytes runs past the end");
                }
                value = java.util.Arrays.copyOfRange(data, valueBase + valueOffs, (int) (valueBase + valueOffs + valueSize));
            }
            out.put(name, value);
            pos += (16 + nameLen + 3) & ~3;
        }
    }

    private static String prefix(int index) {
        return switch (index) {
            case 1 -> "user.";
            case 2 -> "system.posix_acl_access";
            case 3 -> "system.posix_acl_default";
            case 4 -> "trusted.";
            case 6 -> "security.";
            case 7 -> "system.";
            case 8 -> "system.richacl";
            default -> "unknown" + index + ".";
        };
    }
}
