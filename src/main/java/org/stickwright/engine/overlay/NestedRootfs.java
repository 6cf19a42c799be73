/*
 * The origin of a dracut dm-snapshot overlay: LiveOS/rootfs.img (an ext4 image) inside the
 * live image's LiveOS/squashfs.img. The squashfs is found where a stick keeps it: in the ISO
 * 9660 tree of a dd'ed or hybrid stick, or as a file on an extract-mode stick's FAT partition.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.util.Optional;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.FormatException;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.part.PartitionTables;
import org.stickwright.engine.squashfs.SquashfsEntry;
import org.stickwright.engine.squashfs.SquashfsImage;

/** Finding and extracting the nested {@code LiveOS/rootfs.img} of a Fedora-family stick. */
public final class NestedRootfs {
    private NestedRootfs() {
    }

    /** The live image's squashfs on {@code disk}: in its ISO 9660 tree, or on a FAT partition. */
    public static Optional<SquashfsImage> findSquashfs(BlockDevice disk) throws IOException {
        if (IsoImage.looksLikeIso9660(disk)) {
            IsoImage iso = IsoImage.open(disk);
            Optional<IsoEntry> squash = iso.find("/LiveOS/squashfs.img");
            if (squash.isPresent() && squash.get().extents().size() == 1) {
                return Optional.of(SquashfsImage.open(disk.slice(squash.get().firstDataOffset(), squash.get().size())));
            }
        }
        int sector = disk.logicalSectorSize();
        for (PartitionTables.Partition p : PartitionTables.read(disk).partitions()) {
            long offset = p.firstLba() * sector;
            long bytes = p.sectorCount() * sector;
            if (offset < 0 || bytes < 4096 || offset + bytes > disk.size()) {
                continue;
            }
            BlockDevice volume = disk.slice(offset, bytes);
            try {
                FatFileSystem fs = FatFileSystem.open(volume);
                if (fs.stat("LiveOS/squashfs.img").isPresent()) {
                    return Optional.of(SquashfsImage.open(FatStoreFile.open(fs, volume, "LiveOS/squashfs.img")));
                }
            } catch (FormatException e) {
                // not FAT: the next partition
            }
        }
        return Optional.empty();
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
