/*
 * A file inside a file system seen as a block device: its bytes lie in runs (extents) on the
 * volume, in file order. Persistence stores live in such files (a dm-snapshot store or an
 * embedded ext4 image on a stick's FAT32 partition), and the store code reads and edits them
 * in place through this view, with no mount.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.stickwright.engine.io.BlockDevice;

/** A {@link BlockDevice} over a file's runs on a volume; closing it leaves the volume open. */
public final class ExtentDevice implements BlockDevice {
    private final BlockDevice volume;
    private final String name;
    private final long[] fileStarts;
    private final long[] volumeOffsets;
    private final long[] lengths;
    private final long size;

    /** {@code runs}: pairs {volume offset, length} in file order. */
    public ExtentDevice(BlockDevice volume, String name, List<long[]> runs) throws IOException {
        this.volume = volume;
        this.name = name;
        this.fileStarts = new long[runs.size()];
        this.volumeOffsets = new long[runs.size()];
        this.lengths = new long[runs.size()];
        long at = 0;
        long volumeSize = volume.size();
        for (int i = 0; i < runs.size(); i++) {
            long[] run = runs.get(i);
            BlockDevice.checkRange(volume.name(), volumeSize, run[0], run[1]);
            fileStarts[i] = at;
            volumeOffsets[i] = run[0];
            lengths[i] = run[1];
            at += run[1];
        }
        this.size = at;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int logicalSectorSize() {
        return volume.logicalSectorSize();
    }

    @Override
    public int physicalSectorSize() {
        return volume.physicalSectorSize();
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        BlockDevice.checkRange(name, size, position, dst.remaining());
        transfer(dst, position, false);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        BlockDevice.checkRange(name, size, position, src.remaining());
        transfer(src, position, true);
    }

    private void transfer(ByteBuffer buffer, long position, boolean write) throws IOException {
        int index = runAt(position);
        long at = position;
        int limit = buffer.limit();
        try {
            while (buffer.hasRemaining()) {
                long within = at - fileStarts[index];
                int part = (int) Math.min(buffer.remaining(), lengths[index] - within);
                buffer.limit(buffer.position() + part);
                if (write) {
                    volume.write(buffer, volumeOffsets[index] + within);
                } else {
                    volume.read(buffer, volumeOffsets[index] + within);
                }
                buffer.limit(limit);
                at += part;
                index++;
            }
        } finally {
            buffer.limit(limit);
        }
    }

    private int runAt(long position) {
        int low = 0;
        int high = fileStarts.length - 1;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (fileStarts[mid] <= position) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return low;
    }

    @Override
    public void flush() throws IOException {
        volume.flush();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        // the volume owns the file descriptor
    }
}
