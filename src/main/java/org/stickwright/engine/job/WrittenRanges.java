/*
 * Extract mode writes a stick through several writers (partition tables, the FAT writer, the
 * ext4 formatter), some of which write the same bytes more than once (a FAT sector, a directory
 * cluster). Hashing while writing would hash stale versions; instead every write is recorded as
 * a byte range, neighbouring ranges merge (the FAT writer streams the tree front to back, so a
 * 2 GiB stick ends up with a few hundred ranges), and once everything is written each range is
 * hashed from the device. Verification then reads the same ranges through the read-back device
 * (which bypasses the cache) and compares: every byte written is covered, nothing else is read.
 *
 * Ranges are widened to whole 4096-byte units so read-back through O_DIRECT stays aligned.
 */
package org.stickwright.engine.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.stickwright.engine.io.AlignedBuffers;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Progress;

/** A block device that remembers which byte ranges were written to it. */
public final class WrittenRanges implements BlockDevice {
    static final int UNIT = 4096;
    private static final int CHUNK = 4 << 20;

    /** One written range and the SHA-256 of its final content. */
    public record HashedRange(long offset, long length, String sha256) {
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

    /** Hashes every written range as it now is on {@code source}. */
    public List<HashedRange> hash(BlockDevice source, Progress progress, Cancellation cancellation) throws IOException {
        List<HashedRange> out = new ArrayList<>();
        for (long[] range : ranges()) {
            out.add(new HashedRange(range[0], range[1], sha256(source, range[0], range[1], progress, cancellation)));
        }
        return out;
    }

    /** SHA-256 of {@code length} bytes at {@code offset}, read in aligned chunks. */
    public static String sha256(BlockDevice source, long offset, long length, Progress progress, Cancellation cancellation)
            throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        ByteBuffer buffer = AlignedBuffers.allocate(CHUNK);
        long done = 0;
        while (done < length) {
            cancellation.check();
            int n = (int) Math.min(CHUNK, length - done);
            buffer.clear().limit(n);
            source.read(buffer, offset + done);
            buffer.flip();
            digest.update(buffer);
            done += n;
            progress.add(n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
