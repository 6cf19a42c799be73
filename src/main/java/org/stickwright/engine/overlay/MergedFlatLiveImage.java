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
 *   3. ISO output: the files beside the root that describe it are brought up to date in the new
 *      ISO (IsoPatcher, in their own blocks):
 *        archiso    <dir>/airootfs.sha512  "<128 hex digits>  airootfs.sfs\n": the new image's
 *                                          SHA-512 (initramfs `checksum=y` runs sha512sum -c)
 *                   <dir>/airootfs.sfs.sig a GPG signature we cannot make: named as stale
 *                                          (booting with `verify=y` then fails)
 *        live-boot  live/filesystem.size   decimal bytes, read by installers for the space the
 *        casper     casper/filesystem.size root needs (live-build writes `du -B 1 -s` of the
 *                                          chroot): every regular file rounded up to 4 KiB plus
 *                                          4 KiB per directory of the merged tree, what du
 *                                          counts on a 4 KiB-block filesystem for unsparse
 *                                          files and directories of one block (a hard-linked
 *                                          file once)
 *
 * A nested image (LiveOS/rootfs.img inside the squashfs) is refused: its overlayfs upper would
 * have to be applied inside rootfs.img's ext4. The stick is only read; the partial files are
 * removed, also on failure, and an existing output is never written over.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.iso.IsoPatcher;
import org.stickwright.engine.iso.IsoRebuildException;
import org.stickwright.engine.iso.IsoRebuilder;
import org.stickwright.engine.squashfs.SquashfsEntry;
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
     * @param companions       what became of the files describing the root (updated, or stale and why)
     * @param squashfsBuilder  the program that built the squashfs
     */
    public record Result(OverlayfsMerge.Summary merge, long squashfsBytes, SquashfsSuperblock.Compression compression,
            String compressionNote, IsoRebuilder.Plan iso, List<String> companions, String squashfsBuilder) {
        public Result {
            companions = List.copyOf(companions);
        }
    }

    /**
     * Writes {@code output} (must not exist): the ISO at the start of {@code stick} with a
     * squashfs that holds the upper directory {@code upperPath} of {@code upperFs} folded in.
     * {@code stick} may also be the ISO file an extract-mode stick was made from: only the
     * upper comes from the stick then.
     */
    public static Result writeIso(BlockDevice stick, Ext4Reader upperFs, String upperPath, Path output,
            Progress progress, Cancellation cancellation) throws IOException {
        return writeIso(stick, upperFs, upperPath, output, progress, cancellation, SquashfsBuilder.AUTO);
    }

    /** As {@link #writeIso(BlockDevice, Ext4Reader, String, Path, Progress, Cancellation)}, built by {@code builder}. */
    public static Result writeIso(BlockDevice stick, Ext4Reader upperFs, String upperPath, Path output,
            Progress progress, Cancellation cancellation, SquashfsBuilder builder) throws IOException {
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
            MergedLiveIso.Encoding encoding = MergedLiveIso.encodingOf(lower.superblock(), builder);
            progress.startPhase("folding the overlay into a new squashfs", lower.superblock().bytesUsed());
            OverlayfsMerge.Summary summary = fold(lower, upperFs, upperPath, squashFile, encoding);
            cancellation.check();
            long squashBytes = Files.size(squashFile);
            IsoRebuilder.Plan plan;
            try (ImageFile content = ImageFile.openReadOnly(squashFile)) {
                plan = IsoRebuilder.rebuild(stick, root.path(), content, output, progress,
                        cancellation);
            }
            List<String> companions;
            try {
                companions = updateCompanions(output, root.path(), squashFile);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(output);
                throw e;
            }
            return new Result(summary, squashBytes, encoding.compression(), encoding.note(), plan, companions,
                    encoding.builderName());
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
        return writeSquashfs(stick, upperFs, upperPath, output, progress, cancellation, SquashfsBuilder.AUTO);
    }

    /** As {@link #writeSquashfs(BlockDevice, Ext4Reader, String, Path, Progress, Cancellation)}, built by {@code builder}. */
    public static Result writeSquashfs(BlockDevice stick, Ext4Reader upperFs, String upperPath, Path output,
            Progress progress, Cancellation cancellation, SquashfsBuilder builder) throws IOException {
        refuseExisting(output);
        SquashfsImage lower = LiveRootSquashfs.find(stick).orElseThrow(() -> new OverlayfsMergeException(
                stick.name(), "none of the live root images " + LiveRootSquashfs.ROOT_PATHS
                        + " found (neither in an ISO 9660 tree nor on a FAT partition)")).image();
        refuseNested(lower);
        Path partial = output.resolveSibling(output.getFileName() + ".part");
        progress = progress == null ? new Progress() : progress;
        cancellation = cancellation == null ? new Cancellation() : cancellation;
        try {
            MergedLiveIso.Encoding encoding = MergedLiveIso.encodingOf(lower.superblock(), builder);
            progress.startPhase("folding the overlay into a new squashfs", lower.superblock().bytesUsed());
            OverlayfsMerge.Summary summary = fold(lower, upperFs, upperPath, partial, encoding);
            cancellation.check();
            long bytes = Files.size(partial);
            Files.move(partial, output);
            return new Result(summary, bytes, encoding.compression(), encoding.note(), null, List.of(),
                    encoding.builderName());
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** Step 3 of the class comment, on the new ISO {@code iso} whose root squashfs is {@code squashfs}. */
    private static List<String> updateCompanions(Path iso, String rootPath, Path squashfs) throws IOException {
        List<String> done = new ArrayList<>();
        String dir = rootPath.substring(0, rootPath.lastIndexOf('/') + 1);
        try (ImageFile image = ImageFile.openReadWrite(iso)) {
            IsoImage tree = IsoImage.open(image);
            if (rootPath.endsWith(".sfs")) {
                String sumPath = rootPath.substring(0, rootPath.length() - 4) + ".sha512";
                Optional<IsoEntry> sum = tree.find(sumPath).filter(IsoEntry::isFile);
                if (sum.isPresent()) {
                    String old = new String(tree.readAll(sum.get()), StandardCharsets.US_ASCII);
                    if (old.length() > 128 && old.substring(0, 128).matches("[0-9a-fA-F]{128}")) {
                        String updated = sha512(squashfs) + old.substring(128);
                        IsoPatcher.replace(image, sumPath, updated.getBytes(StandardCharsets.US_ASCII));
                        done.add(sumPath + ": SHA-512 of the new image");
                    } else {
                        done.add(sumPath + ": stale (not \"<sha512>  <name>\", left as it was)");
                    }
                }
                if (tree.find(rootPath + ".sig").filter(IsoEntry::isFile).isPresent()) {
                    done.add(rootPath + ".sig: stale (a signature of the old image; booting with verify=y fails)");
                }
            }
            String sizePath = dir + "filesystem.size";
            if (tree.find(sizePath).filter(IsoEntry::isFile).isPresent()) {
                long bytes;
                try (ImageFile merged = ImageFile.openReadOnly(squashfs)) {
                    bytes = unpackedBytes(SquashfsImage.open(merged));
                }
                IsoPatcher.replace(image, sizePath, (bytes + "\n").getBytes(StandardCharsets.US_ASCII));
                done.add(sizePath + ": " + bytes + " bytes unpacked");
            }
            image.flush();
        }
        return done;
    }

    /** What {@code du -B 1 -s} counts for the tree on a 4 KiB-block filesystem (see the class comment). */
    static long unpackedBytes(SquashfsImage image) throws IOException {
        long bytes = 4096; // the root directory
        java.util.Set<Long> counted = new java.util.HashSet<>(); // du counts a hard-linked file once
        for (SquashfsEntry entry : image.walk()) {
            if (entry.isDirectory()) {
                bytes += 4096;
            } else if (entry.type() == SquashfsEntry.Type.FILE && counted.add(entry.inodeNumber())) {
                bytes += (entry.size() + 4095) / 4096 * 4096;
            }
        }
        return bytes;
    }

    private static String sha512(Path file) throws IOException {
        java.security.MessageDigest digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-512");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    private static OverlayfsMerge.Summary fold(SquashfsImage lower, Ext4Reader upperFs, String upperPath, Path out,
            MergedLiveIso.Encoding encoding) throws IOException {
        Files.deleteIfExists(out);
        try (org.stickwright.engine.squashfs.SquashfsTreeSink writer = encoding.open(out)) {
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
