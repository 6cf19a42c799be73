package org.stickwright.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * A disk in memory, sparse: 4 KiB pages are allocated on first write, so a "2 TiB" disk costs
 * only the sectors a table or a filesystem's metadata touch. For small images built or edited
 * in memory (an EFI boot image, a config file's blocks) and for property and fuzz tests. Counts
 * written bytes so a caller can check that an operation wrote only what it had to.
 *
 * <p>Built from an array, the device is that array: changes to either show in the other, which
 * lets a test damage a structure in place and read it again.
 */
public final class MemoryBlockDevice implements BlockDevice {
    private static final int PAGE = 4096;
    private final long size;
    private final Map<Long, byte[]> pages = new HashMap<>();
    /** The backing array when the device was built from one, else null (sparse pages). */
    private final byte[] array;
    private final int sectorSize;
    private long bytesWritten;

    /** An all-zero device of {@code size} bytes. */
    public MemoryBlockDevice(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        this.size = size;
        this.array = null;
        this.sectorSize = 512;
    }

    /** A device that is {@code contents}: writes change the array, changes to it show in reads. */
    public MemoryBlockDevice(byte[] contents) {
        this(contents, 512);
    }

    /** As {@link #MemoryBlockDevice(byte[])}, posing as a disk with {@code sectorSize}-byte sectors (4Kn). */
    public MemoryBlockDevice(byte[] contents, int sectorSize) {
        this.size = contents.length;
        this.array = contents;
        this.sectorSize = sectorSize;
    }

    /** A device of {@code size} bytes starting with {@code contents}, the rest zero. */
    public static MemoryBlockDevice of(byte[] contents, long size) {
        MemoryBlockDevice device = new MemoryBlockDevice(size);
        device.load(contents);
        return device;
    }

    private void load(byte[] contents) {
        try {
            writeBytes(0, contents);
        } catch (IOException e) {
            throw new IllegalArgumentException(contents.length + " bytes do not fit in " + size, e);
        }
        bytesWritten = 0;
    }

    /** All bytes of the device (it must be smaller than 2 GiB); the backing array itself if built from one. */
    public byte[] bytes() {
        if (array != null) {
            return array;
        }
        byte[] all = new byte[Math.toIntExact(size)];
        pages.forEach((page, data) -> {
            long at = page * PAGE;
            System.arraycopy(data, 0, all, (int) at, (int) Math.min(PAGE, size - at));
        });
        return all;
    }

    /** Starts counting written bytes afresh (after the device has been set up). */
    public void resetWriteCount() {
        bytesWritten = 0;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int logicalSectorSize() {
        return sectorSize;
    }

    @Override
    public int physicalSectorSize() {
        return Math.max(sectorSize, 4096);
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        BlockDevice.checkRange(name(), size, position, dst.remaining());
        if (array != null) {
            dst.put(array, (int) position, dst.remaining());
            return;
        }
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
        if (array != null) {
            src.get(array, (int) position, src.remaining());
            return;
        }
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
        // nothing to make durable
    }

    @Override
    public String name() {
        return "memory(" + size + ")";
    }

    @Override
    public void close() {
        // the contents stay readable through bytes()
    }
}
