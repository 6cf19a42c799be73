/*
 * Reads a file's extents one after the other, in 64 KiB positional reads, so extraction
 * streams a multi-gigabyte squashfs without holding it in memory.
 */
package org.stickwright.engine.iso;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.stickwright.engine.io.BlockDevice;

final class ExtentInputStream extends InputStream {
    private static final int CHUNK = 64 * 1024;

    private final BlockDevice device;
    private final List<IsoExtent> extents;
    private int extent;
    private long within;
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);

    ExtentInputStream(BlockDevice device, List<IsoExtent> extents) {
        this.device = device;
        this.extents = extents;
        buffer.limit(0);
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return buffer.get() & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, buffer.remaining());
        buffer.get(b, off, n);
        return n;
    }

    private boolean fill() throws IOException {
        while (!buffer.hasRemaining()) {
            if (extent >= extents.size()) {
                return false;
            }
            IsoExtent current = extents.get(extent);
            long left = current.length() - within;
            if (left <= 0) {
                extent++;
                within = 0;
                continue;
            }
            buffer.clear();
            buffer.limit((int) Math.min(CHUNK, left));
            device.read(buffer, current.offset() + within);
            within += buffer.position();
            buffer.flip();
        }
        return true;
    }
}
