package org.stickwright.engine.overlay;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.io.MemoryBlockDevice;

/**
 * Writes stores the way the kernel's persistent exception store fills them (a model for unit
 * tests; the boot tests check against the real kernel): header, then each new exception gets
 * {@code next_free} (metadata chunks skipped), its record goes into the current area, a full
 * area makes the next one current (zeroed first). Also remembers what the kernel's status
 * would print.
 */
final class KernelLikeStore {
    final MemoryBlockDevice device;
    final int chunkSectors;
    final int perArea;
    final List<long[]> records = new ArrayList<>();
    long nextFree = 2;
    long currentArea;
    int committedInArea;

    KernelLikeStore(long sizeBytes, int chunkSectors) {
        this.device = new MemoryBlockDevice(sizeBytes);
        this.chunkSectors = chunkSectors;
        this.perArea = chunkSectors * 512 / 16;
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(DmSnapshotStore.MAGIC).putInt(1).putInt(1).putInt(chunkSectors).flip();
        write(header, 0);
    }

    long chunkBytes() {
        return chunkSectors * 512L;
    }

    long areaLocation(long area) {
        return 1 + area * (perArea + 1L);
    }

    /** One copy-on-write of origin chunk {@code oldChunk} with {@code fill} as the new data. */
    long add(long oldChunk, byte fill) {
        long chunk = nextFree;
        nextFree++;
        if (nextFree % (perArea + 1L) == 1) {
            nextFree++;
        }
        byte[] data = new byte[(int) chunkBytes()];
        java.util.Arrays.fill(data, fill);
        write(ByteBuffer.wrap(data), chunk * chunkBytes());
        ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        record.putLong(oldChunk).putLong(chunk).flip();
        write(record, areaLocation(currentArea) * chunkBytes() + committedInArea * 16L);
        records.add(new long[] {oldChunk, chunk});
        committedInArea++;
        if (committedInArea == perArea) {
            write(ByteBuffer.allocate((int) chunkBytes()), areaLocation(currentArea + 1) * chunkBytes());
            committedInArea = 0;
            currentArea++;
        }
        return chunk;
    }

    String status() {
        return nextFree * chunkSectors + "/" + device.size() / 512 + " " + (currentArea + 2) * chunkSectors;
    }

    void putInt(long offset, int value) {
        write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value), offset);
    }

    void putLong(long offset, long value) {
        write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value), offset);
    }

    private void write(ByteBuffer buffer, long offset) {
        try {
            device.write(buffer, offset);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
