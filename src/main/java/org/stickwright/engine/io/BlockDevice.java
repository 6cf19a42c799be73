package org.stickwright.engine.io;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A random-access store of bytes addressed from 0 to {@link #size()}: a whole disk, an image
 * file, or a window onto either (a partition, an EFI image inside an ISO). Every engine format
 * reads and writes through this, so everything works on an image file first and on a stick
 * second.
 *
 * <p>Reads and writes are positional and complete: {@link #read} fills the buffer's remaining
 * bytes or throws {@link EOFException}; {@link #write} writes all of them. Devices opened for
 * direct I/O additionally require positions, lengths and buffer addresses aligned to
 * {@link #logicalSectorSize()}; {@link AlignedBuffers} makes such buffers.
 */
public interface BlockDevice extends Closeable {

    /** Size in bytes. */
    long size() throws IOException;

    /** The smallest unit the device addresses (512 or 4096). */
    int logicalSectorSize();

    /** The unit the device writes internally; writes of this size and alignment are fastest. */
    int physicalSectorSize();

    /** Reads {@code dst.remaining()} bytes starting at {@code position}. */
    void read(ByteBuffer dst, long position) throws IOException;

    /** Writes {@code src.remaining()} bytes starting at {@code position}. */
    void write(ByteBuffer src, long position) throws IOException;

    /** Makes everything written so far durable (fsync / FlushFileBuffers). */
    void flush() throws IOException;

    /** A human-readable name for messages: a path or a device node. */
    String name();

    /** Reads {@code length} bytes at {@code position} into a new array. */
    default byte[] readBytes(long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        read(buffer, position);
        return buffer.array();
    }

    /** Writes the whole array at {@code position}. */
    default void writeBytes(long position, byte[] bytes) throws IOException {
        write(ByteBuffer.wrap(bytes), position);
    }

    /**
     * A view of {@code length} bytes starting at {@code offset}: a partition, or a file
     * stored contiguously inside a filesystem. Closing the view leaves this device open.
     */
    default BlockDevice slice(long offset, long length) throws IOException {
        return new SlicedBlockDevice(this, offset, length);
    }

    /** Checks that {@code [position, position+length)} lies inside a device of {@code size}. */
    static void checkRange(String name, long size, long position, long length) throws EOFException {
        if (position < 0 || length < 0 || position > size - length) {
            throw new EOFException(name + ": range " + position + "+" + length
                    + " lies outside the device's " + size + " bytes");
        }
    }
}
