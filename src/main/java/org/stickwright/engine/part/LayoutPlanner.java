package org.stickwright.engine.part;

/*
 * Where new partitions go. Every partition starts on a 1 MiB boundary: that is a multiple of
 * every flash erase block and page size in use, of 4 KiB physical sectors, and of the 2048-sector
 * start fdisk and Windows have used since 2009, so no filesystem block straddles two flash pages.
 *
 * Example: a 4 GiB stick holding a 3,014,657,024-byte ISO (1 KiB past MiB 2875), a 1 GiB
 * persistence partition and a data partition for the rest under GPT:
 *   persistence  starts at MiB 2876 (3,014,657,024 rounded up to 1 MiB = 3,015,704,576), 1 GiB
 *   data         starts at MiB 3900, ends at MiB 4095: the last whole MiB before the backup array
 */

import java.util.ArrayList;
import java.util.List;

/** Places partitions 1 MiB aligned after existing content, never overlapping, inside the usable area. */
public final class LayoutPlanner {
    public static final long ALIGNMENT = 1L << 20;
    /** MBR entries count sectors in 32 bits. */
    public static final long MBR_MAX_SECTORS = 0xFFFFFFFFL;

    private final long usableEndBytes;
    private final int sectorSize;

    /**
     * @param usableEndBytes one past the last byte partitions may use
     * @param sectorSize     logical sector size (a divisor of 1 MiB)
     */
    public LayoutPlanner(long usableEndBytes, int sectorSize) {
        if (usableEndBytes < 0 || sectorSize <= 0 || ALIGNMENT % sectorSize != 0) {
            throw new IllegalArgumentException("usable end " + usableEndBytes + ", sector size " + sectorSize);
        }
        this.usableEndBytes = usableEndBytes;
        this.sectorSize = sectorSize;
    }

    /**
     * A planner for an MBR disk: no further than MBR's 32-bit sector fields reach, and leaving the
     * last 33 sectors free, where a backup GPT would go: the disk can later be converted to GPT
     * without shrinking a partition, and gdisk's in-memory conversion finds nothing overlapping.
     */
    public static LayoutPlanner forMbr(long diskBytes, int sectorSize) {
        long tail = 1 + Gpt.arraySectors(Gpt.DEFAULT_ENTRY_COUNT, GptPartitionEntry.MIN_SIZE, sectorSize);
        return new LayoutPlanner(Math.max(0, Math.min(diskBytes / sectorSize - tail, MBR_MAX_SECTORS)) * sectorSize, sectorSize);
    }

    /** A planner for a GPT disk whose backup array of {@code entryArraySectors} sits before the last sector. */
    public static LayoutPlanner forGpt(long diskBytes, int sectorSize, long entryArraySectors) {
        long diskSectors = diskBytes / sectorSize;
        return new LayoutPlanner(Math.max(0, diskSectors - 1 - entryArraySectors) * sectorSize, sectorSize);
    }

    /** One past the last usable byte. */
    public long usableEndBytes() {
        return usableEndBytes;
    }

    /** A size wanted for one partition. */
    public record Request(long bytes) {
        private static final long REST = -1;

        public Request {
            if (bytes <= 0 && bytes != REST) {
                throw new IllegalArgumentException("partition size must be positive: " + bytes);
            }
        }

        public static Request ofSize(long bytes) {
            return new Request(bytes);
        }

        /** Everything from the partition's aligned start to the usable end; only as the last request. */
        public static Request restOfDisk() {
            return new Request(REST);
        }

        public boolean isRestOfDisk() {
            return bytes == REST;
        }
    }

    /** Where one partition goes, in bytes. */
    public record Extent(long offset, long length) {
        public long end() {
            return offset + length;
        }

        public long firstSector(int sectorSize) {
            return offset / sectorSize;
        }

        public long sectorCount(int sectorSize) {
            return length / sectorSize;
        }
    }

    /**
     * Places {@code requests} in order after {@code contentEndBytes} (an ISO's size, or 0 for an
     * empty disk; the first MiB is never used). Sizes are rounded up to whole MiB and "the rest
     * of the disk" down, so partitions end on MiB boundaries too (LUKS and sgdisk ask for that).
     *
     * @throws LayoutDoesNotFitException naming the first request that does not fit and the
     *                                   largest size it could have
     */
    public List<Extent> plan(long contentEndBytes, List<Request> requests) throws LayoutDoesNotFitException {
        if (contentEndBytes < 0) {
            throw new IllegalArgumentException("content end " + contentEndBytes);
        }
        List<Extent> extents = new ArrayList<>(requests.size());
        long cursor = Math.max(contentEndBytes, ALIGNMENT);
        for (int i = 0; i < requests.size(); i++) {
            Request request = requests.get(i);
            if (request.isRestOfDisk() && i != requests.size() - 1) {
                throw new IllegalArgumentException("only the last partition can take the rest of the disk");
            }
            long start = alignUp(cursor, ALIGNMENT);
            long room = start >= usableEndBytes ? 0 : (usableEndBytes - start) / ALIGNMENT * ALIGNMENT;
            long length = request.isRestOfDisk() ? room : alignUp(request.bytes(), ALIGNMENT);
            if (length <= 0 || length > room) {
                throw new LayoutDoesNotFitException(i, request.bytes(), room);
            }
            extents.add(new Extent(start, length));
            cursor = start + length;
        }
        return extents;
    }

    static long alignUp(long value, long alignment) {
        long rounded = (value + alignment - 1) / alignment * alignment;
        if (rounded < value) {
            throw new ArithmeticException("overflow aligning " + value);
        }
        return rounded;
    }
}
