package org.stickwright.engine.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.stickwright.engine.io.BlockDevice;

/** A device held in a byte array: fuzz inputs and hand-corrupted volumes. */
final class ByteArrayDevice implements BlockDevice {
    final byte[] bytes;
    private final int sectorSize;

    ByteArrayDevice(byte[] bytes) {
        this(bytes, 512);
    }

    ByteArrayDevice(byte[] bytes, int sectorSize) {
        this.bytes = bytes;
        this.sectorSize = sectorSize;
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public int logicalSectorSize() {
        return sectorSize;
    }

    @Override
    public int physicalSectorSize() {
        return sectorSize;
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        BlockDevice.checkRange(name(), bytes.length, position, dst.remaining());
        dst.put(bytes, (int) position, dst.remaining());
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        BlockDevice.checkRange(name(), bytes.length, position, src.remaining());
        src.get(bytes, (int) position, src.remaining());
    }

    @Override
    public void flush() {
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void close() {
    }
}
