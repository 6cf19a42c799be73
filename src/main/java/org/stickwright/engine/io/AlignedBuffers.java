package org.stickwright.engine.io;

import java.nio.ByteBuffer;

/** Direct buffers whose address is aligned, as O_DIRECT and FILE_FLAG_NO_BUFFERING demand. */
public final class AlignedBuffers {
    /** 4096 covers every logical sector size in use (512, 4096) and the page size. */
    public static final int ALIGNMENT = 4096;

    private AlignedBuffers() {
    }

    /** A direct buffer of {@code capacity} bytes (a multiple of {@link #ALIGNMENT}), address aligned. */
    public static ByteBuffer allocate(int capacity) {
        if (capacity <= 0 || capacity % ALIGNMENT != 0) {
            throw new IllegalArgumentException("capacity " + capacity + " is not a positive multiple of " + ALIGNMENT);
        }
        return ByteBuffer.allocateDirect(capacity + ALIGNMENT).alignedSlice(ALIGNMENT).limit(capacity).slice();
    }
}
