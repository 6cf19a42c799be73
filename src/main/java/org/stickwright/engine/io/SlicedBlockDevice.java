package org.stickwright.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A window of a parent device; positions are relative to the window's start. */
final class SlicedBlockDevice implements BlockDevice {
    private final BlockDevice parent;
    private final long offset;
    private final long length;

    SlicedBlockDevice(BlockDevice parent, long offset, long length) throws IOException {
        BlockDevice.checkRange(parent.name(), parent.size(), offset, length);
        this.parent = parent;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public int logicalSectorSize() {
        return parent.logicalSectorSize();
    }

    @Override
    public int physicalSectorSize() {
        return parent.physicalSectorSize();
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        BlockDevice.checkRange(name(), length, position, dst.remaining());
        parent.read(dst, offset + position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        BlockDevice.checkRange(name(), length, position, src.remaining());
        parent.write(src, offset + position);
    }

    @Override
    public void flush() throws IOException {
        parent.flush();
    }

    @Override
    public String name() {
        return parent.name() + "@" + offset;
    }

    @Override
    public BlockDevice slice(long sliceOffset, long sliceLength) throws IOException {
        BlockDevice.checkRange(name(), length, sliceOffset, sliceLength);
        return new SlicedBlockDevice(parent, offset + sliceOffset, sliceLength);
    }

    @Override
    public void close() {
        // the parent owns the file descriptor
    }
}
