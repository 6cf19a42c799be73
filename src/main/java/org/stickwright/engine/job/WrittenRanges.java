/*
 * Extract mode writes a stick through several writers (partition tables, the FAT writer, the
 * ext4 formatter), some of which write the same bytes more than once (a FAT sector, a directory
 * cluster). Hashing while writing would hash stale versions; instead every write is recorded as
 * a byte range, neighbouring ranges merge (the FAT writer streams the tree front to back, so a
 * 2 GiB stick ends up with a few hundred ranges), and once everything is written each range is
 * summed from the device: a CRC32C per 4 MiB chunk (hardware-accelerated, so summing costs a
 * fraction of the copy; a CRC catches every burst error up to 32 bits and any other corruption
 * with odds of 2^-32 per chunk, and it names the chunk that differs). Verification then reads
 * the same ranges through the read-back device (which bypasses the cache) and compares: every
 * byte written is covered, nothing else is read.
 *
 * Ranges are widened to whole 4096-byte units so read-back through O_DIRECT stays aligned.
 */
package org.stickwright.engine.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.stickwright.engine.io.AlignedBuffers;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Progress;

/** A block device that remembers which byte ranges were written to it. */
public final class WrittenRanges implements BlockDevice {
    static final int UNIT = 4096;
    private static final int CHUNK = 4 << 20;

    /** One written range and the CRC32C of each 4 MiB chunk of its final content. */
    public record HashedRange(long offset, long length, int[] crc32c) {
        /** The byte offset where the first chunk differing from {@code other} starts, or -1. */
        public long firstDifference(int[] other) {
            for (int i = 0; i < crc32c.length; i++) {
                if (i >= other.length || crc32c[i] != other[i]) {
                    return offset + (long) i * CHUNK;
                }
            }
            return other.length == crc32c.length ? -1 : offset + (long) crc32c.length * CHUNK;
        }
    }

    private final BlockDevice device;
    /** start -> end (exclusive), in UNIT multiples, never overlapping or touching. */
    private final TreeMap<Long, Long> ranges = new TreeMap<>();
    private long bytesWritten;

    public WrittenRanges(BlockDevice device) {
        this.device = device;
    }

    @Override
    public long size() throws IOException {
        return device.size();
    }

    @Override
    public int logicalSectorSize() {
        return device.logicalSectorSize();
    }

    @Override
    public int physicalSectorSize() {
        return device.physicalSectorSize();
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        device.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        int length = src.remaining();
        device.write(src, position);
        bytesWritten += length;
        if (length > 0) {
            record(position, position + length);
        }
    }

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public String name() {
        return device.name();
    }

    @Override
    public void close() {
        // the device belongs to the caller
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    /** The merged ranges written so far, in UNIT-aligned bytes (clipped to the device). */
    public List<long[]> ranges() throws IOException {
        long size = device.size();
        List<long[]> out = new ArrayList<>();
        for (Map.Entry<Long, Long> e : ranges.entrySet()) {
            out.add(new long[] {e.getKey(), Math.min(e.getValue(), size) - e.getKey()});
        }
        return out;
    }

    private void record(long from, long to) {
        long start = from / UNIT * UNIT;
        long end = (to + UNIT - 1) / UNIT * UNIT;
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
        }
        Map.Entry<Long, Long> next = ranges.ceilingEntry(start);
        while (next != null && next.getKey() <= end) {
            end = Math.max(end, next.getValue());
            ranges.remove(next.getKey());
            next = ranges.ceilingEntry(start);
        }
        ranges.put(start, end);
    }

    /** Sums every written range as it now is on {@code source}. */
    public List<HashedRange> hash(BlockDevice source, Progress progress, Cancellation cancellation) throws IOException {
        List<HashedRange> out = new ArrayList<>();
        for (long[] range : ranges()) {
            out.add(new HashedRange(range[0], range[1], checksums(source, range[0], range[1], progress, cancellation)));
        }
        return out;
    }

    /** The CRC32C of each 4 MiB chunk of {@code length} bytes at {@code offset}, read in aligned chunks. */
    public static int[] checksums(BlockDevice source, long offset, long length, Progress progress,
            Cancellation cancellation) throws IOException {
        int[] sums = new int[(int) ((length + CHUNK - 1) / CHUNK)];
        ByteBuffer buffer = AlignedBuffers.allocate(CHUNK);
        CRC32C crc = new CRC32C();
        for (int i = 0; i < sums.length; i++) {
            cancellation.check();
            long at = (long) i * CHUNK;
            int n = (int) Math.min(CHUNK, length - at);
            buffer.clear().limit(n);
            source.read(buffer, offset + at);
            buffer.flip();
            crc.reset();
            crc.update(buffer);
            sums[i] = (int) crc.getValue();
            progress.add(n);
        }
        return sums;
    }
}
