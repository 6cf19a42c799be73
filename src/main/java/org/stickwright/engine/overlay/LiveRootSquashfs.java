/*
 * Which squashfs is a live family's root, and where a stick keeps it. Each family's initramfs
 * mounts one file as the lower layer of its overlay:
 *
 *   dracut (Fedora)      /LiveOS/squashfs.img        (its root, or LiveOS/rootfs.img inside it)
 *   live-boot (Debian)   /live/filesystem.squashfs
 *   casper (Ubuntu)      /casper/filesystem.squashfs (casper stacks EVERY /casper/*.squashfs as
 *                                                     lowerdir, so one file is the root only when
 *                                                     it is the only one)
 *   archiso              /arch/x86_64/airootfs.sfs, SystemRescue /sysresccd/x86_64/airootfs.sfs
 *
 * A dd'ed or hybrid stick has the file in the ISO 9660 tree at its start; an extract-mode stick
 * has it on a FAT partition under the same path. A casper tree with several squashfs layers
 * (minimal.squashfs + minimal.standard.squashfs + ...) is refused: its root is their union, and
 * folding an upper into one layer would leave the others' files above the changes.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.stickwright.engine.fat.FatEntry;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.FormatException;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.part.PartitionTables;
import org.stickwright.engine.squashfs.SquashfsImage;

/** The root squashfs of a live stick, whichever family made it. */
public final class LiveRootSquashfs {
    /** The root images the families boot from, in the order they are looked for. */
    public static final List<String> ROOT_PATHS = List.of("/LiveOS/squashfs.img", "/live/filesystem.squashfs",
            "/casper/filesystem.squashfs", "/arch/x86_64/airootfs.sfs", "/sysresccd/x86_64/airootfs.sfs");
    private static final String CASPER_DIR = "/casper";

    private LiveRootSquashfs() {
    }

    /**
     * A root squashfs: its path (one of {@link #ROOT_PATHS}), the image, and its ISO 9660 entry
     * when it was found in the ISO at the start of the stick (null when on a FAT partition).
     */
    public record Located(String path, SquashfsImage image, IsoEntry isoEntry) {
    }

    /**
     * The root squashfs in the ISO 9660 tree of {@code iso}, if it has one of the known root
     * images in one extent; a layered casper tree is refused with {@link OverlayfsMergeException}.
     */
    public static Optional<Located> inIso(IsoImage iso, BlockDevice disk) throws IOException {
        Optional<IsoEntry> casper = iso.find(CASPER_DIR).filter(IsoEntry::isDirectory);
        if (casper.isPresent()) {
            List<String> layers = new ArrayList<>();
            for (IsoEntry e : iso.list(casper.get())) {
                if (e.isFile()) {
                    layers.add(e.name());
                }
            }
            refuseLayers(layers);
        }
        for (String path : ROOT_PATHS) {
            Optional<IsoEntry> entry = iso.find(path).filter(IsoEntry::isFile);
            if (entry.isPresent()) {
                if (entry.get().extents().size() != 1) {
                    throw new OverlayfsMergeException(path, "stored in several extents (4 GiB or more); not rebuilt");
                }
                SquashfsImage image = SquashfsImage.open(disk.slice(entry.get().firstDataOffset(), entry.get().size()));
                return Optional.of(new Located(path, image, entry.get()));
            }
        }
        return Optional.empty();
    }

    /** The root squashfs on {@code disk}: in its ISO 9660 tree, else on a FAT partition. */
    public static Optional<Located> find(BlockDevice disk) throws IOException {
        if (IsoImage.looksLikeIso9660(disk)) {
            Optional<Located> inIso = inIso(IsoImage.open(disk), disk);
            if (inIso.isPresent()) {
                return inIso;
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
            FatFileSystem fs;
            try {
                fs = FatFileSystem.open(volume);
            } catch (FormatException e) {
                continue; // not FAT: the next partition
            }
            if (fs.stat(CASPER_DIR).map(FatEntry::isDirectory).orElse(false)) {
                refuseLayers(fs.list(CASPER_DIR).stream().filter(e -> !e.isDirectory()).map(FatEntry::name).toList());
            }
            for (String path : ROOT_PATHS) {
                if (fs.stat(path).filter(e -> !e.isDirectory()).isPresent()) {
                    return Optional.of(new Located(path, SquashfsImage.open(FatStoreFile.open(fs, volume, path)), null));
                }
            }
        }
        return Optional.empty();
    }

    private static void refuseLayers(List<String> names) throws OverlayfsMergeException {
        List<String> layers = names.stream().filter(n -> n.toLowerCase(Locale.ROOT).endsWith(".squashfs")).sorted()
                .toList();
        if (layers.size() > 1) {
            throw new OverlayfsMergeException(CASPER_DIR, "holds " + layers.size() + " squashfs layers " + layers
                    + ": casper stacks them all under the store's upper, so the root is their union and not one"
                    + " image to rebuild; layered casper images are not merged");
        }
    }
}
