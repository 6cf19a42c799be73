package org.stickwright.engine.ext;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.stickwright.engine.io.BlockDevice;

/** A BlockDevice over a byte array, so property and fuzz tests run without touching the disk. */
final class MemoryBlockDevice implements BlockDevice {
    private final byte[] bytes;

    MemoryBlockDevice(byte[] bytes) {
        this.bytes = bytes;
    }

    MemoryBlockDevice(int size) {
        this(new byte[size]);
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public long size() {
        return bytes.length;
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
        // nothing buffered
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void close() {
        // nothing to release
    }
}
