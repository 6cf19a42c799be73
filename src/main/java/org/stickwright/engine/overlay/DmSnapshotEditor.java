/*
 * Offline edits of a dm-snapshot persistent store, each one derived from what the kernel reads
 * (drivers/md/dm-snap-persistent.c):
 *   reset    magic 0 makes the kernel write a new header and zero area 0: zero the first 64 KiB
 *            (dracut's and livecd-iso-to-disk's reset), or the whole header chunk if larger
 *   recover  valid (offset 4) back to 1: the table is still on disk, the kernel loads it again
 *   resize   area positions depend only on the chunk size, so a store grows by appending; the
 *            grown part's metadata chunks are zeroed so no stale bytes can ever pass for records.
 *            It shrinks only down to what is allocated plus the area the kernel reads last.
 *   merge    every record copies one chunk from the store to old_chunk in the origin image
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.stickwright.engine.io.BlockDevice;

/** Reset, recover, resize and merge of a dm-snapshot store held in a {@link BlockDevice}. */
public final class DmSnapshotEditor {
    /** What dracut ({@code rd.live.overlay.reset}) and livecd-iso-to-disk zero to reset a store. */
    public static final int RESET_BYTES = 64 * 1024;
    private static final int COPY_BLOCK = 1024 * 1024;

    private DmSnapshotEditor() {
    }

    /** Makes {@code cow} a fresh store: the kernel initialises it at the next boot. */
    public static void reset(BlockDevice cow) throws IOException {
        long size = cow.size();
        long chunkBytes = DmSnapshotStore.DRACUT_CHUNK_SECTORS * (long) DmSnapshotStore.SECTOR;
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        if (size >= 16) {
            cow.read(header, 0);
            int chunk = header.getInt(12);
            if (header.getInt(0) == DmSnapshotStore.MAGIC && chunk > 0 && Integer.bitCount(chunk) == 1
                    && chunk <= DmSnapshotStore.MAX_CHUNK_SECTORS) {
                chunkBytes = (long) chunk * DmSnapshotStore.SECTOR;
            }
        }
        zero(cow, 0, Math.min(size, Math.max(RESET_BYTES, chunkBytes)));
        cow.flush();
    }

    /** What {@link #recover} did and what it could not bring back. */
    public record Recovery(int exceptions, long usedBytes, boolean full, String lost) {
    }

    /**
     * Sets the valid flag of an invalidated store back to 1. The kernel invalidates a store when
     * a write to it failed or (without {@code O}) when it ran full: that write, and others in
     * flight then, never reached the store, so the file system on top must be checked.
     */
    public static Recovery recover(BlockDevice cow) throws IOException {
        DmSnapshotStore store = DmSnapshotStore.read(cow);
        if (store.state() != DmSnapshotStore.State.INVALID) {
            throw new DmSnapshotException("the store is " + store.state().name().toLowerCase(java.util.Locale.ROOT)
                    + ", not invalidated: nothing to recover");
        }
        ByteBuffer valid = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1);
        cow.write(valid, 4);
        cow.flush();
        DmSnapshotStore again = DmSnapshotStore.read(cow);
        if (again.state() != DmSnapshotStore.State.VALID) {
            throw new DmSnapshotException("header", 4, "the valid flag did not read back as 1");
        }
        String lost = "writes that failed when the kernel invalidated the store (and any in flight then) are"
                + " missing; check the root file system (e2fsck -f) before trusting it"
                + (again.full() ? "; the store is full: grow it, or the next write overflows again" : "");
        return new Recovery(again.exceptionCount(), again.usedBytes(), again.full(), lost);
    }

    /**
     * The size a resize to {@code requested} bytes really gives (rounded down to whole chunks),
     * or the reason it is refused: a fresh or invalid store, or a shrink below
     * {@link DmSnapshotStore#minimumSizeBytes()}.
     */
    public static long checkResize(DmSnapshotStore store, long requested) throws DmSnapshotException {
        if (store.state() == DmSnapshotStore.State.INVALID) {
            throw new DmSnapshotException("the store is invalidated: recover it before resizing");
        }
        long size = requested / store.chunkBytes() * store.chunkBytes();
        long minimum = store.state() == DmSnapshotStore.State.FRESH
                ? 3 * store.chunkBytes() : store.minimumSizeBytes();
        if (size < minimum) {
            throw new DmSnapshotException("cannot resize to " + requested + " bytes: the store needs at least "
                    + minimum + " bytes (" + store.usedBytes() + " allocated, plus the metadata area the kernel"
                    + " reads last and one free chunk)");
        }
        return size;
    }

    /**
     * Copies a store into {@code to} (already the new size) for a resize: every byte up to the
     * smaller size, then zeros over each metadata area chunk of the grown part. With
     * {@code toIsZeroed} (a fresh sparse file) all-zero blocks are skipped, not written.
     */
    public static void copyResized(BlockDevice from, DmSnapshotStore store, BlockDevice to, boolean toIsZeroed)
            throws IOException {
        long newSize = to.size();
        long keep = Math.min(store.sizeBytes(), newSize);
        ByteBuffer buffer = ByteBuffer.allocate(COPY_BLOCK);
        for (long at = 0; at < keep; at += COPY_BLOCK) {
            int length = (int) Math.min(COPY_BLOCK, keep - at);
            buffer.clear().limit(length);
            from.read(buffer, at);
            if (toIsZeroed && isZero(buffer.array(), length)) {
                continue;
            }
            buffer.flip();
            to.write(buffer, at);
        }
        // Data chunks of the grown part may keep stale bytes: the kernel copies the origin chunk
        // into a data chunk before it records it. Metadata chunks must read as zero.
        zeroMetadataFrom(to, store, keep);
    }

    /**
     * Zeros every metadata area chunk at or after byte {@code from} of {@code cow} (sized as it
     * is now): after a grow in place, the part beyond the old end may hold stale bytes.
     */
    public static void zeroMetadataFrom(BlockDevice cow, DmSnapshotStore store, long from) throws IOException {
        long chunkBytes = store.chunkBytes();
        long chunks = cow.size() / chunkBytes;
        long stride = store.exceptionsPerArea() + 1L;
        long firstChunk = (from + chunkBytes - 1) / chunkBytes;
        long area = Math.max(0, (firstChunk - 1 + stride - 1) / stride);
        for (long location = store.areaLocation(area); location < chunks; location += stride) {
            if (location >= firstChunk) {
                zero(cow, location * chunkBytes, chunkBytes);
            }
        }
        cow.flush();
    }

    /** What {@link #merge} did. */
    public record MergeResult(int applied, int truncated, int outsideOrigin) {
    }

    /**
     * Applies the exception table to {@code origin} (the image the snapshot was taken of,
     * e.g. a writable copy of {@code LiveOS/rootfs.img}): each record's chunk goes to
     * {@code old_chunk × chunk}; the origin's last partial chunk gets only what fits, as the
     * kernel's snapshot-merge does; records beyond the origin are counted and skipped.
     */
    public static MergeResult merge(DmSnapshotStore store, BlockDevice cow, BlockDevice origin) throws IOException {
        if (store.state() == DmSnapshotStore.State.INVALID) {
            throw new DmSnapshotException("the store is invalidated: recover it before merging");
        }
        long chunkBytes = store.chunkBytes();
        long originSize = origin.size();
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(chunkBytes, COPY_BLOCK));
        int applied = 0;
        int truncated = 0;
        int outside = 0;
        for (int i = 0; i < store.exceptionCount(); i++) {
            long target = store.oldChunk(i) * chunkBytes;
            if (target >= originSize) {
                outside++;
                continue;
            }
            long length = Math.min(chunkBytes, originSize - target);
            if (length < chunkBytes) {
                truncated++;
            }
            long source = store.newChunk(i) * chunkBytes;
            for (long done = 0; done < length; done += buffer.capacity()) {
                int part = (int) Math.min(buffer.capacity(), length - done);
                buffer.clear().limit(part);
                cow.read(buffer, source + done);
                buffer.flip();
                origin.write(buffer, target + done);
            }
            applied++;
        }
        origin.flush();
        return new MergeResult(applied, truncated, outside);
    }

    static void zero(BlockDevice device, long offset, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(COPY_BLOCK, Math.max(length, 1)));
        for (long done = 0; done < length; done += zeros.capacity()) {
            int part = (int) Math.min(zeros.capacity(), length - done);
            zeros.clear().limit(part);
            device.write(zeros, offset + done);
        }
    }

    private static boolean isZero(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
