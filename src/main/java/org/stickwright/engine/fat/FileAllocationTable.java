/*
 * The File Allocation Table: one entry per cluster, entry n saying what follows cluster n in its
 * file (the next cluster number, an end-of-chain mark, 0 for free, the bad-cluster mark).
 * Entries 0 and 1 are reserved (entry 0 repeats the media byte). FAT12 packs two 12-bit entries
 * into three bytes: entry n lives at byte n*3/2, in the low 12 bits of that 16-bit word when n
 * is even and in the high 12 bits when odd. FAT32 entries are 32 bits of which the top 4 are
 * reserved and must be preserved when an entry is changed.
 *
 * The table is held in memory as an int per cluster (a 64 GiB volume with 32 KiB clusters: 8 MiB)
 * so that allocation can search for contiguous runs; only the changed range of entries is
 * written back, to every FAT copy.
 */
package org.stickwright.engine.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.io.BlockDevice;

/** The in-memory FAT of a volume, with chain walking that refuses loops and stray pointers. */
final class FileAllocationTable {
    /** A run of {@code length} consecutive clusters starting at {@code first}. */
    record Run(long first, long length) {
    }

    private final BootSector boot;
    private final FatType type;
    private final int[] entries;
    private final int limit;
    private long freeCount;
    private int nextFreeHint = 2;
    private int dirtyLow = Integer.MAX_VALUE;
    private int dirtyHigh = -1;

    private FileAllocationTable(BootSector boot, int[] entries) {
        this.boot = boot;
        this.type = boot.type;
        this.entries = entries;
        this.limit = (int) (boot.clusterCount + 2);
        long free = 0;
        for (int i = 2; i < limit; i++) {
            if (entry(i) == 0) {
                free++;
            }
        }
        this.freeCount = free;
    }

    /** Reads the first FAT copy. */
    static FileAllocationTable read(BlockDevice device, BootSector boot) throws IOException {
        int count = (int) (boot.clusterCount + 2);
        int[] entries = new int[count];
        long bytes = boot.type.fatBytes(count);
        long base = boot.fatOffset(0);
        int chunk = 1 << 20;
        // Read in whole chunks of entries; FAT12 tables are at most 6 KiB so they come in one piece.
        int entriesPerChunk = boot.type == FatType.FAT12 ? count : chunk / (boot.type.bits() / 8);
        for (int first = 0; first < count; first += entriesPerChunk) {
            int n = Math.min(entriesPerChunk, count - first);
            long from = boot.type.fatBytes(first);
            int length = (int) (first + n == count ? bytes - from : boot.type.fatBytes(first + n) - from);
            ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            device.read(b, base + from);
            for (int i = 0; i < n; i++) {
                entries[first + i] = decode(boot.type, b, first + i, from);
            }
        }
        return new FileAllocationTable(boot, entries);
    }

    /** A table for a freshly formatted volume: the reserved entries and the given root chain. */
    static FileAllocationTable fresh(BootSector boot) {
        int[] entries = new int[(int) (boot.clusterCount + 2)];
        entries[0] = boot.type.endOfChain() & ~0xFF | boot.media;
        entries[1] = boot.type.endOfChain();
        return new FileAllocationTable(boot, entries);
    }

    private static int decode(FatType type, ByteBuffer b, int index, long base) {
        switch (type) {
            case FAT12: {
                int at = index * 3 / 2;
                int word = Short.toUnsignedInt(b.getShort(at));
                return (index & 1) == 0 ? word & 0xFFF : word >>> 4;
            }
            case FAT16:
                return Short.toUnsignedInt(b.getShort((int) (index * 2L - base)));
            default:
                return b.getInt((int) (index * 4L - base));
        }
    }

    int size() {
        return limit;
    }

    long freeCount() {
        return freeCount;
    }

    int nextFreeHint() {
        return nextFreeHint;
    }

    /** The entry value without FAT32's reserved top bits. */
    int entry(int cluster) {
        return type == FatType.FAT32 ? entries[cluster] & 0x0FFFFFFF : entries[cluster];
    }

    void set(int cluster, int value) {
        int old = entry(cluster);
        if (old == 0 && value != 0) {
            freeCount--;
        } else if (old != 0 && value == 0) {
            freeCount++;
        }
        entries[cluster] = type == FatType.FAT32 ? entries[cluster] & 0xF0000000 | value : value;
        dirtyLow = Math.min(dirtyLow, cluster);
        dirtyHigh = Math.max(dirtyHigh, cluster);
    }

    boolean isValidCluster(long cluster) {
        return cluster >= 2 && cluster < limit;
    }

    private long entryOffset(int cluster) {
        return boot.fatOffset(0) + type.fatBytes(cluster);
    }

    /**
     * The runs of the chain starting at {@code first}, at most {@code maxClusters} clusters long
     * (more means a loop or a chain longer than its owner can use). {@code owner} names what the
     * chain belongs to, for messages.
     */
    List<Run> chain(long first, long maxClusters, String owner) throws FatException {
        List<Run> runs = new ArrayList<>();
        if (first == 0) {
            return runs;
        }
        if (!isValidCluster(first)) {
            throw new FatException("cluster chain of " + owner, boot.fatOffset(0),
                    "first cluster " + first + " lies outside clusters 2.." + (limit - 1));
        }
        long bound = Math.min(maxClusters, limit - 2L);
        int current = (int) first;
        long runStart = current;
        long runLength = 1;
        long visited = 1;
        while (true) {
            int next = entry(current);
            if (type.isEndOfChain(next)) {
                break;
            }
            if (next == 0 || type.isBad(next) || !isValidCluster(next)) {
                String what = next == 0 ? "a free cluster" : type.isBad(next) ? "a bad-cluster mark"
                        : "cluster " + next + ", outside clusters 2.." + (limit - 1);
                throw new FatException("cluster chain of " + owner, entryOffset(current),
                        "entry of cluster " + current + " points to " + what);
            }
            if (++visited > bound) {
                throw new FatException("cluster chain of " + owner, entryOffset(current),
                        "chain longer than " + bound + " clusters (a loop, or longer than its size allows)");
            }
            if (next == current + 1) {
                runLength++;
            } else {
                runs.add(new Run(runStart, runLength));
                runStart = next;
                runLength = 1;
            }
            current = next;
        }
        runs.add(new Run(runStart, runLength));
        return runs;
    }

    /** Frees every cluster of the chain (bounded like {@link #chain}). */
    void free(long first, String owner) throws FatException {
        for (Run run : chain(first, Long.MAX_VALUE, owner)) {
            for (long c = run.first(); c < run.first() + run.length(); c++) {
                set((int) c, 0);
            }
        }
    }

    /** Finds {@code count} consecutive free clusters, searching from the hint and wrapping once. */
    long findContiguous(long count) {
        if (count <= 0 || count > freeCount) {
            return -1;
        }
        long found = scanRun(nextFreeHint, limit, count);
        if (found < 0 && nextFreeHint > 2) {
            found = scanRun(2, limit, count);
        }
        return found;
    }

    private long scanRun(int from, int to, long count) {
        int runStart = -1;
        for (int c = from; c < to; c++) {
            if (entry(c) == 0) {
                if (runStart < 0) {
                    runStart = c;
                }
                if (c - runStart + 1 == count) {
                    return runStart;
                }
            } else {
                runStart = -1;
            }
        }
        return -1;
    }

    /** Links {@code count} clusters from {@code first} into one chain ending in end-of-chain. */
    void linkRun(long first, long count) {
        int end = (int) (first + count - 1);
        for (int c = (int) first; c < end; c++) {
            set(c, c + 1);
        }
        set(end, type.endOfChain());
        nextFreeHint = end + 1 < limit ? end + 1 : 2;
    }

    /**
     * Allocates a chain of {@code count} clusters: one contiguous run when there is one,
     * otherwise the first free clusters found. Returns the first cluster.
     */
    long allocate(long count, String owner) throws FatException {
        if (count > freeCount) {
            throw new FatException("volume full: " + owner + " needs " + count + " clusters, "
                    + freeCount + " are free");
        }
        long run = findContiguous(count);
        if (run >= 0) {
            linkRun(run, count);
            return run;
        }
        long first = -1;
        int previous = -1;
        long taken = 0;
        for (int c = 2; c < limit && taken < count; c++) {
            if (entry(c) == 0) {
                if (previous >= 0) {
                    set(previous, c);
                } else {
                    first = c;
                }
                set(c, type.endOfChain());
                previous = c;
                taken++;
            }
        }
        nextFreeHint = previous + 1 < limit ? previous + 1 : 2;
        return first;
    }

    /** Appends one free cluster to the chain ending at {@code last}; returns the new cluster. */
    long extend(long last, String owner) throws FatException {
        long next = findContiguous(1);
        if (next < 0) {
            throw new FatException("volume full: no free cluster to grow " + owner);
        }
        set((int) next, type.endOfChain());
        set((int) last, (int) next);
        nextFreeHint = next + 1 < limit ? (int) next + 1 : 2;
        return next;
    }

    /** Writes the changed entries to every FAT copy. */
    void flush(BlockDevice device) throws IOException {
        if (dirtyHigh < 0) {
            return;
        }
        int sector = boot.bytesPerSector;
        long fromByte;
        long toByte;
        if (type == FatType.FAT12) {
            fromByte = 0;
            toByte = type.fatBytes(limit);
        } else {
            fromByte = type.fatBytes(dirtyLow) / sector * sector;
            toByte = Math.min(type.fatBytes(dirtyHigh + 1L), type.fatBytes(limit));
        }
        ByteBuffer b = ByteBuffer.allocate((int) (toByte - fromByte)).order(ByteOrder.LITTLE_ENDIAN);
        if (type == FatType.FAT12) {
            for (int i = 0; i < limit; i++) {
                int at = i * 3 / 2;
                int value = entries[i] & 0xFFF;
                if ((i & 1) == 0) {
                    b.put(at, (byte) value);
                    b.put(at + 1, (byte) (b.get(at + 1) & 0xF0 | value >>> 8));
                } else {
                    b.put(at, (byte) (b.get(at) & 0x0F | (value & 0x0F) << 4));
                    b.put(at + 1, (byte) (value >>> 4));
                }
            }
        } else {
            int width = type.bits() / 8;
            int firstEntry = (int) (fromByte / width);
            int lastEntry = (int) (toByte / width);
            for (int i = firstEntry; i < lastEntry; i++) {
                int at = (int) ((long) i * width - fromByte);
                if (width == 2) {
                    b.putShort(at, (short) entries[i]);
                } else {
                    b.putInt(at, entries[i]);
                }
            }
        }
        for (int copy = 0; copy < boot.numberOfFats; copy++) {
            device.write(b.clear(), boot.fatOffset(copy) + fromByte);
        }
        dirtyLow = Integer.MAX_VALUE;
        dirtyHigh = -1;
    }
}
