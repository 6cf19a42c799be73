package org.stickwright.engine.job;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.fat.FatWriter;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoTreeSink;

/**
 * Copies an ISO 9660 tree onto a FAT volume as {@link org.stickwright.engine.iso.IsoImage#extract}
 * streams it: directories first, then files in the order their data lies on the ISO, so the
 * source is read front to back and the FAT writer allocates front to back. FAT has no symbolic
 * links; they are left out and listed (live ISOs' boot paths use none).
 */
public final class IsoTreeToFat implements IsoTreeSink {
    private final FatWriter writer;
    private final BlockDevice iso;
    private final List<String> skippedSymlinks = new ArrayList<>();
    private long files;
    private long bytes;

    /** Copies onto {@code writer} the tree of the ISO on {@code iso}. */
    public IsoTreeToFat(FatWriter writer, BlockDevice iso) {
        this.writer = writer;
        this.iso = iso;
    }

    @Override
    public void directory(IsoEntry directory) throws IOException {
        if (!directory.path().equals("/")) {
            writer.mkdirs(directory.path(), times(directory));
        }
    }

    @Override
    public void file(IsoEntry file, InputStream content) throws IOException {
        if (file.extents().size() == 1) {
            // One extent (every file but a > 4 GiB one): read it straight into the writer's buffer.
            writer.writeFile(file.path(), file.size(), new ExtentChannel(iso, file.extents().get(0).offset(), file.size()),
                    times(file));
        } else {
            writer.writeFile(file.path(), file.size(), content, times(file));
        }
        files++;
        bytes += file.size();
    }

    @Override
    public void symlink(IsoEntry link, String target) {
        skippedSymlinks.add(link.path() + " -> " + target);
    }

    /** Symbolic links of the ISO that FAT could not hold, as "path -> target". */
    public List<String> skippedSymlinks() {
        return List.copyOf(skippedSymlinks);
    }

    public long files() {
        return files;
    }

    public long bytes() {
        return bytes;
    }

    /** A file's bytes read in place from the device, as a channel. */
    private static final class ExtentChannel implements ReadableByteChannel {
        private final BlockDevice device;
        private final long end;
        private long position;

        ExtentChannel(BlockDevice device, long offset, long length) {
            this.device = device;
            this.position = offset;
            this.end = offset + length;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (position >= end) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), end - position);
            device.read(dst.slice().limit(n), position);
            dst.position(dst.position() + n);
            position += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
            // the device belongs to the caller
        }
    }

    private static FileTimes times(IsoEntry entry) {
        Instant modified = entry.modified() == null ? Instant.EPOCH : entry.modified();
        return new FileTimes(modified, modified, entry.accessed() == null ? modified : entry.accessed());
    }
}
