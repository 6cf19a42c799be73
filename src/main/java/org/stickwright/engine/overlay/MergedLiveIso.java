/*
 * A new live ISO whose root already holds what a dm-snapshot overlay changed, so it boots with
 * an empty overlay. On a Fedora nested stick the origin is LiveOS/rootfs.img inside
 * LiveOS/squashfs.img inside the ISO 9660 tree; the merge goes inside out:
 *
 *   1. rootfs.img extracted to a temporary file beside the output, the store's exception
 *      table applied to it (DmSnapshotEditor.merge: each record's chunk to old_chunk)
 *   2. a new squashfs (SquashfsWriter) with the old one's tree: the same directories with their
 *      modes, owners and times, LiveOS/rootfs.img replaced by the merged file, anything else
 *      (small files, symlinks) copied; the old compressor when the writer has it (gzip, xz),
 *      else gzip; the old block size and mkfs time
 *   3. IsoRebuilder: the ISO as written at the start of the stick with that squashfs as
 *      /LiveOS/squashfs.img, appended partitions moved behind it
 *
 * The stick is only read. The temporaries are removed, also on failure, and a failed rebuild
 * leaves no output.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.iso.IsoRebuildException;
import org.stickwright.engine.iso.IsoRebuilder;
import org.stickwright.engine.squashfs.SquashfsEntry;
import org.stickwright.engine.squashfs.SquashfsImage;
import org.stickwright.engine.squashfs.SquashfsSuperblock;
import org.stickwright.engine.squashfs.SquashfsTreeSink;
import org.stickwright.engine.squashfs.SquashfsWriter;

/** Writes a new live ISO from a Fedora nested stick and its dm-snapshot store. */
public final class MergedLiveIso {
    /** Where dracut's dmsquash-live finds the live root in the ISO 9660 tree. */
    public static final String SQUASHFS_PATH = "/LiveOS/squashfs.img";
    private static final String ROOTFS_PATH = "/LiveOS/rootfs.img";
    /** Other files of the old squashfs are copied through memory; Fedora has none. */
    private static final long MAX_OTHER_FILE = 64L << 20;

    private MergedLiveIso() {
    }

    /**
     * What was written.
     *
     * @param merge            what applying the store did
     * @param rootfsBytes      size of the merged LiveOS/rootfs.img
     * @param squashfsBytes    size of the new squashfs
     * @param compression      its compressor
     * @param compressionNote  why it differs from the old one, or "" when it is the same
     * @param iso              the rebuild (sizes, shift, moved partitions)
     */
    public record Result(DmSnapshotEditor.MergeResult merge, long rootfsBytes, long squashfsBytes,
            SquashfsSuperblock.Compression compression, String compressionNote, IsoRebuilder.Plan iso,
            String squashfsBuilder) {
    }

    /**
     * Writes {@code output} (must not exist) from {@code stick}, whose start is the live ISO as
     * written, and the dm-snapshot store in {@code cow}.
     */
    public static Result write(BlockDevice stick, DmSnapshotStore store, BlockDevice cow, Path output,
            Progress progress, Cancellation cancellation) throws IOException {
        return write(stick, store, cow, output, progress, cancellation, SquashfsBuilder.AUTO);
    }

    /** As {@link #write(BlockDevice, DmSnapshotStore, BlockDevice, Path, Progress, Cancellation)}, built by {@code builder}. */
    public static Result write(BlockDevice stick, DmSnapshotStore store, BlockDevice cow, Path output,
            Progress progress, Cancellation cancellation, SquashfsBuilder builder) throws IOException {
        if (Files.exists(output)) {
            throw new IsoRebuildException(output + " exists; it is never written over");
        }
        if (!IsoImage.looksLikeIso9660(stick)) {
            throw new IsoRebuildException(stick.name() + " does not start with an ISO 9660 image (an extract-mode "
                    + "stick?): there is no live ISO to rebuild; give the ISO it was made from (--base-iso) or merge"
                    + " into a rootfs image instead (--rootfs-only)");
        }
        IsoImage iso = IsoImage.open(stick);
        IsoEntry squashEntry = iso.find(SQUASHFS_PATH).filter(IsoEntry::isFile)
                .orElseThrow(() -> new IsoRebuildException(stick.name() + ": the ISO has no " + SQUASHFS_PATH));
        if (squashEntry.extents().size() != 1) {
            throw new IsoRebuildException(SQUASHFS_PATH + " is stored in several extents (4 GiB or more); not rebuilt");
        }
        SquashfsImage squashfs = SquashfsImage.open(stick.slice(squashEntry.firstDataOffset(), squashEntry.size()));
        // Checks the layout before minutes of work: a refusal comes first.
        IsoRebuilder.plan(stick, SQUASHFS_PATH, squashEntry.size());

        String name = output.getFileName().toString();
        Path rootfsFile = output.resolveSibling(name + ".rootfs.part");
        Path squashFile = output.resolveSibling(name + ".squashfs.part");
        try {
            long rootfsBytes;
            DmSnapshotEditor.MergeResult merged;
            try (ImageFile rootfs = ImageFile.create(rootfsFile, 0)) {
                rootfsBytes = NestedRootfs.extract(squashfs, rootfs);
                merged = DmSnapshotEditor.merge(store, cow, rootfs);
                rootfs.flush();
            }
            Encoding encoding = encodingOf(squashfs.superblock(), builder);
            SquashfsSuperblock.Compression compression = encoding.compression();
            String note = encoding.note();
            progress = progress == null ? new Progress() : progress;
            cancellation = cancellation == null ? new Cancellation() : cancellation;
            progress.startPhase("compressing the merged root image", rootfsBytes);
            try (ImageFile rootfs = ImageFile.openReadOnly(rootfsFile)) {
                writeSquashfs(squashfs, rootfs, squashFile, encoding);
            }
            cancellation.check();
            long squashBytes = Files.size(squashFile);
            IsoRebuilder.Plan plan;
            try (ImageFile content = ImageFile.openReadOnly(squashFile)) {
                plan = IsoRebuilder.rebuild(stick, SQUASHFS_PATH, content, output, progress, cancellation);
            }
            return new Result(merged, rootfsBytes, squashBytes, compression, note, plan, encoding.builderName());
        } finally {
            Files.deleteIfExists(rootfsFile);
            Files.deleteIfExists(squashFile);
        }
    }

    /**
     * How a new squashfs replacing {@code old} is written, by {@code builder}: its compressor,
     * block size and mkfs time. Our writer has gzip and xz; for another compressor it uses gzip
     * and the note says why. tar2sqfs keeps any of them.
     */
    record Encoding(SquashfsWriter.Options options, SquashfsSuperblock.Compression compression, String note,
            SquashfsBuilder builder) {
        /** A sink writing {@code out} (replaced if it exists). */
        SquashfsTreeSink open(Path out) throws IOException {
            return builder == SquashfsBuilder.TAR2SQFS ? Tar2SqfsSink.start(out, compression, options)
                    : SquashfsWriter.create(out, options);
        }

        /** "tar2sqfs (squashfs-tools-ng) 1.2.0" or "stickwright's squashfs writer (Java)". */
        String builderName() {
            return builder == SquashfsBuilder.TAR2SQFS ? Tar2SqfsSink.version().orElse("tar2sqfs")
                    : "stickwright's squashfs writer (Java)";
        }
    }

    static Encoding encodingOf(SquashfsSuperblock old) throws IOException {
        return encodingOf(old, SquashfsBuilder.AUTO);
    }

    static Encoding encodingOf(SquashfsSuperblock old, SquashfsBuilder wanted) throws IOException {
        SquashfsBuilder builder = wanted.resolve();
        if (builder == SquashfsBuilder.TAR2SQFS && Tar2SqfsSink.version().isEmpty()) {
            throw new IsoRebuildException("tar2sqfs (Debian/Ubuntu package squashfs-tools-ng) is not installed;"
                    + " leave out --squashfs-builder or choose java");
        }
        SquashfsSuperblock.Compression compression = old.compression();
        String note = "";
        SquashfsSuperblock.Compression writerCompression = compression;
        if (compression != SquashfsSuperblock.Compression.GZIP && compression != SquashfsSuperblock.Compression.XZ) {
            writerCompression = SquashfsSuperblock.Compression.GZIP;
            if (builder == SquashfsBuilder.JAVA) {
                note = "the old squashfs used " + compression + ", which the squashfs writer does not write; the new "
                        + "one uses gzip (every kernel that reads squashfs reads gzip)";
                compression = SquashfsSuperblock.Compression.GZIP;
            }
        }
        SquashfsWriter.Options options = SquashfsWriter.Options.defaults().withCompression(writerCompression)
                .withBlockSize(old.blockSize()).withModificationTime(old.modificationTime());
        return new Encoding(options, compression, note, builder);
    }

    /** The old squashfs's tree with LiveOS/rootfs.img taken from {@code rootfs}. */
    private static void writeSquashfs(SquashfsImage old, BlockDevice rootfs, Path out, Encoding encoding)
            throws IOException {
        Files.deleteIfExists(out);
        try (SquashfsTreeSink writer = encoding.open(out)) {
            SquashfsEntry root = old.root();
            writer.directory("/", root.mode(), root.uid(), root.gid(), root.mtime(), Map.of());
            Map<Long, String> firstName = new java.util.HashMap<>(); // hard links stay links
            for (SquashfsEntry e : old.walk()) {
                String first = OverlayfsMerge.earlierName(firstName, !e.isDirectory() && e.links() > 1,
                        e.inodeNumber(), e.path());
                if (first != null) {
                    writer.hardLink(e.path(), first);
                    continue;
                }
                switch (e.type()) {
                    case DIRECTORY -> writer.directory(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), Map.of());
                    case FILE -> {
                        if (e.path().equals(ROOTFS_PATH)) {
                            writer.file(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), Map.of(), rootfs.size(),
                                    SquashfsWriter.ContentSource.of(rootfs, 0));
                        } else {
                            byte[] bytes = old.readFile(e, MAX_OTHER_FILE);
                            writer.file(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), Map.of(), bytes.length,
                                    new java.io.ByteArrayInputStream(bytes));
                        }
                    }
                    case SYMLINK -> writer.symlink(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), Map.of(),
                            e.symlinkTarget());
                    case FIFO -> writer.fifo(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), Map.of());
                    case SOCKET -> writer.socket(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), Map.of());
                    case BLOCK_DEVICE, CHAR_DEVICE -> writer.device(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(),
                            Map.of(), e.type() == SquashfsEntry.Type.BLOCK_DEVICE, (int) (e.device() >>> 8) & 0xfff,
                            (int) (e.device() & 0xff | (e.device() >>> 12) & 0xfff00));
                }
            }
        }
    }
}
