/*
 * A directory held in memory: an array of 32-byte slots, either the fixed root region of
 * FAT12/16 or the contents of a cluster chain.
 *
 * Short entry (one per file):
 *   0x00 name[11]  0x0B attributes  0x0C NTRes case flags  0x0D creation 10 ms units
 *   0x0E creation time  0x10 creation date  0x12 access date  0x14 first cluster high 16 bits
 *   0x16 write time  0x18 write date  0x1A first cluster low 16 bits  0x1C size (u32)
 * Long-name slot (attributes 0x0F), placed right before its short entry, last part first:
 *   0x00 sequence number (1..20, 0x40 on the last part)  0x01 five UTF-16 units
 *   0x0B 0x0F  0x0C 0  0x0D short-name checksum  0x0E six units  0x1A 0  0x1C two units
 * A first byte 0xE5 marks a free (deleted) slot, 0x00 the end: every slot after it is free.
 *
 * Long names whose sequence or checksum do not match their short entry are ignored, as the
 * specification demands (a DOS tool renamed the file and left stale slots behind).
 */
package org.stickwright.engine.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.stickwright.engine.io.BlockDevice;

/** One directory's slots, parsed into entries, editable, written back on flush. */
final class DirectoryTable {
    /** FAT allows at most 65536 slots in a directory (2 MiB). */
    static final int MAX_SLOTS = 65536;
    private static final int SLOT = 32;

    /** A parsed entry: its long name (or null), short entry fields and where its slots lie. */
    static final class Node {
        String longName;
        byte[] shortName;
        int caseFlags;
        int attributes;
        long cluster;
        long size;
        int firstSlot;
        int shortSlot;
        int createdTenths;
        int createdTime;
        int createdDate;
        int accessDate;
        int writeTime;
        int writeDate;

        String name() {
            return longName != null ? longName : ShortNames.display(shortName, 0, caseFlags);
        }

        boolean isDirectory() {
            return (attributes & FatEntry.ATTR_DIRECTORY) != 0;
        }

        FatEntry toEntry(ZoneId zone) {
            return new FatEntry(name(), ShortNames.display(shortName, 0, 0), attributes, cluster, size,
                    decode(createdDate, createdTime, createdTenths, zone), decode(writeDate, writeTime, 0, zone));
        }
    }

    final String path;
    final long firstCluster;
    private final long fixedOffset;
    private final FatFileSystem fs;
    private byte[] data;
    private final List<Long> clusters = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Node> byName = new HashMap<>();
    private final Set<String> shortKeys = new HashSet<>();
    private final Map<String, Integer> nextTail = new HashMap<>();
    private int endSlot;
    private int freeBeforeEnd;
    private int dotDotSlot = -1;
    private boolean dirty;

    private DirectoryTable(FatFileSystem fs, String path, long firstCluster, long fixedOffset, byte[] data,
            List<Long> clusters) throws FatException {
        this.fs = fs;
        this.path = path;
        this.firstCluster = firstCluster;
        this.fixedOffset = fixedOffset;
        this.data = data;
        this.clusters.addAll(clusters);
        parse();
    }

    /** The fixed root directory of FAT12/16. */
    static DirectoryTable fixedRoot(FatFileSystem fs, BlockDevice device, BootSector boot) throws IOException {
        byte[] data = new byte[boot.rootEntries * SLOT];
        device.read(ByteBuffer.wrap(data), boot.rootDirOffset());
        return new DirectoryTable(fs, "/", 0, boot.rootDirOffset(), data, List.of());
    }

    /** A directory stored in the chain starting at {@code first}. */
    static DirectoryTable load(FatFileSystem fs, BlockDevice device, BootSector boot, FileAllocationTable fat,
            long first, String path) throws IOException {
        int clusterSize = boot.clusterSize();
        long maxClusters = Math.max(1, (long) MAX_SLOTS * SLOT / clusterSize);
        List<FileAllocationTable.Run> runs = fat.chain(first, maxClusters, "directory " + path);
        long total = runs.stream().mapToLong(FileAllocationTable.Run::length).sum();
        byte[] data = new byte[(int) (total * clusterSize)];
        List<Long> clusters = new ArrayList<>();
        int at = 0;
        for (FileAllocationTable.Run run : runs) {
            int bytes = (int) (run.length() * clusterSize);
            device.read(ByteBuffer.wrap(data, at, bytes), boot.clusterOffset(run.first()));
            at += bytes;
            for (long c = run.first(); c < run.first() + run.length(); c++) {
                clusters.add(c);
            }
        }
        return new DirectoryTable(fs, path, first, -1, data, clusters);
    }

    /** A new, empty subdirectory in cluster {@code cluster}, with its "." and ".." entries. */
    static DirectoryTable create(FatFileSystem fs, String path, long cluster, long parentCluster,
            FileTimes times) throws FatException {
        byte[] data = new byte[fs.clusterSize()];
        DirectoryTable table = new DirectoryTable(fs, path, cluster, -1, data, List.of(cluster));
        byte[] dot = "           ".getBytes(StandardCharsets.US_ASCII);
        dot[0] = '.';
        table.writeShort(0, dot, 0, FatEntry.ATTR_DIRECTORY, cluster, 0, times);
        dot[1] = '.';
        table.writeShort(1, dot, 0, FatEntry.ATTR_DIRECTORY, parentCluster, 0, times);
        table.dotDotSlot = 1;
        table.endSlot = 2;
        table.dirty = true;
        return table;
    }

    private ByteBuffer slots() {
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Device offset of a slot, for messages. */
    long slotOffset(int slot) {
        long byteInDir = (long) slot * SLOT;
        if (fixedOffset >= 0) {
            return fixedOffset + byteInDir;
        }
        int clusterSize = fs.clusterSize();
        return fs.clusterOffset(clusters.get((int) (byteInDir / clusterSize))) + byteInDir % clusterSize;
    }

    private void parse() throws FatException {
        ByteBuffer b = slots();
        int slotCount = data.length / SLOT;
        char[] lfn = null;
        int lfnNext = 0;
        int lfnChecksum = 0;
        int lfnFirst = 0;
        endSlot = slotCount;
        for (int slot = 0; slot < slotCount; slot++) {
            int at = slot * SLOT;
            int first = data[at] & 0xFF;
            if (first == 0) {
                endSlot = slot;
                // Everything after the end mark is free by definition; clear it so that entries
                // appended later are followed by zeros, whatever a previous writer left there.
                Arrays.fill(data, at, data.length, (byte) 0);
                break;
            }
            if (first == 0xE5) {
                freeBeforeEnd++;
                lfn = null;
                continue;
            }
            int attributes = data[at + 0x0B] & 0xFF;
            if ((attributes & 0x3F) == FatEntry.ATTR_LONG_NAME) {
                int order = first & 0x1F;
                int checksum = data[at + 0x0D] & 0xFF;
                if ((first & 0x40) != 0 && order >= 1 && order <= 20) {
                    lfn = new char[order * 13];
                    lfnNext = order;
                    lfnChecksum = checksum;
                    lfnFirst = slot;
                } else if (lfn == null || order < 1 || order != lfnNext - 1 || checksum != lfnChecksum) {
                    lfn = null;
                    continue;
                } else {
                    lfnNext = order;
                }
                int base = (order - 1) * 13;
                for (int i = 0; i < 13; i++) {
                    lfn[base + i] = b.getChar(at + LFN_OFFSETS[i]);
                }
                continue;
            }
            if ((attributes & FatEntry.ATTR_VOLUME_ID) != 0) {
                lfn = null;
                continue;
            }
            if (first == '.') {
                if (data[at + 1] == '.') {
                    dotDotSlot = slot;
                }
                lfn = null;
                continue;
            }
            Node node = new Node();
            node.shortName = Arrays.copyOfRange(data, at, at + 11);
            node.caseFlags = data[at + 0x0C] & (ShortNames.LOWER_BASE | ShortNames.LOWER_EXTENSION);
            node.attributes = attributes;
            node.createdTenths = data[at + 0x0D] & 0xFF;
            node.createdTime = Short.toUnsignedInt(b.getShort(at + 0x0E));
            node.createdDate = Short.toUnsignedInt(b.getShort(at + 0x10));
            node.accessDate = Short.toUnsignedInt(b.getShort(at + 0x12));
            node.writeTime = Short.toUnsignedInt(b.getShort(at + 0x16));
            node.writeDate = Short.toUnsignedInt(b.getShort(at + 0x18));
            int high = fs.type() == FatType.FAT32 ? Short.toUnsignedInt(b.getShort(at + 0x14)) : 0;
            node.cluster = (long) high << 16 | Short.toUnsignedInt(b.getShort(at + 0x1A));
            node.size = Integer.toUnsignedLong(b.getInt(at + 0x1C));
            node.shortSlot = slot;
            node.firstSlot = slot;
            if (lfn != null && lfnNext == 1 && lfnChecksum == ShortNames.checksum(data, at)) {
                int length = 0;
                while (length < lfn.length && lfn[length] != 0) {
                    length++;
                }
                if (length > 0) {
                    node.longName = new String(lfn, 0, length);
                    node.firstSlot = lfnFirst;
                }
            }
            lfn = null;
            index(node);
        }
    }

    /** Offsets of the 13 UTF-16 units inside a long-name slot. */
    private static final int[] LFN_OFFSETS = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

    private void index(Node node) {
        nodes.add(node);
        byName.putIfAbsent(fold(node.name()), node);
        byName.putIfAbsent(fold(ShortNames.display(node.shortName, 0, 0)), node);
        shortKeys.add(ShortNames.key(node.shortName));
    }

    private static String fold(String name) {
        return name.toUpperCase(Locale.ROOT);
    }

    List<Node> nodes() {
        return nodes;
    }

    Node find(String name) {
        return byName.get(fold(name));
    }

    boolean isDirty() {
        return dirty;
    }

    int bytes() {
        return data.length;
    }

    /** Adds an entry (with long-name slots when the name needs them) and returns it. */
    Node add(String name, int attributes, long cluster, long size, FileTimes times) throws IOException {
        ShortNames.checkLongName(name);
        if (find(name) != null) {
            throw new FileAlreadyExistsException(path + (path.endsWith("/") ? "" : "/") + name);
        }
        ShortNames.Plain plain = ShortNames.plain(name);
        byte[] shortName;
        int caseFlags = 0;
        int lfnSlots;
        if (plain != null && !shortKeys.contains(ShortNames.key(plain.name()))) {
            shortName = plain.name();
            caseFlags = plain.caseFlags();
            lfnSlots = 0;
        } else {
            shortName = ShortNames.generate(name, shortKeys, nextTail);
            lfnSlots = (name.length() + 12) / 13;
        }
        if ((shortName[0] & 0xFF) == 0xE5) {
            shortName[0] = 0x05;
        }
        int slot = reserve(lfnSlots + 1);
        int checksum = ShortNames.checksum(shortName, 0);
        ByteBuffer b = slots();
        for (int i = 0; i < lfnSlots; i++) {
            int order = lfnSlots - i;
            int at = (slot + i) * SLOT;
            Arrays.fill(data, at, at + SLOT, (byte) 0);
            data[at] = (byte) (order | (i == 0 ? 0x40 : 0));
            data[at + 0x0B] = FatEntry.ATTR_LONG_NAME;
            data[at + 0x0D] = (byte) checksum;
            for (int k = 0; k < 13; k++) {
                int index = (order - 1) * 13 + k;
                char c = index < name.length() ? name.charAt(index) : index == name.length() ? 0 : (char) 0xFFFF;
                b.putChar(at + LFN_OFFSETS[k], c);
            }
        }
        int shortSlot = slot + lfnSlots;
        writeShort(shortSlot, shortName, caseFlags, attributes, cluster, size, times);
        Node node = new Node();
        node.longName = lfnSlots > 0 ? name : null;
        node.shortName = shortName;
        node.caseFlags = caseFlags;
        node.attributes = attributes;
        node.cluster = cluster;
        node.size = size;
        node.firstSlot = slot;
        node.shortSlot = shortSlot;
        readTimes(node);
        index(node);
        dirty = true;
        return node;
    }

    private void readTimes(Node node) {
        ByteBuffer b = slots();
        int at = node.shortSlot * SLOT;
        node.createdTenths = data[at + 0x0D] & 0xFF;
        node.createdTime = Short.toUnsignedInt(b.getShort(at + 0x0E));
        node.createdDate = Short.toUnsignedInt(b.getShort(at + 0x10));
        node.accessDate = Short.toUnsignedInt(b.getShort(at + 0x12));
        node.writeTime = Short.toUnsignedInt(b.getShort(at + 0x16));
        node.writeDate = Short.toUnsignedInt(b.getShort(at + 0x18));
    }

    private void writeShort(int slot, byte[] shortName, int caseFlags, int attributes, long cluster, long size,
            FileTimes times) {
        ByteBuffer b = slots();
        int at = slot * SLOT;
        Arrays.fill(data, at, at + SLOT, (byte) 0);
        System.arraycopy(shortName, 0, data, at, 11);
        data[at + 0x0B] = (byte) attributes;
        data[at + 0x0C] = (byte) caseFlags;
        ZoneId zone = fs.zone();
        ZonedDateTime created = clamp(times.created(), zone);
        data[at + 0x0D] = (byte) (created.getSecond() % 2 * 100 + created.getNano() / 10_000_000);
        b.putShort(at + 0x0E, (short) dosTime(created));
        b.putShort(at + 0x10, (short) dosDate(created));
        b.putShort(at + 0x12, (short) dosDate(clamp(times.accessed(), zone)));
        ZonedDateTime modified = clamp(times.modified(), zone);
        b.putShort(at + 0x16, (short) dosTime(modified));
        b.putShort(at + 0x18, (short) dosDate(modified));
        setCluster(b, at, cluster);
        b.putInt(at + 0x1C, (int) size);
    }

    private void setCluster(ByteBuffer b, int at, long cluster) {
        b.putShort(at + 0x14, (short) (cluster >>> 16));
        b.putShort(at + 0x1A, (short) cluster);
    }

    /** Rewrites a node's cluster, size and modification time after its content changed. */
    void update(Node node, long cluster, long size, Instant modified) {
        ByteBuffer b = slots();
        int at = node.shortSlot * SLOT;
        setCluster(b, at, cluster);
        b.putInt(at + 0x1C, (int) size);
        ZonedDateTime when = clamp(modified, fs.zone());
        b.putShort(at + 0x16, (short) dosTime(when));
        b.putShort(at + 0x18, (short) dosDate(when));
        node.cluster = cluster;
        node.size = size;
        readTimes(node);
        dirty = true;
    }

    /** Sets the attribute byte of a node's short entry (its long-name slots keep 0x0F). */
    void setAttributes(Node node, int attributes) {
        data[node.shortSlot * SLOT + 0x0B] = (byte) attributes;
        node.attributes = attributes;
        dirty = true;
    }

    /** Points ".." at a new parent (after a directory moved). */
    void setParent(long parentCluster) {
        if (dotDotSlot >= 0) {
            setCluster(slots(), dotDotSlot * SLOT, parentCluster);
            dirty = true;
        }
    }

    /** Frees the slots of {@code node} (its clusters are the caller's business). */
    void remove(Node node) {
        for (int slot = node.firstSlot; slot <= node.shortSlot; slot++) {
            data[slot * SLOT] = (byte) 0xE5;
            freeBeforeEnd++;
        }
        nodes.remove(node);
        byName.values().removeIf(n -> n == node);
        shortKeys.remove(ShortNames.key(node.shortName));
        dirty = true;
    }

    /** Finds (or makes, by growing the directory) {@code count} consecutive free slots. */
    private int reserve(int count) throws IOException {
        int slotCount = data.length / SLOT;
        if (freeBeforeEnd >= count) {
            int run = 0;
            for (int slot = 0; slot < endSlot; slot++) {
                if ((data[slot * SLOT] & 0xFF) == 0xE5) {
                    if (++run == count) {
                        freeBeforeEnd -= count;
                        return slot - count + 1;
                    }
                } else {
                    run = 0;
                }
            }
        }
        int start = endSlot;
        while (start + count > slotCount) {
            if (fixedOffset >= 0) {
                throw new FatException("root directory full: all " + slotCount + " entries of the FAT12/16 root are used");
            }
            int clusterSize = fs.clusterSize();
            if (data.length + clusterSize > MAX_SLOTS * SLOT) {
                throw new FatException("directory " + path + " full: FAT allows at most " + MAX_SLOTS + " slots");
            }
            long added = fs.fat().extend(clusters.get(clusters.size() - 1), "directory " + path);
            clusters.add(added);
            data = Arrays.copyOf(data, data.length + clusterSize);
            slotCount = data.length / SLOT;
        }
        endSlot = start + count;
        return start;
    }

    /** Writes the slots back (every cluster run in one write each). */
    void flush(BlockDevice device) throws IOException {
        if (!dirty) {
            return;
        }
        if (fixedOffset >= 0) {
            device.write(ByteBuffer.wrap(data), fixedOffset);
        } else {
            int clusterSize = fs.clusterSize();
            int i = 0;
            while (i < clusters.size()) {
                int j = i + 1;
                while (j < clusters.size() && clusters.get(j) == clusters.get(j - 1) + 1) {
                    j++;
                }
                device.write(ByteBuffer.wrap(data, i * clusterSize, (j - i) * clusterSize), fs.clusterOffset(clusters.get(i)));
                i = j;
            }
        }
        dirty = false;
    }

    static ZonedDateTime clamp(Instant instant, ZoneId zone) {
        ZonedDateTime t = instant.atZone(zone);
        if (t.getYear() < 1980) {
            return LocalDateTime.of(1980, 1, 1, 0, 0).atZone(zone);
        }
        if (t.getYear() > 2107) {
            return LocalDateTime.of(2107, 12, 31, 23, 59, 58).atZone(zone);
        }
        return t;
    }

    static int dosTime(ZonedDateTime t) {
        return t.getHour() << 11 | t.getMinute() << 5 | t.getSecond() / 2;
    }

    static int dosDate(ZonedDateTime t) {
        return (t.getYear() - 1980) << 9 | t.getMonthValue() << 5 | t.getDayOfMonth();
    }

    /** The instant a DOS date/time means in {@code zone}; invalid fields give 1980-01-01. */
    static Instant decode(int date, int time, int tenths, ZoneId zone) {
        int year = 1980 + (date >>> 9);
        int month = date >>> 5 & 0xF;
        int day = date & 0x1F;
        int hour = time >>> 11;
        int minute = time >>> 5 & 0x3F;
        int second = (time & 0x1F) * 2 + Math.min(tenths, 199) / 100;
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, Math.min(tenths, 199) % 100 * 10_000_000)
                    .atZone(zone).toInstant();
        } catch (java.time.DateTimeException e) {
            return LocalDateTime.of(1980, 1, 1, 0, 0).atZone(zone).toInstant();
        }
    }
}
