/*
 * Persistence store files on a FAT volume (extract-mode sticks: LiveOS/overlay-<LABEL>-<UUID>,
 * LiveOS/home.img): opened in place through their cluster runs, and resized by writing a new
 * file beside the old one, so a failure at any point leaves the old store whole.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.fat.FileExtent;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.io.BlockDevice;

/** Opening and resizing a store file that lives on a FAT volume. */
public final class FatStoreFile {
    private FatStoreFile() {
    }

    /** The file {@code path} of {@code fs} (a FAT volume on {@code volume}) as a device, in place. */
    public static ExtentDevice open(FatFileSystem fs, BlockDevice volume, String path) throws IOException {
        List<long[]> runs = new ArrayList<>();
        for (FileExtent extent : fs.extents(path)) {
            runs.add(new long[] {extent.deviceOffset(), extent.length()});
        }
        return new ExtentDevice(volume, volume.name() + ":" + path, runs);
    }

    /**
     * Resizes the dm-snapshot store {@code path} to {@code requested} bytes (rounded down to
     * whole chunks; refused below what is in use, see {@link DmSnapshotEditor#checkResize}).
     * A new file of the new size is allocated in consecutive clusters, the store copied into
     * it, its grown metadata areas zeroed; only then is the old file deleted and the new one
     * renamed. Returns the new size.
     */
    public static long resizeDmSnapshot(FatFileSystem fs, BlockDevice volume, String path, long requested)
            throws IOException {
        if (requested > FatFileSystem.MAX_FILE_SIZE) {
            throw new DmSnapshotException("cannot resize to " + requested + " bytes: a FAT32 file holds at most "
                    + FatFileSystem.MAX_FILE_SIZE + " bytes");
        }
        DmSnapshotStore store;
        try (ExtentDevice old = open(fs, volume, path)) {
            store = DmSnapshotStore.read(old);
        }
        long size = DmSnapshotEditor.checkResize(store, requested);
        int slash = path.lastIndexOf('/');
        String temporary = path.substring(0, slash + 1) + "resizing.tmp";
        if (fs.stat(temporary).isPresent()) {
            fs.delete(temporary);
        }
        fs.allocateContiguous(temporary, size, FileTimes.now());
        fs.flush();
        try (ExtentDevice old = open(fs, volume, path); ExtentDevice grown = open(fs, volume, temporary)) {
            DmSnapshotEditor.copyResized(old, store, grown, false);
        } catch (IOException | RuntimeException e) {
            fs.delete(temporary);
            fs.flush();
            throw e;
        }
        fs.delete(path);
        fs.rename(temporary, path);
        fs.flush();
        return size;
    }
}
