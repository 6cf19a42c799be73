/*
 * Persistence store files on a FAT volume (extract-mode sticks: LiveOS/overlay-<LABEL>-<UUID>,
 * LiveOS/home.img, live-boot's persistence file): opened in place through their cluster runs.
 * A dm-snapshot store is resized by writing a new file beside the old one, so a failure at any
 * point leaves the old store whole. An ext4 image grows in place: its cluster chain gets the
 * clusters it needs and Ext4Grower grows the filesystem into them, the superblock last, so
 * until that one write the old filesystem is what a reader finds (in a file with a longer
 * tail); inode numbers, times, hard links and every block stay where they were.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.ext.Ext4EditRefusedException;
import org.stickwright.engine.ext.Ext4Grower;
import org.stickwright.engine.fat.FatEntry;
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

    /**
     * Checks that the ext4 image file {@code path} on {@code fs} can grow to {@code newSize}
     * bytes (rounded down to 4 KiB) and says how; nothing is written. Refused
     * ({@link Ext4EditRefusedException}, naming why): not larger, past FAT's 4 GiB - 1 file
     * limit, more than the volume has free, or what {@link Ext4Grower#plan} refuses.
     */
    public static Ext4Grower.Growth planExt4Growth(FatFileSystem fs, BlockDevice volume, String path, long newSize)
            throws IOException {
        long size = newSize / 4096 * 4096;
        if (size > FatFileSystem.MAX_FILE_SIZE) {
            throw new Ext4EditRefusedException("cannot grow " + path + " to " + newSize + " bytes: a FAT file holds at most "
                    + FatFileSystem.MAX_FILE_SIZE + " bytes");
        }
        FatEntry old = fs.stat(path).orElseThrow(() -> new java.nio.file.NoSuchFileException(path));
        if (size <= old.size()) {
            throw new Ext4EditRefusedException("an ext4 store only grows: " + path + " has " + old.size()
                    + " bytes, asked for " + size);
        }
        long cluster = fs.clusterSize();
        long more = (size + cluster - 1) / cluster * cluster - (old.size() + cluster - 1) / cluster * cluster;
        if (more > fs.freeBytes()) {
            throw new Ext4EditRefusedException("the FAT volume has " + fs.freeBytes() + " bytes free; growing " + path
                    + " to " + size + " bytes needs " + more + " more");
        }
        try (ExtentDevice image = open(fs, volume, path)) {
            return Ext4Grower.plan(image, size);
        }
    }

    /** Grows the ext4 image file {@code path} in place to {@code newSize} bytes (see {@link #planExt4Growth}). */
    public static Ext4Grower.Growth growExt4(FatFileSystem fs, BlockDevice volume, String path, long newSize)
            throws IOException {
        planExt4Growth(fs, volume, path, newSize);
        fs.extend(path, newSize / 4096 * 4096);
        fs.flush();
        try (ExtentDevice image = open(fs, volume, path)) {
            Ext4Grower.Growth growth = Ext4Grower.grow(image);
            image.flush();
            return growth;
        }
    }
}
