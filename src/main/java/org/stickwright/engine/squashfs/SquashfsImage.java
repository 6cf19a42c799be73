/*
 * Reads a squashfs 4.0 image: its inode table (inodes in metadata blocks), directory table
 * (listings in metadata blocks), id table (uids/gids) and fragment table, and the data blocks
 * of regular files. A directory listing is a run of headers
 *
 *   u32 count-1, u32 inode metadata block (from the inode table start), u32 base inode number
 *
 * each followed by count entries
 *
 *   u16 offset of the inode in that block, s16 inode number delta, u16 type, u16 name length-1,
 *   name bytes
 *
 * and the listing's length is the directory inode's file_size minus 3 (for "." and "..").
 * Every directory inode visited is remembered, so a listing pointing back at an ancestor
 * raises SquashfsFormatException instead of recursing forever. Files stream out block by block
 * (openFile) and extended inodes name an entry of the xattr id table (xattrs), so a tree can be
 * copied into a new image without holding a multi-GiB rootfs.img in memory.
 */
package org.stickwright.engine.squashfs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.stickwright.engine.io.BlockDevice;

/** An opened squashfs image. */
public final class SquashfsImage {
    /** Entries one directory may list before we call the listing corrupt. */
    static final int MAX_DIRECTORY_ENTRIES = 1 << 17;
    /** Nodes a full walk may visit. */
    static final int MAX_NODES = 1 << 22;
    static final long NO_FRAGMENT = 0xFFFFFFFFL;

    private final BlockDevice device;
    private final SquashfsSuperblock superblock;
    private final Decompressor decompressor;
    private final MetadataReader metadata;
    private final long[] ids;

    private SquashfsImage(BlockDevice device, SquashfsSuperblock superblock) throws IOException {
        this.device = device;
        this.superblock = superblock;
        this.decompressor = new Decompressor(superblock.compression());
        this.metadata = new MetadataReader(device, decompressor, superblock.bytesUsed());
        this.ids = readIds();
    }

    /** Opens the squashfs that starts at byte 0 of {@code device}. */
    public static SquashfsImage open(BlockDevice device) throws IOException {
        if (device.size() < SquashfsSuperblock.SIZE) {
            throw new SquashfsFormatException("superblock", 0, "device of " + device.size() + " bytes is too small");
        }
        SquashfsSuperblock sb = SquashfsSuperblock.parse(device.readBytes(0, SquashfsSuperblock.SIZE), 0,
                device.size());
        return new SquashfsImage(device, sb);
    }

    public SquashfsSuperblock superblock() {
        return superblock;
    }

    private long[] readIds() throws IOException {
        int count = superblock.idCount();
        if (count == 0) {
            throw new SquashfsFormatException("id table", superblock.idTableStart(), "has no ids");
        }
        int blocks = (count * 4 + MetadataReader.BLOCK_SIZE - 1) / MetadataReader.BLOCK_SIZE;
        long lookup = superblock.idTableStart();
        if (lookup < 0 || lookup + blocks * 8L > superblock.bytesUsed()) {
            throw new SquashfsFormatException("id table", lookup, "lookup table overruns the image");
        }
        byte[] pointers = device.readBytes(lookup, blocks * 8);
        long[] result = new long[count];
        int done = 0;
        for (int i = 0; i < blocks; i++) {
            long position = le64(pointers, i * 8);
            MetadataReader.Cursor cursor = metadata.cursor(position, 0);
            int n = Math.min(count - done, MetadataReader.BLOCK_SIZE / 4);
            for (int k = 0; k < n; k++) {
                result[done++] = cursor.u32();
            }
        }
        return result;
    }

    private static long le64(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xff);
        }
        return v;
    }

    /** The root directory. */
    public SquashfsEntry root() throws IOException {
        SquashfsEntry root = readInode(superblock.rootInodeBlock(), superblock.rootInodeOffset(), "/", "");
        if (!root.isDirectory()) {
            // Found by fuzzing: a superblock whose root reference lands on a file's inode.
            throw new SquashfsFormatException("superblock", 32, "the root inode reference points at a "
                    + root.type() + ", not a directory");
        }
        return root;
    }

    private long id(int index, long inodePosition) throws SquashfsFormatException {
        if (index >= ids.length) {
            throw new SquashfsFormatException("inode", inodePosition, "id index " + index + " exceeds the id table's "
                    + ids.length);
        }
        return ids[index];
    }

    private SquashfsEntry readInode(long block, int offset, String path, String name) throws IOException {
        long position = superblock.inodeTableStart() + block;
        if (position >= superblock.directoryTableStart()) {
            throw new SquashfsFormatException("inode reference", position, "points past the inode table");
        }
        MetadataReader.Cursor c = metadata.cursor(position, offset);
        int type = c.u16();
        int permissions = c.u16() & 07777;
        long uid = id(c.u16(), position);
        long gid = id(c.u16(), position);
        long mtime = c.u32();
        long inodeNumber = c.u32();
        SquashfsEntry.Type kind;
        long xattr = SquashfsEntry.NO_XATTRS;
        long size = 0;
        String target = null;
        long deviceNumber = 0;
        SquashfsEntry.FileLayout layout = null;
        long links = 1;
        switch (type) {
            case 1 -> { // basic directory
                long dirBlock = c.u32();
                links = c.u32();
                size = c.u16();
                int dirOffset = c.u16();
                c.u32(); // parent inode
                kind = SquashfsEntry.Type.DIRECTORY;
                layout = new SquashfsEntry.FileLayout(0, List.of(), NO_FRAGMENT, 0, dirBlock, dirOffset);
            }
            case 8 -> { // extended directory
                links = c.u32();
                size = c.u32();
                long dirBlock = c.u32();
                c.u32(); // parent inode
                c.u16(); // index count (lookup aids we do not need)
                int dirOffset = c.u16();
                xattr = c.u32();
                kind = SquashfsEntry.Type.DIRECTORY;
                layout = new SquashfsEntry.FileLayout(0, List.of(), NO_FRAGMENT, 0, dirBlock, dirOffset);
            }
            case 2, 9 -> {
                long start;
                long fragment;
                long fragmentOffset;
                if (type == 2) {
                    start = c.u32();
                    fragment = c.u32();
                    fragmentOffset = c.u32();
                    size = c.u32();
                } else {
                    start = c.u64();
                    size = c.u64();
                    c.u64(); // sparse bytes
                    links = c.u32();
                    fragment = c.u32();
                    fragmentOffset = c.u32();
                    xattr = c.u32();
                }
                if (size < 0 || size > superblock.bytesUsed() * 64L * 1024 + (1L << 40)) {
                    throw new SquashfsFormatException("file inode", position, "absurd file size " + size);
                }
                long blockCount = fragment == NO_FRAGMENT ? (size + superblock.blockSize() - 1) / superblock.blockSize()
                        : size / superblock.blockSize();
                if (blockCount > superblock.bytesUsed()) {
                    throw new SquashfsFormatException("file inode", position, blockCount
                            + " data blocks cannot fit the image");
                }
                List<Long> sizes = new ArrayList<>((int) blockCount);
                for (long i = 0; i < blockCount; i++) {
                    sizes.add(c.u32());
                }
                kind = SquashfsEntry.Type.FILE;
                layout = new SquashfsEntry.FileLayout(start, sizes, fragment, fragmentOffset, 0, 0);
            }
            case 3, 10 -> {
                links = c.u32();
                long length = c.u32();
                if (length > 65536) {
                    throw new SquashfsFormatException("symlink inode", position, "target of " + length + " bytes");
                }
                target = new String(c.read((int) length), StandardCharsets.UTF_8);
                size = length;
                if (type == 10) {
                    xattr = c.u32();
                }
                kind = SquashfsEntry.Type.SYMLINK;
            }
            case 4, 5, 11, 12 -> {
                links = c.u32();
                deviceNumber = c.u32();
                if (type >= 11) {
                    xattr = c.u32();
                }
                kind = type == 4 || type == 11 ? SquashfsEntry.Type.BLOCK_DEVICE : SquashfsEntry.Type.CHAR_DEVICE;
            }
            case 6, 7, 13, 14 -> {
                links = c.u32();
                if (type >= 13) {
                    xattr = c.u32();
                }
                kind = type == 6 || type == 13 ? SquashfsEntry.Type.FIFO : SquashfsEntry.Type.SOCKET;
            }
            default -> throw new SquashfsFormatException("inode", position, "unknown inode type " + type);
        }
        return new SquashfsEntry(path, name, kind, permissions, uid, gid, mtime, inodeNumber, size, target,
                deviceNumber, layout, xattr, links);
    }

    /** The entries of a directory, in on-disk (sorted) order. */
    public List<SquashfsEntry> list(SquashfsEntry directory) throws IOException {
        if (!directory.isDirectory()) {
            throw new IllegalArgumentException(directory.path() + " is not a directory");
        }
        List<SquashfsEntry> entries = new ArrayList<>();
        long listing = directory.size() - 3;
        if (listing <= 0) {
            return entries;
        }
        long position = superblock.directoryTableStart() + directory.layout().directoryBlock();
        if (position >= superblock.bytesUsed()) {
            throw new SquashfsFormatException("directory listing", position, "lies outside the image");
        }
        MetadataReader.Cursor c = metadata.cursor(position, directory.layout().directoryOffset());
        String prefix = directory.path().endsWith("/") ? directory.path() : directory.path() + "/";
        long read = 0;
        while (read < listing) {
            if (listing - read < 12) {
                throw new SquashfsFormatException("directory header", c.blockPosition(), "truncated listing");
            }
            long count = c.u32() + 1;
            long inodeBlock = c.u32();
            c.u32(); // base inode number
            read += 12;
            if (count > 256 || entries.size() + count > MAX_DIRECTORY_ENTRIES) {
                throw new SquashfsFormatException("directory header", c.blockPosition(), "announces " + count
                        + " entries (at most 256 per header)");
            }
            for (long i = 0; i < count; i++) {
                if (listing - read < 8) {
                    throw new SquashfsFormatException("directory entry", c.blockPosition(), "truncated listing");
                }
                int offset = c.u16();
                c.u16(); // inode number delta
                c.u16(); // type (the inode says it again)
                int nameLength = c.u16() + 1;
                read += 8 + nameLength;
                if (read > listing) {
                    throw new SquashfsFormatException("directory entry", c.blockPosition(), "name of " + nameLength
                            + " bytes overruns the listing");
                }
                String name = new String(c.read(nameLength), StandardCharsets.UTF_8);
                if (name.contains("/") || name.equals(".") || name.equals("..") || name.isEmpty()) {
                    throw new SquashfsFormatException("directory entry", c.blockPosition(), "invalid name '" + name
                            + "'");
                }
                entries.add(readInode(inodeBlock, offset, prefix + name, name));
            }
        }
        return entries;
    }

    /** Most xattrs one entry may carry before we call the table corrupt. */
    static final int MAX_XATTRS_PER_ENTRY = 4096;

    /**
     * The extended attributes of an entry by full name ("security.selinux"): the inode's xattr
     * index selects a 16-byte entry of the xattr id table (u64 reference into the key/value
     * stream, u32 count, u32 size); each key is u16 type (0 user, 1 trusted, 2 security; +0x100
     * = value stored out of line), u16 name length, the name without its prefix, then u32 value
     * length and the value (or, out of line, u32 8 and a u64 reference to the value record).
     */
    public java.util.Map<String, byte[]> xattrs(SquashfsEntry entry) throws IOException {
        java.util.Map<String, byte[]> out = new java.util.TreeMap<>();
        if (entry.xattrIndex() == SquashfsEntry.NO_XATTRS) {
            return out;
        }
        long table = superblock.xattrIdTableStart();
        if (table == -1L || table < SquashfsSuperblock.SIZE || table + 16 > superblock.bytesUsed()) {
            throw new SquashfsFormatException("xattr id table", table, entry.path() + " names xattr id "
                    + entry.xattrIndex() + " but the image has no xattr table");
        }
        byte[] header = device.readBytes(table, 16);
        long keyValues = le64(header, 0);
        long ids = (header[8] & 0xffL) | (header[9] & 0xffL) << 8 | (header[10] & 0xffL) << 16
                | (header[11] & 0xffL) << 24;
        if (entry.xattrIndex() >= ids) {
            throw new SquashfsFormatException("xattr id table", table, "xattr id " + entry.xattrIndex() + " of "
                    + entry.path() + " exceeds the table's " + ids);
        }
        long pointerAt = table + 16 + (entry.xattrIndex() / 512) * 8;
        if (pointerAt + 8 > superblock.bytesUsed()) {
            throw new SquashfsFormatException("xattr id table", pointerAt, "lookup table overruns the image");
        }
        MetadataReader.Cursor id = metadata.cursor(le64(device.readBytes(pointerAt, 8), 0),
                (int) (entry.xattrIndex() % 512) * 16);
        long ref = id.u64();
        long count = id.u32();
        id.u32(); // total size
        if (count > MAX_XATTRS_PER_ENTRY) {
            throw new SquashfsFormatException("xattr id", pointerAt, count + " xattrs on " + entry.path());
        }
        MetadataReader.Cursor c = metadata.cursor(keyValues + (ref >>> 16), (int) (ref & 0xffff));
        for (long i = 0; i < count; i++) {
            int type = c.u16();
            int nameLength = c.u16();
            String prefix = switch (type & 0xff) {
                case 0 -> "user.";
                case 1 -> "trusted.";
                case 2 -> "security.";
                default -> throw new SquashfsFormatException("xattr key", c.blockPosition(), "unknown type " + type);
            };
            String name = prefix + new String(c.read(nameLength), StandardCharsets.UTF_8);
            long valueLength = c.u32();
            byte[] value;
            if ((type & 0x100) != 0) {
                if (valueLength != 8) {
                    throw new SquashfsFormatException("xattr value", c.blockPosition(), "out-of-line reference of "
                            + valueLength + " bytes");
                }
                long valueRef = c.u64();
                MetadataReader.Cursor v = metadata.cursor(keyValues + (valueRef >>> 16), (int) (valueRef & 0xffff));
                long length = v.u32();
                if (length > 65536) {
                    throw new SquashfsFormatException("xattr value", v.blockPosition(), length + " bytes");
                }
                value = v.read((int) length);
            } else {
                if (valueLength > 65536) {
                    throw new SquashfsFormatException("xattr value", c.blockPosition(), valueLength + " bytes");
                }
                value = c.read((int) valueLength);
            }
            out.put(name, value);
        }
        return out;
    }

    /** Every node below the root (root excluded), each directory before its contents. */
    public List<SquashfsEntry> walk() throws IOException {
        List<SquashfsEntry> all = new ArrayList<>();
        Set<Long> visited = new HashSet<>();
        Deque<SquashfsEntry> stack = new ArrayDeque<>();
        SquashfsEntry root = root();
        visited.add(root.inodeNumber());
        stack.push(root);
        while (!stack.isEmpty()) {
            SquashfsEntry dir = stack.pop();
            List<SquashfsEntry> children = list(dir);
            List<SquashfsEntry> subdirs = new ArrayList<>();
            for (SquashfsEntry child : children) {
                all.add(child);
                if (all.size() > MAX_NODES) {
                    throw new SquashfsFormatException("directory table", superblock.directoryTableStart(),
                            "more than " + MAX_NODES + " nodes");
                }
                if (child.isDirectory()) {
                    if (!visited.add(child.inodeNumber())) {
                        throw new SquashfsFormatException("directory entry", superblock.directoryTableStart()
                                + child.layout().directoryBlock(), child.path() + " revisits directory inode "
                                + child.inodeNumber() + " (a cycle)");
                    }
                    subdirs.add(child);
                }
            }
            for (int i = subdirs.size() - 1; i >= 0; i--) {
                stack.push(subdirs.get(i));
            }
        }
        return all;
    }

    /** The node at {@code path}, following no symlinks. */
    public Optional<SquashfsEntry> find(String path) throws IOException {
        SquashfsEntry current = root();
        int depth = 0;
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (!current.isDirectory() || ++depth > 4096) {
                return Optional.empty();
            }
            SquashfsEntry next = null;
            for (SquashfsEntry child : list(current)) {
                if (child.name().equals(part)) {
                    next = child;
                    break;
                }
            }
            if (next == null) {
                return Optional.empty();
            }
            current = next;
        }
        return Optional.of(current);
    }

    /** Reads a regular file of at most {@code maxBytes} bytes (e.g. /etc/os-release). */
    public byte[] readFile(SquashfsEntry file, long maxBytes) throws IOException {
        if (!file.isFile()) {
            throw new IllegalArgumentException(file.path() + " is not a regular file");
        }
        if (file.size() > maxBytes || file.size() > Integer.MAX_VALUE - 16) {
            throw new IOException(file.path() + " has " + file.size() + " bytes, more than the " + maxBytes
                    + " allowed");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) file.size());
        SquashfsEntry.FileLayout layout = file.layout();
        long position = layout.blocksStart();
        int blockSize = superblock.blockSize();
        long remaining = file.size();
        for (long word : layout.blockSizes()) {
            int want = (int) Math.min(blockSize, remaining);
            int onDisk = (int) (word & 0x00FFFFFF);
            boolean uncompressed = (word & 0x01000000) != 0;
            if (onDisk == 0) {
                out.write(new byte[want], 0, want); // a hole
            } else {
                byte[] block = readData(position, onDisk, uncompressed, blockSize, "data block");
                if (block.length < want) {
                    throw new SquashfsFormatException("data block", position, "holds " + block.length
                            + " bytes, expected " + want);
                }
                out.write(block, 0, want);
                position += onDisk;
            }
            remaining -= want;
        }
        if (remaining > 0) {
            if (layout.fragmentIndex() == NO_FRAGMENT) {
                throw new SquashfsFormatException("file inode", layout.blocksStart(), file.path() + " lacks "
                        + remaining + " bytes and has no fragment");
            }
            byte[] fragment = fragment(layout.fragmentIndex());
            if (layout.fragmentOffset() + remaining > fragment.length) {
                throw new SquashfsFormatException("fragment", layout.fragmentIndex(), "tail of " + file.path()
                        + " overruns fragment of " + fragment.length + " bytes");
            }
            out.write(fragment, (int) layout.fragmentOffset(), (int) remaining);
        }
        return out.toByteArray();
    }

    /**
     * Streams a regular file of any size block by block (a nested rootfs.img of several GiB):
     * at most one decompressed block is held at a time.
     */
    public java.io.InputStream openFile(SquashfsEntry file) throws IOException {
        if (!file.isFile()) {
            throw new IllegalArgumentException(file.path() + " is not a regular file");
        }
        SquashfsEntry.FileLayout layout = file.layout();
        int blockSize = superblock.blockSize();
        long needed = layout.fragmentIndex() == NO_FRAGMENT ? file.size() : (long) layout.blockSizes().size()
                * blockSize;
        if (layout.blockSizes().size() * (long) blockSize < needed
                || (layout.fragmentIndex() != NO_FRAGMENT && file.size() - needed >= blockSize)) {
            throw new SquashfsFormatException("file inode", layout.blocksStart(), file.path() + " of " + file.size()
                    + " bytes does not match its " + layout.blockSizes().size() + " blocks");
        }
        return new java.io.InputStream() {
            private long position = layout.blocksStart();
            private int nextBlock;
            private long remaining = file.size();
            private byte[] current = new byte[0];
            private int at;
            private boolean tailDone;

            private boolean fill() throws IOException {
                while (at == current.length) {
                    if (remaining == 0) {
                        return false;
                    }
                    if (nextBlock < layout.blockSizes().size()) {
                        long word = layout.blockSizes().get(nextBlock++);
                        int want = (int) Math.min(blockSize, remaining);
                        int onDisk = (int) (word & 0x00FFFFFF);
                        if (onDisk == 0) {
                            current = new byte[want];
                        } else {
                            byte[] block = readData(position, onDisk, (word & 0x01000000) != 0, blockSize,
                                    "data block");
                            if (block.length < want) {
                                throw new SquashfsFormatException("data block", position, "holds " + block.length
                                        + " bytes, expected " + want);
                            }
                            current = block.length == want ? block : java.util.Arrays.copyOf(block, want);
                            position += onDisk;
                        }
                    } else if (!tailDone && layout.fragmentIndex() != NO_FRAGMENT) {
                        tailDone = true;
                        byte[] fragment = fragment(layout.fragmentIndex());
                        if (layout.fragmentOffset() + remaining > fragment.length) {
                            throw new SquashfsFormatException("fragment", layout.fragmentIndex(), "tail of "
                                    + file.path() + " overruns fragment of " + fragment.length + " bytes");
                        }
                        int from = (int) layout.fragmentOffset();
                        current = java.util.Arrays.copyOfRange(fragment, from, from + (int) remaining);
                    } else {
                        throw new SquashfsFormatException("file inode", layout.blocksStart(), file.path() + " lacks "
                                + remaining + " bytes");
                    }
                    at = 0;
                    remaining -= current.length;
                }
                return true;
            }

            @Override
            public int read() throws IOException {
                return fill() ? current[at++] & 0xff : -1;
            }

            @Override
            public int read(byte[] into, int offset, int length) throws IOException {
                if (length == 0) {
                    return 0;
                }
                if (!fill()) {
                    return -1;
                }
                int n = Math.min(length, current.length - at);
                System.arraycopy(current, at, into, offset, n);
                at += n;
                return n;
            }
        };
    }

    /**
     * Copies a regular file of any size to {@code out} from byte {@code outOffset} on, one data
     * block at a time (a multi-GiB LiveOS/rootfs.img never sits in memory); holes are skipped,
     * so they stay holes in a sparse output. Returns the file's size.
     */
    public long copyFile(SquashfsEntry file, BlockDevice out, long outOffset) throws IOException {
        if (!file.isFile()) {
            throw new IllegalArgumentException(file.path() + " is not a regular file");
        }
        SquashfsEntry.FileLayout layout = file.layout();
        long position = layout.blocksStart();
        int blockSize = superblock.blockSize();
        long remaining = file.size();
        long at = outOffset;
        for (long word : layout.blockSizes()) {
            if (remaining <= 0) {
                throw new SquashfsFormatException("file inode", layout.blocksStart(), file.path()
                        + " lists more blocks than its size needs");
            }
            int want = (int) Math.min(blockSize, remaining);
            int onDisk = (int) (word & 0x00FFFFFF);
            if (onDisk != 0) {
                byte[] block = readData(position, onDisk, (word & 0x01000000) != 0, blockSize, "data block");
                if (block.length < want) {
                    throw new SquashfsFormatException("data block", position, "holds " + block.length
                            + " bytes, expected " + want);
                }
                out.write(java.nio.ByteBuffer.wrap(block, 0, want), at);
                position += onDisk;
            }
            at += want;
            remaining -= want;
        }
        if (remaining > 0) {
            if (layout.fragmentIndex() == NO_FRAGMENT || remaining > blockSize) {
                throw new SquashfsFormatException("file inode", layout.blocksStart(), file.path() + " lacks "
                        + remaining + " bytes and has no fragment for them");
            }
            byte[] fragment = fragment(layout.fragmentIndex());
            if (layout.fragmentOffset() + remaining > fragment.length) {
                throw new SquashfsFormatException("fragment", layout.fragmentIndex(), "tail of " + file.path()
                        + " overruns fragment of " + fragment.length + " bytes");
            }
            out.write(java.nio.ByteBuffer.wrap(fragment, (int) layout.fragmentOffset(), (int) remaining), at);
        }
        return file.size();
    }

    private byte[] readData(long position, int onDisk, boolean uncompressed, int max, String structure)
            throws IOException {
        if (onDisk > max || position < 0 || position + onDisk > superblock.bytesUsed()) {
            throw new SquashfsFormatException(structure, position, "on-disk size " + onDisk
                    + " is invalid or overruns the image");
        }
        byte[] raw = device.readBytes(position, onDisk);
        return uncompressed ? raw : decompressor.decompress(raw, max, structure, position);
    }

    private byte[] fragment(long index) throws IOException {
        if (!superblock.hasFragmentTable() || index >= superblock.fragmentCount()) {
            throw new SquashfsFormatException("fragment table", superblock.fragmentTableStart(), "fragment " + index
                    + " does not exist (" + superblock.fragmentCount() + " fragments)");
        }
        long pointerAt = superblock.fragmentTableStart() + (index / 512) * 8;
        if (superblock.fragmentTableStart() < 0 || pointerAt + 8 > superblock.bytesUsed()) {
            throw new SquashfsFormatException("fragment table", pointerAt, "lookup table overruns the image");
        }
        long blockPosition = le64(device.readBytes(pointerAt, 8), 0);
        MetadataReader.Cursor c = metadata.cursor(blockPosition, (int) (index % 512) * 16);
        long start = c.u64();
        long word = c.u32();
        return readData(start, (int) (word & 0x00FFFFFF), (word & 0x01000000) != 0, superblock.blockSize(),
                "fragment block");
    }
}
