/*
 * A dm-snapshot persistent exception store ("COW file") as the Linux kernel leaves it on disk
 * (drivers/md/dm-snap-persistent.c), read without device-mapper:
 *
 *   chunk 0            header: magic "SnAp", valid, version 1, chunk size in sectors (LE u32s)
 *   chunk 1            metadata area 0: up to chunk/16 records {old_chunk, new_chunk} (LE u64s)
 *   chunks 2..E+1      the data chunks area 0 maps (E = exceptions per area = chunk bytes / 16)
 *   chunk E+2          metadata area 1, then its E data chunks, and so on (stride E+1)
 *
 * A record whose new_chunk is 0 ends the table; the kernel reads area after area only while
 * each is completely full. From the table this class derives exactly what the guest's
 * `dmsetup status` prints for the snapshot: allocated/total metadata sectors.
 */
package org.stickwright.engine.overlay;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.stickwright.engine.io.BlockDevice;

/**
 * What a dm-snapshot persistent store holds: its header, its exception table, and the usage
 * figures the kernel's {@code persistent_usage()} reports once the store is loaded.
 *
 * <p>Read-only: {@link #read(BlockDevice)} walks the table the way the kernel's
 * {@code read_exceptions()} does and rejects what would make the kernel fail or misbehave (bad
 * magic, unknown version, impossible chunk size, a metadata area past the end, a record pointing
 * past the end or at a metadata chunk) with a {@link DmSnapshotException} naming the structure
 * and its byte offset. {@link DmSnapshotEditor} changes stores.
 */
public final class DmSnapshotStore {
    /** "SnAp" read as a little-endian u32. */
    public static final int MAGIC = 0x70416e53;
    /** The only on-disk version the kernel accepts. */
    public static final int VERSION = 1;
    /** dracut's and archiso's chunk size: 8 sectors = 4 KiB (table {@code snapshot ... PO 8}). */
    public static final int DRACUT_CHUNK_SECTORS = 8;
    /** Size of one {@code struct disk_exception}. */
    public static final int RECORD_BYTES = 16;
    static final int SECTOR = 512;
    /** The kernel refuses larger chunks ({@code chunk_size > INT_MAX >> SECTOR_SHIFT}). */
    static final long MAX_CHUNK_SECTORS = Integer.MAX_VALUE >> 9;
    private static final int READ_BLOCK = 64 * 1024;

    /** What the header says. */
    public enum State {
        /** Magic 0: the kernel initialises the store when it first loads it. */
        FRESH,
        /** Magic "SnAp", valid = 1: the kernel loads the table. */
        VALID,
        /** Magic "SnAp", valid = 0: the kernel refuses all I/O ("Snapshot is marked invalid"). */
        INVALID
    }

    private final long sizeBytes;
    private final State state;
    private final int validField;
    private final int chunkSectors;
    private final long[] oldChunks;
    private final long[] newChunks;
    private final int count;
    private final long currentArea;
    private final long nextFree;

    private DmSnapshotStore(long sizeBytes, State state, int validField, int chunkSectors, long[] oldChunks,
            long[] newChunks, int count, long currentArea, long nextFree) {
        this.sizeBytes = sizeBytes;
        this.state = state;
        this.validField = validField;
        this.chunkSectors = chunkSectors;
        this.oldChunks = oldChunks;
        this.newChunks = newChunks;
        this.count = count;
        this.currentArea = currentArea;
        this.nextFree = nextFree;
    }

    /** Reads the header and, unless the store is fresh, the whole exception table. */
    public static DmSnapshotStore read(BlockDevice cow) throws IOException {
        long size = cow.size();
        if (size < SECTOR) {
            throw new DmSnapshotException("header", 0, "store of " + size + " bytes is shorter than one sector");
        }
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        readFully(cow, header, 0, "header");
        int magic = header.getInt(0);
        int valid = header.getInt(4);
        int version = header.getInt(8);
        int chunk = header.getInt(12);
        if (magic == 0) {
            return new DmSnapshotStore(size, State.FRESH, 0, DRACUT_CHUNK_SECTORS, new long[0], new long[0], 0, 0,
                    2);
        }
        if (magic != MAGIC) {
            throw new DmSnapshotException("header", 0, String.format(
                    "magic 0x%08x is neither 0 (fresh) nor \"SnAp\" (0x%08x): the kernel reports an invalid or corrupt"
                            + " snapshot", magic, MAGIC));
        }
        if (version != VERSION) {
            throw new DmSnapshotException("header", 8, "version " + Integer.toUnsignedString(version)
                    + ", the kernel only handles version " + VERSION);
        }
        if (chunk <= 0 || Integer.bitCount(chunk) != 1 || chunk > MAX_CHUNK_SECTORS) {
            throw new DmSnapshotException("header", 12, "chunk size " + Integer.toUnsignedString(chunk)
                    + " sectors is not a power of two the kernel accepts");
        }
        long chunkBytes = (long) chunk * SECTOR;
        long deviceChunks = (size / SECTOR) / chunk;
        int perArea = (int) (chunkBytes / RECORD_BYTES);
        long stride = perArea + 1L;
        long[] olds = new long[16];
        long[] news = new long[16];
        int n = 0;
        long nextFree = 2;
        long area = 0;
        ByteBuffer block = ByteBuffer.allocate((int) Math.min(chunkBytes, READ_BLOCK)).order(ByteOrder.LITTLE_ENDIAN);
        while (true) {
            long location = 1 + area * stride;
            long areaOffset = location * chunkBytes;
            if (location >= deviceChunks) {
                throw new DmSnapshotException("metadata area " + area, areaOffset, "lies past the end of the "
                        + size + "-byte store (the area before it is full, so the kernel reads this one)");
            }
            boolean full = true;
            int index = 0;
            for (long done = 0; done < chunkBytes && full; done += block.capacity()) {
                block.clear();
                readFully(cow, block, areaOffset + done, "metadata area " + area);
                for (int at = 0; at < block.capacity(); at += RECORD_BYTES, index++) {
                    long oldChunk = block.getLong(at);
                    long newChunk = block.getLong(at + 8);
                    if (newChunk == 0) {
                        full = false;
                        break;
                    }
                    long recordOffset = areaOffset + done + at;
                    String record = "exception record " + index + " of metadata area " + area;
                    if (newChunk < 0 || newChunk >= deviceChunks) {
                        throw new DmSnapshotException(record, recordOffset, "new_chunk " + Long.toUnsignedString(newChunk)
                                + " points past the end of the store (" + deviceChunks + " chunks)");
                    }
                    if (newChunk % stride == 1) {
                        throw new DmSnapshotException(record, recordOffset, "new_chunk " + newChunk
                                + " points at a metadata area, not a data chunk");
                    }
                    if (oldChunk < 0 || oldChunk > Long.MAX_VALUE / chunkBytes) {
                        throw new DmSnapshotException(record, recordOffset, "old_chunk "
                                + Long.toUnsignedString(oldChunk) + " lies beyond any origin device");
                    }
                    if (n == olds.length) {
                        olds = Arrays.copyOf(olds, n * 2);
                        news = Arrays.copyOf(news, n * 2);
                    }
                    olds[n] = oldChunk;
                    news[n] = newChunk;
                    n++;
                    nextFree = Math.max(nextFree, newChunk + 1);
                }
            }
            if (!full) {
                break;
            }
            area++;
        }
        if (nextFree % stride == 1) {
            nextFree++; // skip_metadata(): the next allocation never lands on a metadata chunk
        }
        State state = valid == 0 ? State.INVALID : State.VALID;
        return new DmSnapshotStore(size, state, valid, chunk, olds, news, n, area, nextFree);
    }

    private static void readFully(BlockDevice device, ByteBuffer into, long offset, String structure)
            throws IOException {
        try {
            device.read(into, offset);
        } catch (EOFException e) {
            throw new DmSnapshotException(structure, offset, "store ends before it (" + e.getMessage() + ")");
        }
    }

    public State state() {
        return state;
    }

    /** The raw {@code valid} field (only 0 and 1 are written by the kernel). */
    public int validField() {
        return validField;
    }

    /** Chunk size in sectors (for a fresh store, dracut's {@value #DRACUT_CHUNK_SECTORS}). */
    public int chunkSectors() {
        return chunkSectors;
    }

    public long chunkBytes() {
        return (long) chunkSectors * SECTOR;
    }

    /** Records per metadata area: chunk bytes / 16. */
    public int exceptionsPerArea() {
        return (int) (chunkBytes() / RECORD_BYTES);
    }

    /** Chunk index of metadata area {@code area} ({@code area_location()}). */
    public long areaLocation(long area) {
        return 1 + area * (exceptionsPerArea() + 1L);
    }

    /** Whether chunk {@code chunk} holds the header or a metadata area. */
    public boolean isMetadataChunk(long chunk) {
        return chunk == 0 || chunk % (exceptionsPerArea() + 1L) == 1;
    }

    /** Size of the store in bytes. */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** Number of exception records (origin chunks changed). */
    public int exceptionCount() {
        return count;
    }

    /** Origin chunk of record {@code index} (table order). */
    public long oldChunk(int index) {
        checkIndex(index);
        return oldChunks[index];
    }

    /** Store chunk holding the new data of record {@code index}. */
    public long newChunk(int index) {
        checkIndex(index);
        return newChunks[index];
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(index + " of " + count);
        }
    }

    /** The area the kernel fills next (the first one not completely full). */
    public long currentArea() {
        return currentArea;
    }

    /** The chunk the kernel allocates next ({@code next_free} after loading). */
    public long nextFreeChunk() {
        return nextFree;
    }

    /** {@code dmsetup status} field: allocated sectors (header and metadata included). */
    public long allocatedSectors() {
        return nextFree * chunkSectors;
    }

    /** {@code dmsetup status} field: the store's size in sectors. */
    public long totalSectors() {
        return sizeBytes / SECTOR;
    }

    /** {@code dmsetup status} field: header plus metadata areas in use, in sectors. */
    public long metadataSectors() {
        return (currentArea + 2) * chunkSectors;
    }

    /** Bytes in use, as {@code allocated} counts them. */
    public long usedBytes() {
        return allocatedSectors() * SECTOR;
    }

    /**
     * True when the kernel's next allocation would fail ({@code (next_free + 1) × chunk >
     * size}): with {@code PO} (dracut) the snapshot overflows, with {@code P} it is invalidated.
     */
    public boolean full() {
        return (nextFree + 1) * chunkSectors > totalSectors();
    }

    /**
     * What {@code dmsetup status} prints for this store once loaded after a boot: {@code
     * "<allocated>/<total> <metadata>"}, or {@code Invalid}. For a fresh store: what the
     * kernel prints right after initialising it with dracut's chunk size.
     */
    public String dmsetupStatus() {
        if (state == State.INVALID) {
            return "Invalid";
        }
        return allocatedSectors() + "/" + totalSectors() + " " + metadataSectors();
    }

    /**
     * The smallest size this store may be cut to: everything allocated, the metadata area the
     * kernel reads last, and one free chunk (without it the next write overflows at once).
     */
    public long minimumSizeBytes() {
        long chunks = Math.max(nextFree + 1, areaLocation(currentArea) + 1);
        return chunks * chunkBytes();
    }
}
