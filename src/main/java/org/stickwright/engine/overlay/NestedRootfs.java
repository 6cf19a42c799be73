/*
 * The origin of a dracut dm-snapshot overlay: LiveOS/rootfs.img (an ext4 image) inside the
 * live image's LiveOS/squashfs.img. The squashfs is found where a stick keeps it
 * (LiveRootSquashfs): in the ISO 9660 tree of a dd'ed or hybrid stick, or as a file on an
 * extract-mode stick's FAT partition.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.util.Optional;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.squashfs.SquashfsEntry;
import org.stickwright.engine.squashfs.SquashfsImage;

/** Finding and extracting the nested {@code LiveOS/rootfs.img} of a Fedora-family stick. */
public final class NestedRootfs {
    private NestedRootfs() {
    }

    /** The live image's root squashfs on {@code disk}: in its ISO 9660 tree, or on a FAT partition. */
    public static Optional<SquashfsImage> findSquashfs(BlockDevice disk) throws IOException {
        return LiveRootSquashfs.find(disk).map(LiveRootSquashfs.Located::image);
    }

    /**
     * Writes {@code LiveOS/rootfs.img} of {@code squashfs} to {@code out} (already open, any
     * size: it is written from byte 0, block by block, holes left unwritten); returns its size.
     * A flat image (no rootfs.img) has no dm-snapshot origin and is refused.
     */
    public static long extract(SquashfsImage squashfs, BlockDevice out) throws IOException {
        SquashfsEntry rootfs = squashfs.find("/LiveOS/rootfs.img").filter(SquashfsEntry::isFile)
                .orElseThrow(() -> new DmSnapshotException("the live image has no LiveOS/rootfs.img (a flat"
                        + " squashfs): there is no dm-snapshot origin to merge into"));
        if (out instanceof ImageFile file) {
            file.setSize(rootfs.size()); // holes at the end are part of the image too
        }
        long size = squashfs.copyFile(rootfs, out, 0);
        out.flush();
        return size;
    }
}
