package org.stickwright.platform.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.stickwright.engine.io.AlignedBuffers;
import org.stickwright.engine.io.BlockDevice;

/**
 * A whole Linux block device (/dev/sdX, /dev/loopN) opened the way a disk writer must:
 * {@code O_EXCL} so the kernel refuses while any partition is mounted and nobody else can open
 * it exclusively meanwhile, {@code O_DIRECT} so writes bypass the page cache and read-back
 * really reads the medium, and {@code flock(LOCK_EX)} so udev does not probe half-written
 * partition tables. After writing, {@code BLKRRPART} makes the kernel see the new partitions.
 *
 * <p>Direct I/O needs sector-aligned positions, lengths and buffer addresses. Callers that
 * pass such direct buffers go straight to the device; anything else (a 512-byte header from a
 * format writer in a heap buffer) goes through an aligned bounce buffer, read-modify-write.
 */
public final class LinuxRawDisk implements BlockDevice {
    private final Path path;
    private final int fd;
    private final long size;
    private final int logicalSector;
    private final int physicalSector;
    private final boolean writable;

    private LinuxRawDisk(Path path, int fd, boolean writable) throws IOException {
        this.path = path;
        this.fd = fd;
        this.writable = writable;
        try {
            LongByReference bytes = new LongByReference();
            LinuxLibc.INSTANCE.ioctl(fd, new NativeLong(LinuxLibc.BLKGETSIZE64), bytes);
            IntByReference logical = new IntByReference();
            LinuxLibc.INSTANCE.ioctl(fd, new NativeLong(LinuxLibc.BLKSSZGET), logical);
            IntByReference physical = new IntByReference();
            LinuxLibc.INSTANCE.ioctl(fd, new NativeLong(LinuxLibc.BLKPBSZGET), physical);
            this.size = bytes.getValue();
            this.logicalSector = logical.getValue();
            this.physicalSector = Math.max(physical.getValue(), logical.getValue());
        } catch (LastErrorException e) {
            LinuxLibc.INSTANCE.close(fd);
            throw error("cannot read the size of", e);
        }
    }

    /** Opens a whole disk for writing: exclusive, direct, locked against udev. */
    public static LinuxRawDisk openExclusive(Path device) throws IOException {
        int fd;
        try {
            fd = LinuxLibc.INSTANCE.open(device.toString(),
                    LinuxLibc.O_RDWR | LinuxLibc.O_EXCL | LinuxLibc.O_DIRECT | LinuxLibc.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw error(device, "cannot open", e);
        }
        LinuxRawDisk disk = new LinuxRawDisk(device, fd, true);
        try {
            LinuxLibc.INSTANCE.flock(fd, LinuxLibc.LOCK_EX | LinuxLibc.LOCK_NB);
            // Drop what the page cache holds of the device so later buffered readers see the medium.
            LinuxLibc.INSTANCE.ioctl(fd, new NativeLong(LinuxLibc.BLKFLSBUF));
        } catch (LastErrorException e) {
            disk.close();
            throw error(device, "cannot lock", e);
        }
        return disk;
    }

    /** Opens a device for direct reads only (inspection, verification by another process). */
    public static LinuxRawDisk openReadOnly(Path device) throws IOException {
        try {
            return new LinuxRawDisk(device, LinuxLibc.INSTANCE.open(device.toString(),
                    LinuxLibc.O_RDONLY | LinuxLibc.O_DIRECT | LinuxLibc.O_CLOEXEC), false);
        } catch (LastErrorException e) {
            throw error(device, "cannot open", e);
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int logicalSectorSize() {
        return logicalSector;
    }

    @Override
    public int physicalSectorSize() {
        return physicalSector;
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        BlockDevice.checkRange(name(), size, position, dst.remaining());
        if (isDirectReady(dst, position)) {
            transfer(dst, position, false);
            return;
        }
        long start = position / logicalSector * logicalSector;
        long end = (position + dst.remaining() + logicalSector - 1) / logicalSector * logicalSector;
        while (dst.hasRemaining()) {
            int span = (int) Math.min(end - start, 1 << 20);
            ByteBuffer bounce = AlignedBuffers.allocate(roundUpToPage(span)).limit(span);
            transfer(bounce, start, false);
            int skip = (int) (position - start);
            int n = Math.min(span - skip, dst.remaining());
            dst.put(bounce.position(skip).limit(skip + n));
            position += n;
            start = position / logicalSector * logicalSector;
        }
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        if (!writable) {
            throw new IOException(name() + " is open read-only");
        }
        BlockDevice.checkRange(name(), size, position, src.remaining());
        if (isDirectReady(src, position)) {
            transfer(src, position, true);
            return;
        }
        while (src.hasRemaining()) {
            long start = position / logicalSector * logicalSector;
            int skip = (int) (position - start);
            int n = Math.min(src.remaining(), (1 << 20) - skip);
            int span = (int) ((skip + n + logicalSector - 1) / logicalSector * logicalSector);
            ByteBuffer bounce = AlignedBuffers.allocate(roundUpToPage(span)).limit(span);
            if (skip != 0 || n != span) {
                transfer(bounce, start, false); // keep the sector's other bytes
                bounce.clear().limit(span);
            }
            bounce.position(skip);
            bounce.put(src.duplicate().limit(src.position() + n));
            src.position(src.position() + n);
            bounce.position(0).limit(span);
            transfer(bounce, start, true);
            position += n;
        }
    }

    private boolean isDirectReady(ByteBuffer buffer, long position) {
        return buffer.isDirect() && position % logicalSector == 0 && buffer.remaining() % logicalSector == 0
                && Pointer.nativeValue(Native.getDirectBufferPointer(buffer)) % logicalSector == 0
                && buffer.position() % logicalSector == 0;
    }

    private static int roundUpToPage(int n) {
        return (n + AlignedBuffers.ALIGNMENT - 1) / AlignedBuffers.ALIGNMENT * AlignedBuffers.ALIGNMENT;
    }

    private void transfer(ByteBuffer buffer, long position, boolean write) throws IOException {
        Pointer base = Native.getDirectBufferPointer(buffer);
        while (buffer.hasRemaining()) {
            Pointer at = base.share(buffer.position());
            NativeLong count = new NativeLong(buffer.remaining());
            long n;
            try {
                n = (write ? LinuxLibc.INSTANCE.pwrite(fd, at, count, position)
                        : LinuxLibc.INSTANCE.pread(fd, at, count, position)).longValue();
            } catch (LastErrorException e) {
                throw error(write ? "write failed at byte " + position + " of" : "read failed at byte " + position + " of", e);
            }
            if (n == 0) {
                throw new IOException(name() + ": " + (write ? "no space left" : "unexpected end") + " at byte " + position);
            }
            buffer.position(buffer.position() + (int) n);
            position += n;
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            LinuxLibc.INSTANCE.fsync(fd);
        } catch (LastErrorException e) {
            throw error("cannot sync", e);
        }
    }

    /**
     * Asks the kernel to re-read the partition table of {@code device} after a new one was
     * written. Call it after closing the exclusive handle: the kernel refuses (EBUSY) to rescan a
     * disk that is claimed exclusively, even by the caller.
     */
    public static void rereadPartitions(Path device) throws IOException {
        int fd;
        try {
            fd = LinuxLibc.INSTANCE.open(device.toString(), LinuxLibc.O_RDONLY | LinuxLibc.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw error(device, "cannot open", e);
        }
        try {
            LinuxLibc.INSTANCE.ioctl(fd, new NativeLong(LinuxLibc.BLKRRPART));
        } catch (LastErrorException e) {
            throw error(device, "the kernel could not re-read the partition table of", e);
        } finally {
            LinuxLibc.INSTANCE.close(fd);
        }
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public void close() throws IOException {
        try {
            LinuxLibc.INSTANCE.close(fd);
        } catch (LastErrorException e) {
            throw error("closing failed for", e);
        }
    }

    private IOException error(String what, LastErrorException e) {
        return error(path, what, e);
    }

    private static IOException error(Path path, String what, LastErrorException e) {
        int errno = e.getErrorCode();
        String reason = LinuxLibc.INSTANCE.strerror(errno);
        String hint = switch (errno) {
            case 16 -> " (a partition is mounted or another program has the disk open)";
            case 13, 1 -> " (run as root, or through the helper)";
            case 30 -> " (the medium is write-protected)";
            default -> "";
        };
        return new RawDiskException(what + " " + path + ": " + reason + hint, errno);
    }

    /** An I/O error of a raw disk with the errno behind it. */
    public static final class RawDiskException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        RawDiskException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }
}
