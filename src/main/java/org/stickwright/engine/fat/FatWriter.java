/*
 * The writer used to fill a freshly formatted volume (the ISO extractor, persistence files). It
 * is FatFileSystem underneath, narrowed to what a fill needs: creating directories and files in
 * any order, each file's clusters taken consecutively from a moving cursor so that the tree lands
 * on the device as one long sequential stream, and contiguous allocations whose content is not
 * written at all (a persistence image is formatted afterwards through BlockDevice.slice).
 */
package org.stickwright.engine.fat;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.ReadableByteChannel;
import java.time.ZoneId;
import org.stickwright.engine.io.BlockDevice;

/** Creates directories and files on a FAT volume; {@link #close()} writes FATs and FSInfo. */
public final class FatWriter implements Closeable {
    private final FatFileSystem volume;

    private FatWriter(FatFileSystem volume) {
        this.volume = volume;
    }

    /** A writer for the volume at byte 0 of {@code device}, times in the system zone. */
    public static FatWriter open(BlockDevice device) throws IOException {
        return new FatWriter(FatFileSystem.open(device));
    }

    /** A writer storing times as wall-clock times of {@code zone}. */
    public static FatWriter open(BlockDevice device, ZoneId zone) throws IOException {
        return new FatWriter(FatFileSystem.open(device, zone));
    }

    /** A writer that keeps at most {@code directoryCacheBytes} of directories in memory. */
    static FatWriter open(BlockDevice device, ZoneId zone, long directoryCacheBytes) throws IOException {
        return new FatWriter(FatFileSystem.open(device, zone, directoryCacheBytes));
    }

    /** Creates a directory and its missing parents. */
    public void mkdirs(String path, FileTimes times) throws IOException {
        volume.mkdirs(path, times);
    }

    public void mkdirs(String path) throws IOException {
        volume.mkdirs(path);
    }

    /**
     * Streams {@code size} bytes from {@code content} into a new file (parent must exist). Files
     * of 4 GiB or more are refused with a {@link FatException} naming the file and the limit.
     */
    public FatEntry writeFile(String path, long size, InputStream content, FileTimes times) throws IOException {
        return volume.writeFile(path, size, content, times);
    }

    /** As above, from a channel: content read from a file channel reaches the device without heap copies. */
    public FatEntry writeFile(String path, long size, ReadableByteChannel content, FileTimes times)
            throws IOException {
        return volume.writeFile(path, size, content, times);
    }

    /** Reserves {@code size} bytes of consecutive clusters for a new file without writing them. */
    public FileExtent allocateContiguous(String path, long size) throws IOException {
        return volume.allocateContiguous(path, size, FileTimes.now());
    }

    public FileExtent allocateContiguous(String path, long size, FileTimes times) throws IOException {
        return volume.allocateContiguous(path, size, times);
    }

    /** The volume underneath, for reading back what was written. */
    public FatFileSystem volume() {
        return volume;
    }

    @Override
    public void close() throws IOException {
        volume.close();
    }
}
