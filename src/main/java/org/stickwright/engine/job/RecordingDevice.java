/*
 * Every write a create job makes after the ISO itself (table entries, patched config blocks,
 * filesystem metadata) passes through this wrapper, which notes the 4 KiB blocks it touched.
 * After writing, the job hashes those blocks as the target now holds them (one SHA-256 per run
 * of adjacent blocks); verification reads the same runs back past the cache and compares. 4 KiB
 * is the alignment direct I/O needs on every drive, 512e and 4Kn alike.
 *
 * Example: formatting a 256 MiB ext4 persistence partition at byte 34,603,008 touches the
 * superblock, descriptor table, bitmaps, a few inode-table blocks, the journal superblock, the
 * root and lost+found directories: some 20 runs, under 300 KiB in all.
 */
package org.stickwright.engine.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.stickwright.engine.io.AlignedBuffers;
import org.stickwright.engine.io.BlockDevice;

/** A pass-through device that remembers which 4 KiB blocks were written. */
final class RecordingDevice implements BlockDevice {
    static final int BLOCK = 4096;
    private static final int READ_PIECE = 4 << 20;

    /** A run of written blocks and the SHA-256 of its bytes as written. */
    record Run(long offset, long length, byte[] sha256) {
    }

    private final BlockDevice target;
    /** Run start → run end (exclusive), in bytes, kept merged. */
    private final TreeMap<Long, Long> runs = new TreeMap<>();

    RecordingDevice(BlockDevice target) {
        this.target = target;
    }

    @Override
    public long size() throws IOException {
        return target.size();
    }

    @Override
    public int logicalSectorSize() {
        return target.logicalSectorSize();
    }

    @Override
    public int physicalSectorSize() {
        return target.physicalSectorSize();
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        target.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        long length = src.remaining();
        target.write(src, position);
        if (length > 0) {
            note(position / BLOCK * BLOCK, (position + length + BLOCK - 1) / BLOCK * BLOCK);
        }
    }

    private synchronized void note(long start, long end) {
        Map.Entry<Long, Long> before = runs.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
        }
        Map.Entry<Long, Long> next = runs.ceilingEntry(start);
        while (next != null && next.getKey() <= end) {
            end = Math.max(end, next.getValue());
            runs.remove(next.getKey());
            next = runs.ceilingEntry(start);
        }
        runs.put(start, end);
    }

    @Override
    public void flush() throws IOException {
        target.flush();
    }

    @Override
    public String name() {
        return target.name();
    }

    @Override
    public void close() {
        // The target belongs to the caller.
    }

    /** The written runs, hashed as the target holds them now (clipped to its size). */
    synchronized List<Run> hashRuns() throws IOException {
        List<Run> hashed = new ArrayList<>();
        long size = target.size();
        ByteBuffer buffer = ByteBuffer.allocate(READ_PIECE);
        for (Map.Entry<Long, Long> run : runs.entrySet()) {
            long start = run.getKey();
            long end = Math.min(run.getValue(), size);
            if (end <= start) {
                continue;
            }
            MessageDigest sha = sha256();
            for (long at = start; at < end; at += READ_PIECE) {
                int n = (int) Math.min(READ_PIECE, end - at);
                buffer.clear().limit(n);
                target.read(buffer, at);
                sha.update(buffer.array(), 0, n);
            }
            hashed.add(new Run(start, end - start, sha.digest()));
        }
        return hashed;
    }

    /** The bytes recorded, in all. */
    synchronized long recordedBytes() {
        return runs.entrySet().stream().mapToLong(e -> e.getValue() - e.getKey()).sum();
    }

    /** Reads a run back through {@code readBack} (direct I/O allowed) and returns the offset of a mismatch, or -1. */
    static long check(BlockDevice readBack, Run run) throws IOException {
        MessageDigest sha = sha256();
        ByteBuffer buffer = AlignedBuffers.allocate(READ_PIECE);
        long end = run.offset() + run.length();
        for (long at = run.offset(); at < end; at += READ_PIECE) {
            int n = (int) Math.min(READ_PIECE, end - at);
            int aligned = (n + BLOCK - 1) / BLOCK * BLOCK;
            aligned = (int) Math.min(aligned, readBack.size() - at);
            buffer.clear().limit(aligned);
            readBack.read(buffer, at);
            buffer.flip().limit(n);
            sha.update(buffer);
        }
        return java.util.Arrays.equals(sha.digest(), run.sha256()) ? -1 : run.offset();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
