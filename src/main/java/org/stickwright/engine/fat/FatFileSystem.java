/*
 * A FAT12, FAT16 or FAT32 volume opened for reading and editing in place, whoever made it.
 *
 * Everything goes through three structures: the boot sector (geometry, validated once), the FAT
 * (in memory, changed entries written back to every copy on flush) and directories (parsed into
 * memory when first visited, written back on flush, evicted when many are cached). File contents
 * go straight to the device: reads by runs of consecutive clusters, writes through a write-behind
 * buffer that merges consecutive clusters of consecutive files into large sequential writes, so
 * a tree of small files still reaches the device in multi-megabyte pieces.
 *
 * Paths use '/' and are matched case-insensitively against long and short names, as Windows and
 * Linux do on FAT.
 */
package org.stickwright.engine.fat;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.stickwright.engine.io.AlignedBuffers;
import org.stickwright.engine.io.BlockDevice;

/** Reader and in-place editor of an existing FAT volume. */
public final class FatFileSystem implements Closeable {
    /** Largest file FAT can describe: the size field is 32 bits. */
    public static final long MAX_FILE_SIZE = 0xFFFF_FFFFL;
    private static final int WRITE_BUFFER = 4 << 20;
    /** Directories held in memory before the least recently used are written out and dropped. */
    static final long DIRECTORY_CACHE_BYTES = 64L << 20;

    /** Receives every entry of a tree walk with its full path. */
    @FunctionalInterface
    public interface Visitor {
        void visit(String path, FatEntry entry) throws IOException;
    }

    private final BlockDevice device;
    private final BootSector boot;
    private final FileAllocationTable fat;
    private final ZoneId zone;
    private final Map<Long, DirectoryTable> directories = new LinkedHashMap<>(64, 0.75f, true);
    private final DirectoryTable fixedRoot;
    /** Write-behind buffer, direct so that content read from a channel is copied only by the kernel. */
    private final ByteBuffer pending = AlignedBuffers.allocate(WRITE_BUFFER);
    private long pendingAt = -1;
    /** Where content from InputStreams passes on its way into {@link #pending}; one per volume. */
    private final byte[] staging = new byte[1 << 20];
    private boolean closed;
    /** Set by every change, so that closing a volume only read never writes (read-only devices). */
    private boolean modified;

    private final long directoryCacheBytes;

    private FatFileSystem(BlockDevice device, ZoneId zone, long directoryCacheBytes) throws IOException {
        this.device = device;
        this.directoryCacheBytes = directoryCacheBytes;
        this.zone = zone;
        this.boot = BootSector.read(device);
        this.fat = FileAllocationTable.read(device, boot);
        this.fixedRoot = boot.type == FatType.FAT32 ? null : DirectoryTable.fixedRoot(this, device, boot);
    }

    /** Opens the volume that starts at byte 0 of {@code device}; times are read and written in the system zone. */
    public static FatFileSystem open(BlockDevice device) throws IOException {
        return new FatFileSystem(device, ZoneId.systemDefault(), DIRECTORY_CACHE_BYTES);
    }

    /** Opens the volume, reading and writing FAT's zoneless times as wall-clock times of {@code zone}. */
    public static FatFileSystem open(BlockDevice device, ZoneId zone) throws IOException {
        return new FatFileSystem(device, zone, DIRECTORY_CACHE_BYTES);
    }

    /** With a directory cache of {@code directoryCacheBytes}: tests use a tiny one to exercise eviction. */
    static FatFileSystem open(BlockDevice device, ZoneId zone, long directoryCacheBytes) throws IOException {
        return new FatFileSystem(device, zone, directoryCacheBytes);
    }

    public FatType type() {
        return boot.type;
    }

    /** The label in the boot sector (trailing spaces removed; "NO NAME" when none was set). */
    public String volumeLabel() {
        return boot.label;
    }

    public int volumeSerial() {
        return boot.serial;
    }

    /** The serial as blkid and dracut print it: "ABCD-1234". */
    public String volumeSerialText() {
        return Fat32Formatter.serialText(boot.serial);
    }

    public int clusterSize() {
        return boot.clusterSize();
    }

    public long clusterCount() {
        return boot.clusterCount;
    }

    public long freeBytes() {
        return fat.freeCount() * boot.clusterSize();
    }

    ZoneId zone() {
        return zone;
    }

    FileAllocationTable fat() {
        return fat;
    }

    long clusterOffset(long cluster) {
        return boot.clusterOffset(cluster);
    }

    // ---- paths and directories ------------------------------------------------------------

    private static List<String> split(String path) throws FatException {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.equals(".") || part.equals("..")) {
                throw new FatException("path '" + path + "' contains '" + part + "'");
            }
            parts.add(part);
        }
        return parts;
    }

    private static String join(List<String> parts, int count) {
        return "/" + String.join("/", parts.subList(0, count));
    }

    private DirectoryTable root() throws IOException {
        return fixedRoot != null ? fixedRoot : directory(boot.rootCluster, "/");
    }

    private DirectoryTable directory(long cluster, String path) throws IOException {
        DirectoryTable table = directories.get(cluster);
        if (table == null) {
            table = DirectoryTable.load(this, device, boot, fat, cluster, path);
            directories.put(cluster, table);
        }
        return table;
    }

    private DirectoryTable subdirectory(DirectoryTable parent, DirectoryTable.Node node, String path)
            throws IOException {
        if (!fat.isValidCluster(node.cluster)) {
            throw new FatException("directory entry of " + path, parent.slotOffset(node.shortSlot),
                    "directory starts at cluster " + node.cluster + ", outside clusters 2.." + (fat.size() - 1));
        }
        return directory(node.cluster, path);
    }

    /** The directory at {@code parts[0..count)}, or an exception naming the missing part. */
    private DirectoryTable walkTo(List<String> parts, int count) throws IOException {
        DirectoryTable table = root();
        for (int i = 0; i < count; i++) {
            DirectoryTable.Node node = table.find(parts.get(i));
            String path = join(parts, i + 1);
            if (node == null) {
                throw new NoSuchFileException(path);
            }
            if (!node.isDirectory()) {
                throw new FatException(path + " is a file, not a directory");
            }
            table = subdirectory(table, node, path);
        }
        return table;
    }

    private record Located(DirectoryTable parent, DirectoryTable.Node node, String path) {
    }

    private Located locate(String path) throws IOException {
        List<String> parts = split(path);
        if (parts.isEmpty()) {
            throw new FatException("the root directory has no entry of its own");
        }
        DirectoryTable parent = walkTo(parts, parts.size() - 1);
        String full = join(parts, parts.size());
        DirectoryTable.Node node = parent.find(parts.get(parts.size() - 1));
        if (node == null) {
            throw new NoSuchFileException(full);
        }
        return new Located(parent, node, full);
    }

    /** Writes and forgets directories when too many bytes of them are held (long extractions). */
    private void trimDirectoryCache() throws IOException {
        long held = 0;
        for (DirectoryTable table : directories.values()) {
            held += table.bytes();
        }
        if (held <= directoryCacheBytes) {
            return;
        }
        flushData();
        Iterator<DirectoryTable> eldest = directories.values().iterator();
        while (held > directoryCacheBytes / 2 && eldest.hasNext()) {
            DirectoryTable table = eldest.next();
            if (table.firstCluster == boot.rootCluster) {
                continue;
            }
            table.flush(device);
            held -= table.bytes();
            eldest.remove();
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(device.name() + ": FAT volume already closed");
        }
    }

    // ---- reading ---------------------------------------------------------------------------

    /** The entries of a directory ("/" for the root), without "." and "..". */
    public List<FatEntry> list(String directoryPath) throws IOException {
        checkOpen();
        List<String> parts = split(directoryPath);
        List<FatEntry> entries = new ArrayList<>();
        for (DirectoryTable.Node node : walkTo(parts, parts.size()).nodes()) {
            entries.add(node.toEntry(zone));
        }
        return entries;
    }

    /** The entry at {@code path}, if there is one. */
    public Optional<FatEntry> stat(String path) throws IOException {
        checkOpen();
        try {
            return Optional.of(locate(path).node().toEntry(zone));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Visits every file and directory below the root, parents before children. */
    public void walk(Visitor visitor) throws IOException {
        checkOpen();
        Set<Long> seen = new HashSet<>();
        DirectoryTable root = root();
        seen.add(root.firstCluster);
        walk(root, "", visitor, seen);
    }

    private void walk(DirectoryTable table, String prefix, Visitor visitor, Set<Long> seen) throws IOException {
        for (DirectoryTable.Node node : new ArrayList<>(table.nodes())) {
            String path = prefix + "/" + node.name();
            visitor.visit(path, node.toEntry(zone));
            if (node.isDirectory()) {
                if (!seen.add(node.cluster)) {
                    throw new FatException("directory entry of " + path, table.slotOffset(node.shortSlot),
                            "cluster " + node.cluster + " is already used by another directory (a directory loop)");
                }
                walk(subdirectory(table, node, path), path, visitor, seen);
            }
        }
    }

    private List<FileAllocationTable.Run> contentRuns(Located at) throws IOException {
        DirectoryTable.Node node = at.node();
        if (node.isDirectory()) {
            throw new FatException(at.path() + " is a directory");
        }
        long needed = (node.size + boot.clusterSize() - 1) / boot.clusterSize();
        if (needed == 0) {
            return List.of();
        }
        List<FileAllocationTable.Run> runs = fat.chain(node.cluster, Long.MAX_VALUE, at.path());
        long have = runs.stream().mapToLong(FileAllocationTable.Run::length).sum();
        if (have < needed) {
            throw new FatException("directory entry of " + at.path(), at.parent().slotOffset(node.shortSlot),
                    "size " + node.size + " needs " + needed + " clusters but the chain has " + have);
        }
        return runs;
    }

    /** Where the bytes of a file lie on the device, one extent per run of consecutive clusters. */
    public List<FileExtent> extents(String path) throws IOException {
        checkOpen();
        Located at = locate(path);
        List<FileExtent> extents = new ArrayList<>();
        long left = at.node().size;
        for (FileAllocationTable.Run run : contentRuns(at)) {
            if (left == 0) {
                break;
            }
            long bytes = Math.min(left, run.length() * boot.clusterSize());
            extents.add(new FileExtent(boot.clusterOffset(run.first()), bytes));
            left -= bytes;
        }
        return extents;
    }

    /** A stream of the file's content, read run by run. */
    public InputStream openInputStream(String path) throws IOException {
        checkOpen();
        flushData();
        List<FileExtent> extents = extents(path);
        return new InputStream() {
            private int index;
            private long within;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                while (index < extents.size() && within == extents.get(index).length()) {
                    index++;
                    within = 0;
                }
                if (index == extents.size()) {
                    return -1;
                }
                if (len == 0) {
                    return 0;
                }
                FileExtent extent = extents.get(index);
                int n = (int) Math.min(len, extent.length() - within);
                device.read(ByteBuffer.wrap(b, off, n), extent.deviceOffset() + within);
                within += n;
                return n;
            }
        };
    }

    /** The whole content of a file that fits in an array. */
    public byte[] readAllBytes(String path) throws IOException {
        Optional<FatEntry> entry = stat(path);
        if (entry.isPresent() && entry.get().size() > Integer.MAX_VALUE - 8) {
            throw new FatException(path + " is " + entry.get().size() + " bytes, too large for an array; stream it");
        }
        try (InputStream in = openInputStream(path)) {
            return in.readAllBytes();
        }
    }

    // ---- writing ---------------------------------------------------------------------------

    private static void checkSize(String path, long size) throws FatException {
        if (size < 0 || size > MAX_FILE_SIZE) {
            throw new FatException("file " + path + " is " + size + " bytes; a FAT file holds at most "
                    + MAX_FILE_SIZE + " bytes (4 GiB - 1)");
        }
    }

    private long clustersFor(long size) {
        return (size + boot.clusterSize() - 1) / boot.clusterSize();
    }

    /** Creates the directory and any missing parents; existing directories are left alone. */
    public void mkdirs(String path, FileTimes times) throws IOException {
        checkOpen();
        modified = true;
        trimDirectoryCache();
        List<String> parts = split(path);
        DirectoryTable table = root();
        for (int i = 0; i < parts.size(); i++) {
            String full = join(parts, i + 1);
            DirectoryTable.Node node = table.find(parts.get(i));
            if (node == null) {
                ShortNames.checkLongName(parts.get(i));
                long cluster = fat.allocate(1, "directory " + full);
                try {
                    table.add(parts.get(i), FatEntry.ATTR_DIRECTORY, cluster, 0, times);
                } catch (IOException e) {
                    fat.free(cluster, "directory " + full);
                    throw e;
                }
                long parentCluster = table == fixedRoot || table.firstCluster == boot.rootCluster ? 0 : table.firstCluster;
                DirectoryTable created = DirectoryTable.create(this, full, cluster, parentCluster, times);
                directories.put(cluster, created);
                table = created;
            } else if (!node.isDirectory()) {
                throw new FileAlreadyExistsException(full, null, "exists and is a file, not a directory");
            } else {
                table = subdirectory(table, node, full);
            }
        }
    }

    public void mkdirs(String path) throws IOException {
        mkdirs(path, FileTimes.now());
    }

    private record NewFile(DirectoryTable parent, String name, String path) {
    }

    private NewFile newFile(String path) throws IOException {
        List<String> parts = split(path);
        if (parts.isEmpty()) {
            throw new FatException("cannot create the root directory as a file");
        }
        DirectoryTable parent = walkTo(parts, parts.size() - 1);
        String name = parts.get(parts.size() - 1);
        String full = join(parts, parts.size());
        if (parent.find(name) != null) {
            throw new FileAlreadyExistsException(full);
        }
        ShortNames.checkLongName(name);
        return new NewFile(parent, name, full);
    }

    /**
     * Creates a file of {@code size} bytes read from {@code content}, in one contiguous run of
     * clusters when the volume has one. The parent directory must exist.
     */
    public FatEntry writeFile(String path, long size, InputStream content, FileTimes times) throws IOException {
        return writeFile(path, size, new StreamChannel(content), times);
    }

    /** As {@link #writeFile(String, long, InputStream, FileTimes)}, reading from a channel (no copy through the heap). */
    public FatEntry writeFile(String path, long size, ReadableByteChannel content, FileTimes times) throws IOException {
        checkOpen();
        modified = true;
        checkSize(path, size);
        trimDirectoryCache();
        NewFile target = newFile(path);
        long first = allocateAndWrite(size, content, target.path());
        try {
            return target.parent().add(target.name(), FatEntry.ATTR_ARCHIVE, first, size, times).toEntry(zone);
        } catch (IOException e) {
            if (first != 0) {
                fat.free(first, target.path());
            }
            throw e;
        }
    }

    /** Allocates and fills a chain for {@code size} bytes; on failure the chain is freed again. */
    private long allocateAndWrite(long size, ReadableByteChannel content, String path) throws IOException {
        if (size == 0) {
            return 0;
        }
        long first = fat.allocate(clustersFor(size), path);
        try {
            writeContent(first, size, content, path);
        } catch (IOException | RuntimeException e) {
            fat.free(first, path);
            throw e;
        }
        return first;
    }

    /**
     * Creates a file of {@code size} bytes in consecutive clusters without writing its content
     * (whatever the device held there stays), and returns where it lies on the device.
     */
    public FileExtent allocateContiguous(String path, long size, FileTimes times) throws IOException {
        checkOpen();
        modified = true;
        checkSize(path, size);
        trimDirectoryCache();
        NewFile target = newFile(path);
        long first = 0;
        if (size > 0) {
            long count = clustersFor(size);
            first = fat.findContiguous(count);
            if (first < 0) {
                throw new FatException("no run of " + count + " free consecutive clusters for " + target.path()
                        + " (" + size + " bytes); " + fat.freeCount() + " clusters are free in total");
            }
            fat.linkRun(first, count);
        }
        try {
            target.parent().add(target.name(), FatEntry.ATTR_ARCHIVE, first, size, times);
        } catch (IOException e) {
            if (first != 0) {
                fat.free(first, target.path());
            }
            throw e;
        }
        return new FileExtent(size == 0 ? 0 : boot.clusterOffset(first), size);
    }

    /**
     * Grows an existing file in place to {@code newSize} bytes: clusters are appended to its
     * chain (right after its last cluster when those are free, else one free run, else any free
     * clusters) and written to the FATs before the directory entry takes the new size, so a
     * crash in between leaves a chain longer than its size, which fsck.fat trims. The bytes
     * added are not written: whatever the device held there is the file's new tail, for callers
     * (a filesystem image growing into it) that write what they need.
     */
    public FatEntry extend(String path, long newSize) throws IOException {
        checkOpen();
        checkSize(path, newSize);
        flushData();
        Located at = locate(path);
        DirectoryTable.Node node = at.node();
        if (node.isDirectory()) {
            throw new FatException(at.path() + " is a directory");
        }
        if (newSize < node.size) {
            throw new FatException(at.path() + " has " + node.size + " bytes; extend only grows it (asked for "
                    + newSize + ")");
        }
        long last = 0;
        long have = 0;
        for (FileAllocationTable.Run run : fat.chain(node.cluster, Long.MAX_VALUE, at.path())) {
            last = run.first() + run.length() - 1;
            have += run.length();
        }
        long needed = clustersFor(newSize) - have;
        if (needed > fat.freeCount()) {
            throw new FatException("volume full: growing " + at.path() + " to " + newSize + " bytes needs " + needed
                    + " more clusters, " + fat.freeCount() + " are free");
        }
        modified = true;
        long first = node.cluster;
        if (needed > 0) {
            boolean adjacent = last != 0 && last + needed < fat.size();
            for (long c = last + 1; adjacent && c <= last + needed; c++) {
                adjacent = fat.entry((int) c) == 0;
            }
            long added;
            if (adjacent) {
                added = last + 1;
                fat.linkRun(added, needed);
            } else {
                added = fat.allocate(needed, at.path());
            }
            if (last == 0) {
                first = added;
            } else {
                fat.set((int) last, (int) added);
            }
            fat.flush(device);
        }
        at.parent().update(node, first, newSize, Instant.now());
        return node.toEntry(zone);
    }

    /** Replaces the content of an existing file (its clusters are reallocated to fit the new size). */
    public FatEntry replaceFile(String path, long size, InputStream content) throws IOException {
        return replaceFile(path, size, content, Instant.now());
    }

    /** As {@link #replaceFile(String, long, InputStream)}, stamping the file as modified at {@code modified}. */
    public FatEntry replaceFile(String path, long size, InputStream content, Instant modifiedAt) throws IOException {
        checkOpen();
        modified = true;
        checkSize(path, size);
        flushData();
        Located at = locate(path);
        if (at.node().isDirectory()) {
            throw new FatException(at.path() + " is a directory");
        }
        DirectoryTable.Node node = at.node();
        long oldFirst = node.cluster;
        long oldClusters = 0;
        for (FileAllocationTable.Run run : fat.chain(oldFirst, Long.MAX_VALUE, at.path())) {
            oldClusters += run.length();
        }
        long needed = clustersFor(size);
        if (needed > fat.freeCount() + oldClusters) {
            throw new FatException("volume full: " + at.path() + " needs " + needed + " clusters, "
                    + (fat.freeCount() + oldClusters) + " would be free");
        }
        ReadableByteChannel channel = new StreamChannel(content);
        long first;
        if (needed <= fat.freeCount()) {
            // Room for both: the old content stays intact until the new one is complete.
            first = allocateAndWrite(size, channel, at.path());
            if (oldFirst != 0) {
                fat.free(oldFirst, at.path());
            }
        } else {
            // A packed volume (EFI images often are): the new content needs the old clusters.
            if (oldFirst != 0) {
                fat.free(oldFirst, at.path());
            }
            try {
                first = allocateAndWrite(size, channel, at.path());
            } catch (IOException e) {
                at.parent().update(node, 0, 0, modifiedAt);
                throw e;
            }
        }
        at.parent().update(node, first, size, modifiedAt);
        return node.toEntry(zone);
    }

    /**
     * Sets a file's attributes: READ_ONLY (0x01), HIDDEN (0x02), SYSTEM (0x04), ARCHIVE (0x20);
     * the directory and volume-label bits cannot be changed this way.
     */
    public FatEntry setAttributes(String path, int attributes) throws IOException {
        checkOpen();
        if ((attributes & ~0x27) != 0) {
            throw new IllegalArgumentException("only read-only, hidden, system and archive can be set: 0x"
                    + Integer.toHexString(attributes));
        }
        Located at = locate(path);
        if (at.node().isDirectory()) {
            throw new FatException(at.path() + " is a directory");
        }
        modified = true;
        at.parent().setAttributes(at.node(), attributes);
        return at.node().toEntry(zone);
    }

    /** Writes {@code content} to {@code path}, replacing the file if it exists. */
    public FatEntry putFile(String path, byte[] content) throws IOException {
        InputStream in = new ByteArrayInputStream(content);
        if (stat(path).isPresent()) {
            return replaceFile(path, content.length, in);
        }
        return writeFile(path, content.length, in, FileTimes.now());
    }

    /** Removes a file, or a directory that is empty. */
    public void delete(String path) throws IOException {
        checkOpen();
        modified = true;
        flushData();
        Located at = locate(path);
        DirectoryTable.Node node = at.node();
        if (node.isDirectory()) {
            DirectoryTable table = subdirectory(at.parent(), node, at.path());
            if (!table.nodes().isEmpty()) {
                throw new DirectoryNotEmptyException(at.path());
            }
            directories.remove(node.cluster);
        }
        if (node.cluster != 0) {
            fat.free(node.cluster, at.path());
        }
        at.parent().remove(node);
    }

    /** Renames or moves a file or directory; the long name is written anew, the content stays. */
    public void rename(String from, String to) throws IOException {
        checkOpen();
        modified = true;
        Located source = locate(from);
        List<String> targetParts = split(to);
        if (targetParts.isEmpty()) {
            throw new FatException("cannot rename " + from + " to the root directory");
        }
        String targetFull = join(targetParts, targetParts.size());
        String sourceFolded = source.path().toUpperCase(Locale.ROOT) + "/";
        if (source.node().isDirectory() && (targetFull.toUpperCase(Locale.ROOT) + "/").startsWith(sourceFolded)) {
            throw new FatException("cannot move directory " + source.path() + " into itself (" + targetFull + ")");
        }
        DirectoryTable targetParent = walkTo(targetParts, targetParts.size() - 1);
        String name = targetParts.get(targetParts.size() - 1);
        DirectoryTable.Node existing = targetParent.find(name);
        DirectoryTable.Node node = source.node();
        if (existing != null && existing != node) {
            throw new FileAlreadyExistsException(targetFull);
        }
        ShortNames.checkLongName(name);
        FatEntry entry = node.toEntry(zone);
        FileTimes times = new FileTimes(entry.created(), entry.modified(), entry.modified());
        source.parent().remove(node);
        DirectoryTable.Node added;
        try {
            added = targetParent.add(name, node.attributes, node.cluster, node.size, times);
        } catch (IOException e) {
            // The target directory could not take the entry (full): put it back where it was.
            source.parent().add(entry.name(), node.attributes, node.cluster, node.size, times);
            throw e;
        }
        if (added.isDirectory() && targetParent != source.parent()) {
            long parentCluster = targetParent == fixedRoot || targetParent.firstCluster == boot.rootCluster
                    ? 0 : targetParent.firstCluster;
            subdirectory(targetParent, added, targetFull).setParent(parentCluster);
        }
    }

    // ---- content I/O -----------------------------------------------------------------------

    private void writeContent(long first, long size, ReadableByteChannel content, String path) throws IOException {
        if (size == 0) {
            return;
        }
        int clusterSize = boot.clusterSize();
        long left = size;
        for (FileAllocationTable.Run run : fat.chain(first, clustersFor(size), path)) {
            long position = boot.clusterOffset(run.first());
            long bytes = Math.min(left, run.length() * clusterSize);
            copy(content, position, bytes, size - left, size, path);
            left -= bytes;
            if (left == 0) {
                long slack = (clusterSize - bytes % clusterSize) % clusterSize;
                // Zero the tail of the last cluster: it costs little, keeps the following file's
                // write contiguous with this one, and leaves no stale bytes behind the end.
                zeros(position + bytes, slack);
            }
        }
    }

    private void startPending(long position) throws IOException {
        if (pendingAt < 0 || pendingAt + pending.position() != position || !pending.hasRemaining()) {
            flushData();
            pendingAt = position;
        }
    }

    private void copy(ReadableByteChannel content, long position, long length, long done, long size, String path)
            throws IOException {
        long at = position;
        long left = length;
        while (left > 0) {
            startPending(at);
            int chunk = (int) Math.min(left, pending.remaining());
            ByteBuffer window = pending.slice(pending.position(), chunk);
            while (window.hasRemaining()) {
                if (content.read(window) < 0) {
                    throw new EOFException("content of " + path + " ended after "
                            + (done + length - left + window.position()) + " of its " + size + " bytes");
                }
            }
            pending.position(pending.position() + chunk);
            at += chunk;
            left -= chunk;
        }
    }

    /** Reads an InputStream into buffers through a staging array (streams only fill arrays). */
    private final class StreamChannel implements ReadableByteChannel {
        private final InputStream in;

        StreamChannel(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int n = in.read(staging, 0, Math.min(dst.remaining(), staging.length));
            if (n > 0) {
                dst.put(staging, 0, n);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
            // the caller owns the stream
        }
    }

    private static final byte[] ZEROS = new byte[64 * 1024];

    private void zeros(long position, long length) throws IOException {
        long at = position;
        long left = length;
        while (left > 0) {
            startPending(at);
            int chunk = (int) Math.min(Math.min(left, pending.remaining()), ZEROS.length);
            pending.put(ZEROS, 0, chunk);
            at += chunk;
            left -= chunk;
        }
    }

    private void flushData() throws IOException {
        if (pendingAt >= 0 && pending.position() > 0) {
            pending.flip();
            device.write(pending, pendingAt);
        }
        pending.clear();
        pendingAt = -1;
    }

    // ---- flushing ----------------------------------------------------------------------------

    /** Writes pending content, directories, the FATs and (FAT32) the FSInfo free count, then syncs. */
    public void flush() throws IOException {
        checkOpen();
        if (!modified) {
            return;
        }
        flushData();
        if (fixedRoot != null) {
            fixedRoot.flush(device);
        }
        for (DirectoryTable table : directories.values()) {
            table.flush(device);
        }
        fat.flush(device);
        if (boot.type == FatType.FAT32) {
            writeFsInfo();
        }
        device.flush();
    }

    private void writeFsInfo() throws IOException {
        if (boot.fsInfoSector == 0 || boot.fsInfoSector >= boot.reservedSectors) {
            return;
        }
        long offset = (long) boot.fsInfoSector * boot.bytesPerSector;
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        device.read(b, offset);
        if (b.getInt(0) != Fat32Formatter.FSINFO_LEAD || b.getInt(0x1E4) != Fat32Formatter.FSINFO_STRUCT) {
            return;
        }
        b.putInt(0x1E8, (int) fat.freeCount());
        b.putInt(0x1EC, fat.nextFreeHint());
        device.write(b.clear(), offset);
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        flush();
        closed = true;
    }
}
