/*
 * A new live root from a stick and its overlayfs store, so the stick's changes become part of
 * the image and the next one boots with an empty upper. Where the squashfs is the root file
 * system (no LiveOS/rootfs.img inside), each family's initramfs mounts (LiveRootSquashfs finds
 * the lower):
 *
 *   dracut flat   lowerdir = /LiveOS/squashfs.img, upperdir = <ext4 image on FAT>/overlayfs
 *                                                  or LiveOS/overlay-<LABEL>-<UUID> (ext4)
 *   live-boot     lowerdir = /live/filesystem.squashfs, upperdir = <persistence volume>/rw
 *   casper        lowerdir = /casper/filesystem.squashfs, upperdir = <writable volume>/upper
 *   archiso       lowerdir = airootfs.sfs, upperdir = <cow_label volume>/<cow_directory>/upperdir
 *
 * so the merged root is OverlayfsMerge's fold of the upper into the lower tree:
 *
 *   1. a new squashfs beside the output: the lower tree with the upper's files, whiteouts and
 *      opaque directories applied; compressor, block size and mkfs time as MergedLiveIso picks
 *      them (MergedLiveIso.encodingOf)
 *   2a. ISO output: IsoRebuilder writes the ISO at the start of the stick with that squashfs as
 *       the same path. Only a stick that carries its ISO (dd'ed, hybrid) has one; an
 *       extract-mode stick is refused with a message naming the squashfs-only output.
 *   2b. squashfs-only output: the new squashfs itself, for any stick; the lower is found in the
 *       ISO 9660 tree or under the same path on the FAT partition.
 *
 * A nested image (LiveOS/rootfs.img inside the squashfs) is refused: its overlayfs upper would
 * have to be applied inside rootfs.img's ext4. The stick is only read; the partial files are
 * removed, also on failure, and an existing output is never written over.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.iso.IsoRebuildException;
import org.stickwright.engine.iso.IsoRebuilder;
import org.stickwright.engine.squashfs.SquashfsImage;
import org.stickwright.engine.squashfs.SquashfsSuperblock;
import org.stickwright.engine.squashfs.SquashfsWriter;

/** Writes a new live ISO, or only its squashfs, from a flat live stick and its overlayfs store. */
public final class MergedFlatLiveImage {
    private static final String ROOTFS_PATH = "/LiveOS/rootfs.img";

    private MergedFlatLiveImage() {
    }

    /**
     * What was written.
     *
     * @param merge            what folding the upper did
     * @param squashfsBytes    size of the new squashfs
     * @param compression      its compressor
     * @param compressionNote  why it differs from the old one, or "" when it is the same
     * @param iso              the rebuild, or null for squashfs-only output
     */
    public record Result(OverlayfsMerge.Summary merge, long squashfsBytes, SquashfsSuperblock.Compression compression,
            String compressionNote, IsoRebuilder.Plan iso) {
    }

    /**
     * Writes {@code output} (must not exist): the ISO at the start of {@code stick} with a
     * squashfs that holds the upper directory {@code upperPath} of {@code upperFs} folded in.
     * {@code stick} may also be the ISO file an extract-mode stick was made from: only the
     * upper comes from the stick then.
     */
    public static Result writeIso(BlockDevice stick, Ext4Reader upperFs, String upperPath, Path output,
            Progress progress, Cancellation cancellation) throws IOException {
        refuseExisting(output);
        if (!IsoImage.looksLikeIso9660(stick)) {
            throw new IsoRebuildException(stick.name() + " holds no ISO 9660 image (an extract-mode stick): there is"
                    + " no live ISO to rebuild; give the ISO it was made from (--base-iso) or write only the merged"
                    + " squashfs.img (--squashfs-only)");
        }
        LiveRootSquashfs.Located root = LiveRootSquashfs.inIso(IsoImage.open(stick), stick)
                .orElseThrow(() -> new IsoRebuildException(stick.name() + ": the ISO has none of the live root images "
                        + LiveRootSquashfs.ROOT_PATHS));
        SquashfsImage lower = root.image();
        refuseNested(lower);
        // Checks the layout before minutes of work: a refusal comes first.
        IsoRebuilder.plan(stick, root.path(), root.isoEntry().size());

        Path squashFile = output.resolveSibling(output.getFileName() + ".squashfs.part");
        progress = progress == null ? new Progress() : progress;
        cancellation = cancellation == null ? new Cancellation() : cancellation;
        try {
            MergedLiveIso.Encoding encoding = MergedLiveIso.encodingOf(lower.superblock());
            progress.startPhase("folding the overlay into a new squashfs", lower.superblock().bytesUsed());
            OverlayfsMerge.Summary summary = fold(lower, upperFs, upperPath, squashFile, encoding);
            cancellation.check();
            long squashBytes = Files.size(squashFile);
            IsoRebuilder.Plan plan;
            try (ImageFile content = ImageFile.openReadOnly(squashFile)) {
                plan = IsoRebuilder.rebuild(stick, root.path(), content, output, progress,
                        cancellation);
            }
            return new Result(summary, squashBytes, encoding.compression(), encoding.note(), plan);
        } finally {
            Files.deleteIfExists(squashFile);
        }
    }

    /**
     * Writes {@code output} (must not exist): the live image's squashfs, wherever {@code stick}
     * keeps it, with the upper directory folded in.
     */
    public static Result writeSquashfs(BlockDevice stick, Ext4Reader upperFs, String upperPath, Path output,
            Progress progress, Cancellation cancellation) throws IOException {
        refuseExisting(output);
        SquashfsImage lower = LiveRootSquashfs.find(stick).orElseThrow(() -> new OverlayfsMergeException(
                stick.name(), "none of the live root images " + LiveRootSquashfs.ROOT_PATHS
                        + " found (neither in an ISO 9660 tree nor on a FAT partition)")).image();
        refuseNested(lower);
        Path partial = output.resolveSibling(output.getFileName() + ".part");
        progress = progress == null ? new Progress() : progress;
        cancellation = cancellation == null ? new Cancellation() : cancellation;
        try {
            MergedLiveIso.Encoding encoding = MergedLiveIso.encodingOf(lower.superblock());
            progress.startPhase("folding the overlay into a new squashfs", lower.superblock().bytesUsed());
            OverlayfsMerge.Summary summary = fold(lower, upperFs, upperPath, partial, encoding);
            cancellation.check();
            long bytes = Files.size(partial);
            Files.move(partial, output);
            return new Result(summary, bytes, encoding.compression(), encoding.note(), null);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static OverlayfsMerge.Summary fold(SquashfsImage lower, Ext4Reader upperFs, String upperPath, Path out,
            MergedLiveIso.Encoding encoding) throws IOException {
        Files.deleteIfExists(out);
        try (SquashfsWriter writer = SquashfsWriter.create(out, encoding.options())) {
            return OverlayfsMerge.merge(lower, upperFs, upperPath, writer);
        }
    }

    private static void refuseExisting(Path output) throws IOException {
        if (Files.exists(output)) {
            throw new IsoRebuildException(output + " exists; it is never written over");
        }
    }

    private static void refuseNested(SquashfsImage lower) throws IOException {
        if (lower.find(ROOTFS_PATH).isPresent()) {
            throw new OverlayfsMergeException(ROOTFS_PATH, "the live image is nested (its root is this ext4 image "
                    + "inside the squashfs), so an overlayfs store would have to be merged inside that ext4; only "
                    + "flat images (the squashfs is the root) are merged with an overlayfs store");
        }
    }
}
