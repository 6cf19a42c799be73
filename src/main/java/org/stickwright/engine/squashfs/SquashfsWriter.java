/*
 * Writes a squashfs 4.0 image from a stream of entries. The image is laid out as mksquashfs
 * lays it out, in the order the kernel's sanity checks demand:
 *
 *   0     superblock (96 bytes, written last)
 *   96    data: each file's full blocks back to back, fragment blocks (the tails of files
 *         packed together) wherever one fills up
 *         inode table        metadata stream, children before their directory, root last
 *         directory table    metadata stream of listings
 *         fragment table     metadata blocks of 16-byte entries, then one u64 per block
 *         id table           metadata blocks of u32 uids/gids, then one u64 per block
 *         xattr key/values   metadata stream          (only when some entry has xattrs)
 *         xattr ids          metadata blocks of 16-byte entries
 *         xattr id table     u64 key/value start, u32 count, u32 0, one u64 per id block,
 *                            ending exactly at bytes_used (the kernel checks that)
 *   padding to a multiple of 4096 (bytes_used does not count it)
 *
 * File data streams straight to the output: each full block is compressed on a pool of
 * threads and written in order as soon as it and every block before it are done, so at most
 * a few blocks per thread are held in memory whatever the file size. A full block of zeros is
 * written as a hole (size word 0) and costs no bytes. Only the tree's metadata (one small
 * object per entry plus each file's block size words) stays in memory until close(), when the
 * tables are built: a directory's listing must name its children's inode positions and its
 * own inode must name the listing's position, so inodes are emitted bottom-up.
 *
 * A hard link is a second directory entry naming an inode already added; the inode is written
 * once, where its first name in listing order is, and carries the count of its names (a file
 * with more than one takes the extended inode, the basic one has no link count).
 *
 * Entries may come in any order. A directory may be declared after its children (it exists
 * as an undeclared placeholder meanwhile); every directory but the root must be declared by
 * close(). The root defaults to mode 0755, owner 0:0, the image's mtime.
 */
package org.stickwright.engine.squashfs;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.stickwright.engine.io.BlockDevice;

/**
 * Builds a squashfs 4.0 image (gzip or xz) entry by entry; {@link #close()} writes the tables and
 * the superblock. Not thread-safe: one thread feeds it (it compresses on its own pool).
 */
public final class SquashfsWriter implements SquashfsTreeSink {
    /** Longest name a directory entry holds (the kernel refuses longer ones). */
    public static final int MAX_NAME_BYTES = 256;
    /** Longest symlink target the kernel accepts (one page). */
    public static final int MAX_SYMLINK_BYTES = 4095;
    /** Largest xattr value Linux allows. */
    public static final int MAX_XATTR_VALUE_BYTES = 65536;
    static final int MAX_DEPTH = 2048;
    static final long NO_FRAGMENT = 0xFFFFFFFFL;
    static final long NO_XATTR = 0xFFFFFFFFL;
    static final int FLAG_NO_XATTRS = 0x0200;
    private static final int WRITE_BUFFER = 1 << 20;
    private static final int PAD = 4096;

    /**
     * How to build the image.
     *
     * @param compression      {@code GZIP} or {@code XZ}
     * @param blockSize        data block size, a power of two from 4 KiB to 1 MiB (128 KiB by default)
     * @param modificationTime the superblock's mkfs time, seconds since the epoch
     * @param threads          threads compressing data blocks (1 = compress on the caller's thread)
     * @param level            gzip level 1-9 or xz preset 0-9; -1 = mksquashfs's default (9, 6)
     */
    public record Options(SquashfsSuperblock.Compression compression, int blockSize, long modificationTime,
            int threads, int level) {
        public Options {
            if (compression != SquashfsSuperblock.Compression.GZIP && compression != SquashfsSuperblock.Compression.XZ) {
                throw new IllegalArgumentException("the squashfs writer compresses with gzip or xz, not " + compression);
            }
            if (blockSize < 4096 || blockSize > (1 << 20) || Integer.bitCount(blockSize) != 1) {
                throw new IllegalArgumentException("block size " + blockSize + " is not a power of two in 4K..1M");
            }
            if (modificationTime < 0 || modificationTime > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("mtime " + modificationTime + " does not fit 32 bits");
            }
            if (threads < 1 || threads > 256) {
                throw new IllegalArgumentException("threads " + threads + " is not 1..256");
            }
        }

        /** gzip, 128 KiB blocks, mtime 0, one thread per processor, default level. */
        public static Options defaults() {
            return new Options(SquashfsSuperblock.Compression.GZIP, 128 * 1024, 0,
                    Math.max(1, Runtime.getRuntime().availableProcessors()), -1);
        }

        public Options withCompression(SquashfsSuperblock.Compression value) {
            return new Options(value, blockSize, modificationTime, threads, -1);
        }

        public Options withBlockSize(int value) {
            return new Options(compression, value, modificationTime, threads, level);
        }

        public Options withModificationTime(long value) {
            return new Options(compression, blockSize, value, threads, level);
        }

        public Options withThreads(int value) {
            return new Options(compression, blockSize, modificationTime, value, level);
        }

        public Options withLevel(int value) {
            return new Options(compression, blockSize, modificationTime, threads, value);
        }
    }

    /** A file's bytes, read by offset (a region of a device, a file inside another image). */
    @FunctionalInterface
    public interface ContentSource {
        /** Fills {@code into[at..at+length)} with the bytes at {@code offset}; throws if they are not there. */
        void read(long offset, byte[] into, int at, int length) throws IOException;

        /** The bytes of {@code device} from {@code start} on. */
        static ContentSource of(BlockDevice device, long start) {
            return (offset, into, at, length) -> device.read(ByteBuffer.wrap(into, at, length), start + offset);
        }
    }

    // ---------------------------------------------------------------- the tree kept until close()

    private abstract static class Node {
        final String path;
        final byte[] name;
        int permissions;
        int uidIndex;
        int gidIndex;
        long mtime;
        long xattr = NO_XATTR;
        int inodeNumber;
        long inodeRef;
        /** Names this inode has: 1, plus one per hard link to it (directories count their own way). */
        int links = 1;
        boolean emitted;

        Node(String path, byte[] name) {
            this.path = path;
            this.name = name;
        }

        /** The basic inode type: what a directory entry names. */
        abstract int basicType();
    }

    private static final class DirNode extends Node {
        final Map<String, Node> children = new HashMap<>();
        boolean declared;
        List<Node> sorted;

        DirNode(String path, byte[] name) {
            super(path, name);
        }

        @Override
        int basicType() {
            return 1;
        }
    }

    private static final class FileNode extends Node {
        final long length;
        long start = -1;
        final int[] words;
        long fragment = NO_FRAGMENT;
        int fragmentOffset;
        long sparse;

        FileNode(String path, byte[] name, long length, int blocks) {
            super(path, name);
            this.length = length;
            this.words = new int[blocks];
        }

        @Override
        int basicType() {
            return 2;
        }
    }

    private static final class SymlinkNode extends Node {
        final byte[] target;

        SymlinkNode(String path, byte[] name, byte[] target) {
            super(path, name);
            this.target = target;
        }

        @Override
        int basicType() {
            return 3;
        }
    }

    private static final class SpecialNode extends Node {
        final int type;
        final int rdev;

        SpecialNode(String path, byte[] name, int type, int rdev) {
            super(path, name);
            this.type = type;
            this.rdev = rdev;
        }

        @Override
        int basicType() {
            return type;
        }
    }

    /**
     * A second name for an inode added earlier: the listing names the target's inode (its
     * number, position and type) and the target's link count grows. Squashfs has no link
     * records of its own; two directory entries pointing at one inode is all a hard link is.
     */
    private static final class LinkNode extends Node {
        final Node target;

        LinkNode(String path, byte[] name, Node target) {
            super(path, name);
            this.target = target;
        }

        @Override
        int basicType() {
            return target.basicType();
        }
    }

    /** The node whose inode a directory entry names: itself, or a hard link's target. */
    private static Node inodeOf(Node node) {
        return node instanceof LinkNode link ? link.target : node;
    }

    /** A fragment block's table entry, filled in once the block is on disk. */
    private static final class FragmentEntry {
        long start;
        int word;
    }

    // ---------------------------------------------------------------- output

    /** Where the image's bytes go: a file we create, or a device we may not outgrow. */
    private interface Sink extends Closeable {
        void write(ByteBuffer bytes, long position) throws IOException;

        /** Bytes writable from 0 (Long.MAX_VALUE for a file). */
        long limit() throws IOException;

        void flush() throws IOException;
    }

    /** Called when a block reaches the disk: where it went and its size word (0 = a hole). */
    private interface Placement {
        void placed(long position, int word);
    }

    private record Pending(Future<BlockCompressor.Result> future, Placement placement) {
    }

    private final Options options;
    private final Sink sink;
    private final BlockCompressor compressor;
    private final ExecutorService pool;
    private final int maxInFlight;
    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    private final ByteBuffer writeBuffer = ByteBuffer.allocate(WRITE_BUFFER);
    private long writeBufferStart = SquashfsSuperblock.SIZE;

    private final DirNode root = new DirNode("/", new byte[0]);
    private final Map<Long, Integer> idIndex = new HashMap<>();
    private final List<Long> ids = new ArrayList<>();
    private final Map<ByteBuffer, Integer> xattrIndex = new HashMap<>();
    private final List<byte[]> xattrSets = new ArrayList<>();
    private final List<Integer> xattrCounts = new ArrayList<>();
    private final List<FragmentEntry> fragments = new ArrayList<>();
    private final byte[] fragmentBuffer;
    private int fragmentFill;
    private final byte[] zeros;

    private boolean closed;
    private boolean broken;
    private SquashfsSuperblock written;

    private SquashfsWriter(Sink sink, Options options) {
        this.options = options;
        this.sink = sink;
        this.compressor = new BlockCompressor(options.compression(), options.level(), options.blockSize());
        this.fragmentBuffer = new byte[options.blockSize()];
        this.zeros = new byte[options.blockSize()];
        this.maxInFlight = options.threads() * 2;
        this.pool = options.threads() == 1 ? null : Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "squashfs-compress");
            t.setDaemon(true);
            return t;
        });
        root.permissions = 0755;
        root.mtime = options.modificationTime();
    }

    /** Creates (or truncates) the image file {@code out}. */
    public static SquashfsWriter create(Path out, Options options) throws IOException {
        FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        return new SquashfsWriter(new Sink() {
            @Override
            public void write(ByteBuffer bytes, long position) throws IOException {
                while (bytes.hasRemaining()) {
                    position += channel.write(bytes, position);
                }
            }

            @Override
            public long limit() {
                return Long.MAX_VALUE;
            }

            @Override
            public void flush() throws IOException {
                channel.force(false);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        }, options);
    }

    /** Writes the image from byte 0 of {@code device} (not closed by the writer); fails if it outgrows it. */
    public static SquashfsWriter create(BlockDevice device, Options options) throws IOException {
        return new SquashfsWriter(new Sink() {
            @Override
            public void write(ByteBuffer bytes, long position) throws IOException {
                device.write(bytes, position);
            }

            @Override
            public long limit() throws IOException {
                return device.size();
            }

            @Override
            public void flush() throws IOException {
                device.flush();
            }

            @Override
            public void close() {
            }
        }, options);
    }

    /** The superblock written by {@link #close()} (bytes used, table positions), empty before. */
    public java.util.Optional<SquashfsSuperblock> superblock() {
        return java.util.Optional.ofNullable(written);
    }

    // ---------------------------------------------------------------- entries

    /** Adds (or, for "/", describes) a directory. */
    @Override
    public void directory(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs)
            throws IOException {
        checkOpen();
        if (path.equals("/")) {
            if (root.declared) {
                throw new SquashfsWriteException(path, "the root directory is declared twice");
            }
            describe(root, mode, uid, gid, mtime, xattrs);
            root.declared = true;
            return;
        }
        DirNode parent = parentOf(path);
        String name = lastName(path);
        Node existing = parent.children.get(name);
        if (existing instanceof DirNode dir && !dir.declared) {
            describe(dir, mode, uid, gid, mtime, xattrs);
            dir.declared = true;
            return;
        }
        if (existing != null) {
            throw duplicate(path);
        }
        DirNode dir = new DirNode(path, nameBytes(path, name));
        describe(dir, mode, uid, gid, mtime, xattrs);
        dir.declared = true;
        parent.children.put(name, dir);
    }

    /** Adds a regular file of {@code length} bytes; {@code content} is read front to back, block by block. */
    @Override
    public void file(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs, long length,
            ContentSource content) throws IOException {
        checkOpen();
        if (length < 0) {
            throw new SquashfsWriteException(path, "negative length " + length);
        }
        long fullBlocks = length / options.blockSize();
        if (fullBlocks > Integer.MAX_VALUE - 16) {
            throw new SquashfsWriteException(path, "length " + length + " is beyond what squashfs block lists hold");
        }
        DirNode parent = parentOf(path);
        String name = lastName(path);
        if (parent.children.containsKey(name)) {
            throw duplicate(path);
        }
        FileNode file = new FileNode(path, nameBytes(path, name), length, (int) fullBlocks);
        describe(file, mode, uid, gid, mtime, xattrs);
        parent.children.put(name, file);
        broken = true; // until the content is all in: a failure mid-file leaves the data area inconsistent
        if (fullBlocks == 0) {
            file.start = 0;
        }
        int blockSize = options.blockSize();
        for (int i = 0; i < fullBlocks; i++) {
            byte[] block = new byte[blockSize];
            content.read((long) i * blockSize, block, 0, blockSize);
            int index = i;
            Placement placement = (position, word) -> {
                if (file.start < 0) {
                    file.start = position;
                }
                file.words[index] = word;
                if (word == 0) {
                    file.sparse += blockSize;
                }
            };
            if (Arrays.mismatch(block, 0, blockSize, zeros, 0, blockSize) < 0) {
                enqueue(null, placement);
            } else {
                enqueue(block, placement);
            }
        }
        int tail = (int) (length - fullBlocks * blockSize);
        if (tail > 0) {
            if (fragmentFill + tail > blockSize) {
                flushFragment();
            }
            content.read(fullBlocks * blockSize, fragmentBuffer, fragmentFill, tail);
            file.fragment = fragments.size();
            file.fragmentOffset = fragmentFill;
            fragmentFill += tail;
        }
        broken = false;
    }

    /** Adds a symbolic link to {@code target}. */
    @Override
    public void symlink(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs,
            String target) throws IOException {
        checkOpen();
        byte[] bytes = target.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_SYMLINK_BYTES || target.indexOf('\0') >= 0) {
            throw new SquashfsWriteException(path, "symlink target of " + bytes.length
                    + " bytes (1.." + MAX_SYMLINK_BYTES + ", no NUL)");
        }
        add(path, mode, uid, gid, mtime, xattrs, (p, n) -> new SymlinkNode(p, n, bytes));
    }

    /** Adds a character ({@code block = false}) or block device; an overlayfs whiteout is character 0/0. */
    @Override
    public void device(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs,
            boolean block, int major, int minor) throws IOException {
        checkOpen();
        if (major < 0 || major > 0xFFF || minor < 0 || minor > 0xFFFFF) {
            throw new SquashfsWriteException(path, "device " + major + ":" + minor
                    + " does not fit the 12-bit major, 20-bit minor encoding");
        }
        // The kernel's new_encode_dev: minor's low byte, major, then minor's upper 12 bits.
        int rdev = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
        add(path, mode, uid, gid, mtime, xattrs, (p, n) -> new SpecialNode(p, n, block ? 4 : 5, rdev));
    }

    /** Adds a named pipe. */
    @Override
    public void fifo(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs)
            throws IOException {
        checkOpen();
        add(path, mode, uid, gid, mtime, xattrs, (p, n) -> new SpecialNode(p, n, 6, 0));
    }

    /** Adds a Unix socket node. */
    @Override
    public void socket(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs)
            throws IOException {
        checkOpen();
        add(path, mode, uid, gid, mtime, xattrs, (p, n) -> new SpecialNode(p, n, 7, 0));
    }

    /**
     * Adds {@code path} as a second name of the non-directory added earlier at {@code target}
     * (a hard link): both names then show one inode, whose link count says how many names it has.
     */
    @Override
    public void hardLink(String path, String target) throws IOException {
        checkOpen();
        Node existing = find(target);
        if (existing == null) {
            throw new SquashfsWriteException(path, "is a hard link to " + target + ", which is not in the image yet"
                    + " (a link must follow the entry it names)");
        }
        if (existing instanceof DirNode) {
            throw new SquashfsWriteException(path, "is a hard link to the directory " + target
                    + " (directories cannot be hard linked)");
        }
        Node inode = inodeOf(existing);
        if (inode.links == Integer.MAX_VALUE) {
            throw new SquashfsWriteException(path, "would give " + target + " more links than squashfs counts");
        }
        DirNode parent = parentOf(path);
        String name = lastName(path);
        if (parent.children.containsKey(name)) {
            throw duplicate(path);
        }
        parent.children.put(name, new LinkNode(path, nameBytes(path, name), inode));
        inode.links++;
    }

    /** The node already at {@code path}, or null; creates nothing. */
    private Node find(String path) {
        if ("/".equals(path)) {
            return root;
        }
        if (path == null || !path.startsWith("/")) {
            return null;
        }
        Node at = root;
        for (String part : path.substring(1).split("/", -1)) {
            if (!(at instanceof DirNode dir)) {
                return null;
            }
            at = dir.children.get(part);
            if (at == null) {
                return null;
            }
        }
        return at;
    }

    private interface NodeFactory {
        Node make(String path, byte[] name);
    }

    private void add(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs,
            NodeFactory factory) throws IOException {
        DirNode parent = parentOf(path);
        String name = lastName(path);
        if (parent.children.containsKey(name)) {
            throw duplicate(path);
        }
        Node node = factory.make(path, nameBytes(path, name));
        describe(node, mode, uid, gid, mtime, xattrs);
        parent.children.put(name, node);
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IllegalStateException("the squashfs writer is closed");
        }
        if (broken) {
            throw new IOException("an earlier failure left the squashfs image incomplete");
        }
    }

    private static SquashfsWriteException duplicate(String path) {
        return new SquashfsWriteException(path, "already exists in the image (a name may appear once per directory)");
    }

    private void describe(Node node, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs)
            throws SquashfsWriteException {
        if ((mode & ~0177777) != 0) {
            throw new SquashfsWriteException(node.path, "mode " + Integer.toOctalString(mode) + " is not a file mode");
        }
        if (mtime < 0 || mtime > 0xFFFFFFFFL) {
            throw new SquashfsWriteException(node.path, "mtime " + mtime + " does not fit squashfs's 32 bits");
        }
        node.permissions = mode & 07777;
        node.uidIndex = idOf(uid, node.path);
        node.gidIndex = idOf(gid, node.path);
        node.mtime = mtime;
        node.xattr = xattrs == null || xattrs.isEmpty() ? NO_XATTR : xattrSet(node.path, xattrs);
    }

    private int idOf(long id, String path) throws SquashfsWriteException {
        if (id < 0 || id > 0xFFFFFFFFL) {
            throw new SquashfsWriteException(path, "uid/gid " + id + " does not fit 32 bits");
        }
        Integer index = idIndex.get(id);
        if (index == null) {
            if (ids.size() == 65536) {
                throw new SquashfsWriteException(path, "more than 65536 distinct uids and gids");
            }
            index = ids.size();
            ids.add(id);
            idIndex.put(id, index);
        }
        return index;
    }

    /**
     * Encodes an entry's xattrs as the key/value records the xattr table stores (u16 type: 0 user,
     * 1 trusted, 2 security; u16 name length; the name without its prefix; u32 value length; the
     * value) and shares one xattr id among all entries with the same set.
     */
    private long xattrSet(String path, Map<String, byte[]> xattrs) throws SquashfsWriteException {
        TreeMap<String, byte[]> sorted = new TreeMap<>(xattrs);
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, byte[]> e : sorted.entrySet()) {
            String key = e.getKey();
            int type;
            String suffix;
            if (key.startsWith("user.")) {
                type = 0;
                suffix = key.substring(5);
            } else if (key.startsWith("trusted.")) {
                type = 1;
                suffix = key.substring(8);
            } else if (key.startsWith("security.")) {
                type = 2;
                suffix = key.substring(9);
            } else {
                throw new SquashfsWriteException(path, "xattr '" + key
                        + "' is not in a namespace squashfs stores (user., trusted., security.)");
            }
            byte[] name = suffix.getBytes(StandardCharsets.UTF_8);
            byte[] value = e.getValue();
            if (name.length == 0 || name.length > 255 || suffix.indexOf('\0') >= 0) {
                throw new SquashfsWriteException(path, "xattr name '" + key + "' is empty or too long");
            }
            if (value == null || value.length > MAX_XATTR_VALUE_BYTES) {
                throw new SquashfsWriteException(path, "xattr '" + key + "' has no value or one over "
                        + MAX_XATTR_VALUE_BYTES + " bytes");
            }
            int need = 8 + name.length + value.length;
            if (b.remaining() < need) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + need))
                        .order(ByteOrder.LITTLE_ENDIAN);
                b.flip();
                bigger.put(b);
                b = bigger;
            }
            b.putShort((short) type).putShort((short) name.length).put(name).putInt(value.length).put(value);
        }
        byte[] encoded = Arrays.copyOf(b.array(), b.position());
        ByteBuffer key = ByteBuffer.wrap(encoded);
        Integer index = xattrIndex.get(key);
        if (index == null) {
            index = xattrSets.size();
            xattrSets.add(encoded);
            xattrCounts.add(sorted.size());
            xattrIndex.put(key, index);
        }
        return index;
    }

    /** The directory that will hold {@code path}, creating undeclared placeholders on the way. */
    private DirNode parentOf(String path) throws SquashfsWriteException {
        if (path == null || !path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
            throw new SquashfsWriteException(String.valueOf(path), "not an absolute path below the root"
                    + " (\"/name\", no trailing slash)");
        }
        String[] parts = path.substring(1).split("/", -1);
        if (parts.length > MAX_DEPTH) {
            throw new SquashfsWriteException(path, "deeper than " + MAX_DEPTH + " levels");
        }
        for (String part : parts) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
                throw new SquashfsWriteException(path, "component '" + part
                        + "' would leave the tree or is empty (no \"\", \".\", \"..\", NUL)");
            }
        }
        DirNode dir = root;
        StringBuilder at = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            at.append('/').append(parts[i]);
            Node next = dir.children.get(parts[i]);
            if (next == null) {
                DirNode placeholder = new DirNode(at.toString(), nameBytes(path, parts[i]));
                placeholder.permissions = 0755;
                dir.children.put(parts[i], placeholder);
                next = placeholder;
            } else if (!(next instanceof DirNode)) {
                throw new SquashfsWriteException(path, at + " is not a directory");
            }
            dir = (DirNode) next;
        }
        return dir;
    }

    private static String lastName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static byte[] nameBytes(String path, String name) throws SquashfsWriteException {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_NAME_BYTES) {
            throw new SquashfsWriteException(path, "name of " + bytes.length + " bytes (at most " + MAX_NAME_BYTES
                    + ")");
        }
        return bytes;
    }

    // ---------------------------------------------------------------- data blocks

    /** Queues a block (null = a hole) to be compressed and written after every block queued before it. */
    private void enqueue(byte[] block, Placement placement) throws IOException {
        while (inFlight.size() >= maxInFlight) {
            retireOldest();
        }
        if (block == null) {
            inFlight.add(new Pending(null, placement));
        } else if (pool == null) {
            inFlight.add(new Pending(java.util.concurrent.CompletableFuture.completedFuture(
                    compressor.compress(block, block.length)), placement));
        } else {
            inFlight.add(new Pending(pool.submit(() -> compressor.compress(block, block.length)), placement));
        }
    }

    private void retireOldest() throws IOException {
        Pending p = inFlight.poll();
        long position = dataEnd();
        if (p.future() == null) {
            p.placement().placed(position, 0);
            return;
        }
        BlockCompressor.Result r;
        try {
            r = p.future().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("compressing a data block failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while compressing");
        }
        append(r.data(), 0, r.length());
        p.placement().placed(position, r.length() | (r.uncompressed() ? 0x01000000 : 0));
    }

    private void drain() throws IOException {
        while (!inFlight.isEmpty()) {
            retireOldest();
        }
    }

    private void flushFragment() throws IOException {
        if (fragmentFill == 0) {
            return;
        }
        FragmentEntry entry = new FragmentEntry();
        fragments.add(entry);
        enqueue(Arrays.copyOf(fragmentBuffer, fragmentFill), (position, word) -> {
            entry.start = position;
            entry.word = word;
        });
        fragmentFill = 0;
    }

    private long dataEnd() {
        return writeBufferStart + writeBuffer.position();
    }

    private void append(byte[] bytes, int offset, int length) throws IOException {
        while (length > 0) {
            if (!writeBuffer.hasRemaining()) {
                flushWrites();
            }
            int n = Math.min(length, writeBuffer.remaining());
            writeBuffer.put(bytes, offset, n);
            offset += n;
            length -= n;
        }
    }

    private void flushWrites() throws IOException {
        writeBuffer.flip();
        if (writeBufferStart + writeBuffer.remaining() > sink.limit()) {
            throw new SquashfsWriteException("/", "the image outgrows its target of " + sink.limit() + " bytes");
        }
        long start = writeBufferStart;
        writeBufferStart += writeBuffer.remaining();
        sink.write(writeBuffer, start);
        writeBuffer.clear();
    }

    // ---------------------------------------------------------------- tables

    /** Writes the last fragment, the tables and the superblock, and releases the threads. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!broken) {
                finishImage();
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
            sink.close();
        }
    }

    private void finishImage() throws IOException {
        flushFragment();
        drain();
        checkDeclared(root);
        if (!root.declared) {
            // Registered only now: unsquashfs refuses more ids than twice the inodes, so none may go unused.
            root.uidIndex = idOf(0, "/");
            root.gidIndex = root.uidIndex;
        }

        int[] counter = {0};
        number(root, counter);
        int inodeCount = counter[0];

        MetadataWriter inodes = new MetadataWriter(compressor);
        MetadataWriter directories = new MetadataWriter(compressor);
        emit(root, inodeCount + 1, inodes, directories);
        long rootRef = root.inodeRef;

        long inodeTableStart = dataEnd();
        append(inodes.finish());
        long directoryTableStart = dataEnd();
        // Empty when the root is the only directory and has no entries, as mksquashfs leaves it.
        append(directories.finish());

        MetadataWriter fragmentTable = new MetadataWriter(compressor);
        for (FragmentEntry f : fragments) {
            fragmentTable.write(le(ByteBuffer.allocate(16)).putLong(f.start).putInt(f.word).putInt(0).array());
        }
        long fragmentTableStart = writeTableWithLookup(fragmentTable);

        MetadataWriter idTable = new MetadataWriter(compressor);
        for (long id : ids) {
            idTable.write(le(ByteBuffer.allocate(4)).putInt((int) id).array());
        }
        long idTableStart = writeTableWithLookup(idTable);

        long xattrIdTableStart = -1;
        if (!xattrSets.isEmpty()) {
            MetadataWriter keyValues = new MetadataWriter(compressor);
            MetadataWriter xattrIds = new MetadataWriter(compressor);
            for (int i = 0; i < xattrSets.size(); i++) {
                byte[] set = xattrSets.get(i);
                long ref = keyValues.reference();
                keyValues.write(set);
                xattrIds.write(le(ByteBuffer.allocate(16)).putLong(ref).putInt(xattrCounts.get(i))
                        .putInt(set.length).array());
            }
            long keyValueStart = dataEnd();
            append(keyValues.finish());
            long idsStart = dataEnd();
            append(xattrIds.finish());
            xattrIdTableStart = dataEnd();
            ByteBuffer header = le(ByteBuffer.allocate(16 + 8 * xattrIds.blockStarts().size()));
            header.putLong(keyValueStart).putInt(xattrSets.size()).putInt(0);
            for (long blockStart : xattrIds.blockStarts()) {
                header.putLong(idsStart + blockStart);
            }
            append(header.array());
        }
        long bytesUsed = dataEnd();
        long padded = (bytesUsed + PAD - 1) / PAD * PAD;
        if (padded <= sink.limit()) {
            append(new byte[(int) (padded - bytesUsed)]);
        }
        flushWrites();

        int blockLog = Integer.numberOfTrailingZeros(options.blockSize());
        ByteBuffer sb = le(ByteBuffer.allocate(SquashfsSuperblock.SIZE));
        sb.putInt(SquashfsSuperblock.MAGIC).putInt(inodeCount).putInt((int) options.modificationTime())
                .putInt(options.blockSize()).putInt(fragments.size())
                .putShort((short) options.compression().id()).putShort((short) blockLog)
                .putShort((short) (xattrSets.isEmpty() ? FLAG_NO_XATTRS : 0)).putShort((short) ids.size())
                .putShort((short) 4).putShort((short) 0)
                .putLong(rootRef).putLong(bytesUsed).putLong(idTableStart).putLong(xattrIdTableStart)
                .putLong(inodeTableStart).putLong(directoryTableStart).putLong(fragmentTableStart).putLong(-1L);
        byte[] superblock = sb.array();
        sink.write(ByteBuffer.wrap(superblock), 0);
        sink.flush();
        written = SquashfsSuperblock.parse(superblock, 0, padded <= sink.limit() ? padded : bytesUsed);
    }

    /** Writes a table's metadata blocks then the u64 position of each; returns the lookup's position. */
    private long writeTableWithLookup(MetadataWriter table) throws IOException {
        byte[] blocks = table.finish();
        long blocksStart = dataEnd();
        append(blocks);
        long lookupStart = dataEnd();
        ByteBuffer lookup = le(ByteBuffer.allocate(8 * table.blockStarts().size()));
        for (long start : table.blockStarts()) {
            lookup.putLong(blocksStart + start);
        }
        append(lookup.array());
        return lookupStart;
    }

    private void append(byte[] bytes) throws IOException {
        append(bytes, 0, bytes.length);
    }

    private static ByteBuffer le(ByteBuffer b) {
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void checkDeclared(DirNode dir) throws SquashfsWriteException {
        ArrayDeque<DirNode> todo = new ArrayDeque<>();
        todo.push(dir);
        while (!todo.isEmpty()) {
            DirNode d = todo.pop();
            if (d != dir && !d.declared) {
                throw new SquashfsWriteException(d.path, "holds entries but was never declared as a directory");
            }
            for (Node child : d.children.values()) {
                if (child instanceof DirNode sub) {
                    todo.push(sub);
                }
            }
        }
    }

    /** Numbers inodes in the order {@link #emit} writes them: children first, each directory after its own. */
    private static void number(DirNode dir, int[] counter) {
        List<Node> sorted = new ArrayList<>(dir.children.values());
        sorted.sort((a, b) -> Arrays.compareUnsigned(a.name, b.name));
        dir.sorted = sorted;
        for (Node child : sorted) {
            if (child instanceof DirNode sub) {
                number(sub, counter);
            } else if (inodeOf(child).inodeNumber == 0) {
                inodeOf(child).inodeNumber = ++counter[0]; // a hard-linked inode takes its first name's place
            }
        }
        dir.inodeNumber = ++counter[0];
    }

    private void emit(DirNode dir, int parentNumber, MetadataWriter inodes, MetadataWriter directories)
            throws IOException {
        int subdirectories = 0;
        for (Node child : dir.sorted) {
            if (child instanceof DirNode sub) {
                emit(sub, dir.inodeNumber, inodes, directories);
                subdirectories++;
            } else if (!inodeOf(child).emitted) {
                Node inode = inodeOf(child);
                inode.inodeRef = inodes.reference();
                inodes.write(inode(inode));
                inode.emitted = true;
            }
        }
        long listingBlock = directories.blockStart();
        int listingOffset = directories.offsetInBlock();
        byte[] listing = listing(dir.sorted);
        directories.write(listing);
        long fileSize = listing.length + 3L;
        int nlink = 2 + subdirectories;

        dir.inodeRef = inodes.reference();
        ByteBuffer b;
        if (fileSize <= 0xFFFF && dir.xattr == NO_XATTR) {
            b = header(dir, 1, 32);
            b.putInt((int) listingBlock).putInt(nlink).putShort((short) fileSize).putShort((short) listingOffset)
                    .putInt(parentNumber);
        } else {
            b = header(dir, 8, 40);
            b.putInt(nlink).putInt((int) fileSize).putInt((int) listingBlock).putInt(parentNumber)
                    .putShort((short) 0).putShort((short) listingOffset).putInt((int) dir.xattr);
        }
        inodes.write(b.array());
        dir.sorted = null;
    }

    /**
     * A directory's listing: runs of at most 256 entries that share the inode table block their
     * inodes start in, under a header (count-1, that block, base inode number); each entry holds
     * the inode's offset in the block, its number as a signed 16-bit delta from the base, its
     * basic type and its name.
     */
    private static byte[] listing(List<Node> children) {
        long worst = 0;
        for (Node n : children) {
            worst += 12 + 8 + n.name.length; // at worst one header per entry
        }
        ByteBuffer b = le(ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 16, worst)));
        int i = 0;
        while (i < children.size()) {
            Node first = inodeOf(children.get(i));
            long block = first.inodeRef >>> 16;
            int base = first.inodeNumber;
            int count = 1;
            while (i + count < children.size() && count < 256) {
                Node next = inodeOf(children.get(i + count));
                long delta = (long) next.inodeNumber - base;
                if (next.inodeRef >>> 16 != block || delta < Short.MIN_VALUE || delta > Short.MAX_VALUE) {
                    break;
                }
                count++;
            }
            b.putInt(count - 1).putInt((int) block).putInt(base);
            for (int k = 0; k < count; k++) {
                Node n = children.get(i + k);
                Node inode = inodeOf(n);
                b.putShort((short) (inode.inodeRef & 0xFFFF)).putShort((short) (inode.inodeNumber - base))
                        .putShort((short) n.basicType()).putShort((short) (n.name.length - 1)).put(n.name);
            }
            i += count;
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    /** The common inode header: type, permissions, uid and gid indexes, mtime, inode number. */
    private static ByteBuffer header(Node node, int type, int size) {
        ByteBuffer b = le(ByteBuffer.allocate(size));
        b.putShort((short) type).putShort((short) node.permissions).putShort((short) node.uidIndex)
                .putShort((short) node.gidIndex).putInt((int) node.mtime).putInt(node.inodeNumber);
        return b;
    }

    private static byte[] inode(Node node) {
        boolean extended = node.xattr != NO_XATTR;
        if (node instanceof FileNode f) {
            int words = f.words.length;
            if (!extended && f.links == 1 && f.start <= 0xFFFFFFFFL && f.length <= 0xFFFFFFFFL && f.sparse == 0) {
                ByteBuffer b = header(f, 2, 32 + 4 * words);
                b.putInt((int) f.start).putInt((int) f.fragment).putInt(f.fragmentOffset).putInt((int) f.length);
                for (int w : f.words) {
                    b.putInt(w);
                }
                return b.array();
            }
            ByteBuffer b = header(f, 9, 56 + 4 * words);
            b.putLong(f.start).putLong(f.length).putLong(f.sparse).putInt(f.links).putInt((int) f.fragment)
                    .putInt(f.fragmentOffset).putInt((int) f.xattr);
            for (int w : f.words) {
                b.putInt(w);
            }
            return b.array();
        }
        if (node instanceof SymlinkNode s) {
            ByteBuffer b = header(s, extended ? 10 : 3, 24 + s.target.length + (extended ? 4 : 0));
            b.putInt(s.links).putInt(s.target.length).put(s.target);
            if (extended) {
                b.putInt((int) s.xattr);
            }
            return b.array();
        }
        SpecialNode d = (SpecialNode) node;
        boolean isDevice = d.type == 4 || d.type == 5;
        int size = 20 + (isDevice ? 4 : 0) + (extended ? 4 : 0);
        ByteBuffer b = header(d, extended ? d.type + 7 : d.type, size);
        b.putInt(d.links);
        if (isDevice) {
            b.putInt(d.rdev);
        }
        if (extended) {
            b.putInt((int) d.xattr);
        }
        return b.array();
    }
}
