/*
 * An overlayfs upper directory on ext4 (Fedora's LiveOS/overlay-<LABEL>-<UUID>, live-boot's
 * /rw, casper's /upper, archiso's <cow_directory>/upperdir), read with our ext4 reader. What
 * the kernel's overlayfs stores there:
 *   a file or symlink        created or changed (a change copies the whole file up)
 *   a directory              created, or the parent of a change
 *   char device 0:0          a whiteout: the lower entry of that name is deleted
 *   xattr trusted.overlay.opaque = "y" on a directory: the lower directory is hidden entirely
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.stickwright.engine.ext.Ext4Inode;
import org.stickwright.engine.ext.Ext4Reader;

/** What an overlayfs upper directory changes relative to its lower tree. */
public final class OverlayfsUpper {
    /** The xattr overlayfs sets on a directory that hides the lower one. */
    public static final String OPAQUE_XATTR = "trusted.overlay.opaque";

    private OverlayfsUpper() {
    }

    /** One changed regular file. */
    public record Change(String path, long bytes) {
    }

    /**
     * Counts of an upper tree: regular files and symlinks (changed or new), directories,
     * whiteouts (deletions), opaque directories, bytes in regular files, the largest files.
     */
    public record Inspection(long files, long symlinks, long directories, long whiteouts, long opaqueDirectories,
            long fileBytes, List<Change> largest, List<String> deleted) {
    }

    /** Walks the upper directory {@code upperPath} of {@code fs}; keeps the {@code top} largest files. */
    public static Inspection inspect(Ext4Reader fs, String upperPath, int top) throws IOException {
        Ext4Inode upper = fs.lookup(upperPath);
        if (!upper.isDirectory()) {
            throw new java.nio.file.NotDirectoryException(upperPath);
        }
        long[] counts = new long[6];
        PriorityQueue<Change> largest = new PriorityQueue<>(Comparator.comparingLong(Change::bytes));
        List<String> deleted = new ArrayList<>();
        fs.walk(upper, "/", (path, entry, inode) -> {
            if (inode.isRegularFile()) {
                counts[0]++;
                counts[5] += inode.size();
                largest.add(new Change(path, inode.size()));
                if (largest.size() > top) {
                    largest.poll();
                }
            } else if (inode.isSymlink()) {
                counts[1]++;
            } else if (inode.isDirectory()) {
                counts[2]++;
                byte[] opaque = fs.xattrs(inode).get(OPAQUE_XATTR);
                if (opaque != null && Arrays.equals(opaque, new byte[] {'y'})) {
                    counts[4]++;
                }
            } else if (inode.isWhiteout()) {
                counts[3]++;
                if (deleted.size() < 1000) {
                    deleted.add(path);
                }
            }
        });
        List<Change> sorted = new ArrayList<>(largest);
        sorted.sort(Comparator.comparingLong(Change::bytes).reversed().thenComparing(Change::path));
        return new Inspection(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], List.copyOf(sorted),
                List.copyOf(deleted));
    }
}
