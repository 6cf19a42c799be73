package org.stickwright.engine.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/**
 * A disk image in an ordinary file, through NIO. Also serves block devices opened without
 * O_EXCL (loop devices in tests, read-only inspection): {@link FileChannel#size()} reports a
 * block device's size where {@link Files#size} reports 0.
 */
public final class ImageFile implements BlockDevice {
    private final Path path;
    private final FileChannel channel;
    private final boolean writable;
    private final boolean direct;

    private ImageFile(Path path, FileChannel channel, boolean writable) {
        this(path, channel, writable, false);
    }

    private ImageFile(Path path, FileChannel channel, boolean writable, boolean direct) {
        this.path = path;
        this.channel = channel;
        this.writable = writable;
        this.direct = direct;
    }

    /**
     * Opens a file for reading around the page cache (O_DIRECT), so verification reads what
     * reached the disk rather than what the cache remembers writing.
     */
    public static ImageFile openReadOnlyDirect(Path path) throws IOException {
        return new ImageFile(path, FileChannel.open(path, StandardOpenOption.READ,
                com.sun.nio.file.ExtendedOpenOption.DIRECT), false, true);
    }

    public static ImageFile openReadOnly(Path path) throws IOException {
        return new ImageFile(path, FileChannel.open(path, StandardOpenOption.READ), false);
    }

    public static ImageFile openReadWrite(Path path) throws IOException {
        return new ImageFile(path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE), true);
    }

    /** Creates (or truncates) a sparse file of {@code size} bytes: no data blocks are written. */
    public static ImageFile create(Path path, long size) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SPARSE);
        FileChannel channel = FileChannel.open(path, options);
        ImageFile file = new ImageFile(path, channel, true);
        file.setSize(size);
        return file;
    }

    public Path path() {
        return path;
    }

    public FileChannel channel() {
        return channel;
    }

    @Override
    public long size() throws IOException {
        return channel.size();
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
        BlockDevice.checkRange(name(), size(), position, dst.remaining());
        if (direct) {
            readDirect(dst, position);
            return;
        }
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new EOFException(name() + ": unexpected end of file at " + at);
            }
            at += n;
        }
    }

    /** Direct reads must be whole aligned blocks: read those into a bounce buffer, copy the part asked for. */
    private void readDirect(ByteBuffer dst, long position) throws IOException {
        int block = AlignedBuffers.ALIGNMENT;
        ByteBuffer bounce = AlignedBuffers.allocate(1 << 20);
        while (dst.hasRemaining()) {
            long start = position / block * block;
            int skip = (int) (position - start);
            bounce.clear();
            int got = 0;
            while (got <= skip && bounce.hasRemaining()) {
                int n = channel.read(bounce, start + got);
                if (n <= 0) {
                    throw new EOFException(name() + ": unexpected end of file at " + (start + got));
                }
                got += n;
            }
            int n = Math.min(got - skip, dst.remaining());
            dst.put(bounce.duplicate().position(skip).limit(skip + n));
            position += n;
        }
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        if (!writable) {
            throw new IOException(name() + " is open read-only");
        }
        long at = position;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
    }

    /** Grows or shrinks the file; growing leaves a hole (ftruncate: no block is allocated). */
    public void setSize(long size) throws IOException {
        long current = channel.size();
        if (size < current) {
            channel.truncate(size);
        } else if (size > current) {
            // FileChannel can only shrink a file; RandomAccessFile.setLength extends it with ftruncate.
            try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
                raf.setLength(size);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        channel.force(true);
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
