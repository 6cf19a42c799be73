package org.stickwright.engine.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.stickwright.engine.io.BlockDevice;

/** A device held in a byte array: fuzz inputs and hand-corrupted volumes. */
final class ByteArrayDevice implements BlockDevice {
    final byte[] bytes;

    ByteArrayDevice(byte[] bytes) {
        this.bytes = bytes;
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
        return 512;
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
