package org.stickwright.engine.part;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.stickwright.engine.io.BlockDevice;

/**
 * A sparse in-memory disk for property and fuzz tests: pages are allocated on first write, so a
 * "2 TiB" disk costs only the sectors a table touches. Counts written bytes so tests can check
 * that an operation wrote only what it had to.
 */
final class MemoryBlockDevice implements BlockDevice {
    private static final int PAGE = 4096;
    private final long size;
    private final Map<Long, byte[]> pages = new HashMap<>();
    private long bytesWritten;

    MemoryBlockDevice(long size) {
        this.size = size;
    }

    static MemoryBlockDevice of(byte[] contents, long size) throws IOException {
        MemoryBlockDevice device = new MemoryBlockDevice(size);
        device.writeBytes(0, contents);
        device.bytesWritten = 0;
        return device;
    }

    /** Starts counting written bytes afresh (after a test has set its disk up). */
    void resetWriteCount() {
        bytesWritten = 0;
    }

    long bytesWritten() {
        return bytesWritten;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int logicalSectorSize() {
        return 512;
    }

    @Override
    public int physicalSectorSize() {
        return 4096;
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        BlockDevice.checkRange(name(), size, position, dst.remaining());
        long at = position;
        while (dst.hasRemaining()) {
            byte[] page = pages.get(at / PAGE);
            int inPage = (int) (at % PAGE);
            int n = Math.min(dst.remaining(), PAGE - inPage);
            if (page == null) {
                dst.put(new byte[n]);
            } else {
                dst.put(page, inPage, n);
            }
            at += n;
        }
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        BlockDevice.checkRange(name(), size, position, src.remaining());
        bytesWritten += src.remaining();
        long at = position;
        while (src.hasRemaining()) {
            byte[] page = pages.computeIfAbsent(at / PAGE, k -> new byte[PAGE]);
            int inPage = (int) (at % PAGE);
            int n = Math.min(src.remaining(), PAGE - inPage);
            src.get(page, inPage, n);
            at += n;
        }
    }

    @Override
    public void flush() {
        // memory is as durable as it gets here
    }

    @Override
    public String name() {
        return "memory(" + size + ")";
    }

    @Override
    public void close() {
        pages.clear();
    }
}
