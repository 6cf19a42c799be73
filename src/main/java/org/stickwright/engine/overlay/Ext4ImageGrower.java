/*
 * Growing an ext4 image file that holds an overlayfs store (dracut's embedded overlay on FAT:
 * /overlayfs = upper, /ovlwork = work). Growing an ext4 in place means new block groups, new
 * group descriptors (or reserved GDT blocks turned into real ones), bitmaps and inode tables,
 * as resize2fs does; instead the store is rebuilt: its tree is read with our ext4 reader and
 * written by our formatter into a NEW, larger file beside the old one, checked by reading it
 * back, and only then do the names swap. Kept: every directory, regular file, symlink and
 * overlayfs whiteout (char device 0:0) with permissions, owner and every xattr (overlayfs's
 * trusted.overlay.opaque / .origin / .redirect and security labels), the label and the UUID.
 * Not kept: inode numbers and file times (the formatter stamps one time on all). Refused:
 * other device nodes, FIFOs, sockets and hard-linked files (the formatter writes one inode per
 * path, so a hard link would split in two), and stores whose files add up to more than the
 * memory bound (the formatter takes file contents as byte arrays).
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Inode;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.ext.Ext4Superblock;
import org.stickwright.engine.fat.FatEntry;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.io.BlockDevice;

/** Rebuilds an embedded ext4 store file on FAT at a larger size, keeping its tree. */
public final class Ext4ImageGrower {
    /** Refuse to hold more file content than this in memory (or a quarter of the heap, if less). */
    public static final long MAX_CONTENT_BYTES = 512L * 1024 * 1024;

    private Ext4ImageGrower() {
    }

    /** The store cannot be grown this way; the message says why. Nothing was written. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message);
        }
    }

    /** What a store holds, read and ready to be written again. */
    public record Tree(Ext4Superblock superblock, List<Ext4Entry> entries, long contentBytes) {
    }

    /** The content bound in effect: {@link #MAX_CONTENT_BYTES} or a quarter of the heap. */
    public static long contentBound() {
        return Math.min(MAX_CONTENT_BYTES, Runtime.getRuntime().maxMemory() / 4);
    }

    /**
     * Reads the whole tree of {@code image}; refuses ({@link Refused}, naming the reason) what a rebuild would not keep, and trees above {@code bound}
     * bytes of file content.
     */
    public static Tree read(BlockDevice image, long bound) throws IOException {
        Ext4Reader ext4 = Ext4Reader.open(image);
        Ext4Superblock sb = ext4.superblock();
        if (sb.needsRecovery()) {
            throw new Refused("the store's journal holds changes not yet written (it was not "
                    + "unmounted cleanly): boot the stick once and shut it down properly, or check it with e2fsck");
        }
        List<Ext4Entry> entries = new ArrayList<>();
        Ext4Inode root = ext4.root();
        entries.add(withMeta(ext4, new Ext4Entry("/", Ext4Entry.Kind.DIRECTORY, root.permissions(), root.uid(),
                root.gid(), null, null, null), root));
        long[] content = new long[1];
        ext4.walk(root, "/", (path, entry, inode) -> {
            if (path.equals("/lost+found")) {
                return;
            }
            Ext4Entry copy;
            if (inode.isDirectory()) {
                copy = new Ext4Entry(path, Ext4Entry.Kind.DIRECTORY, inode.permissions(), inode.uid(), inode.gid(),
                        null, null, null);
            } else if (inode.isRegularFile()) {
                if (inode.linksCount() > 1) {
                    throw new Refused(path + " is hard-linked (" + inode.linksCount() + " names): a rebuilt"
                            + " store would split it into separate files; not resized");
                }
                content[0] += inode.size();
                if (content[0] > bound) {
                    throw new Refused("the store holds more than " + bound / (1024 * 1024)
                            + " MiB of files, more than a rebuild keeps in memory; not resized");
                }
                copy = new Ext4Entry(path, Ext4Entry.Kind.FILE, inode.permissions(), inode.uid(), inode.gid(),
                        ext4.readAll(inode, (int) Math.min(Integer.MAX_VALUE - 8, bound)), null, null);
                if (copy.content().length != inode.size()) {
                    throw new Refused("inode " + inode.number() + " (" + path + "): read "
                            + copy.content().length + " of " + inode.size() + " bytes");
                }
            } else if (inode.isSymlink()) {
                copy = new Ext4Entry(path, Ext4Entry.Kind.SYMLINK, inode.permissions(), inode.uid(), inode.gid(),
                        null, ext4.readSymlink(inode), null);
            } else if (inode.isWhiteout()) {
                copy = new Ext4Entry(path, Ext4Entry.Kind.WHITEOUT, inode.permissions(), inode.uid(), inode.gid(),
                        null, null, null);
            } else {
                throw new Refused(path + " is a device node, FIFO or socket (mode "
                        + Integer.toOctalString(inode.mode()) + "), which a rebuilt store would not keep; not resized");
            }
            entries.add(withMeta(ext4, copy, inode));
        });
        return new Tree(sb, List.copyOf(entries), content[0]);
    }

    private static Ext4Entry withMeta(Ext4Reader ext4, Ext4Entry entry, Ext4Inode inode) throws IOException {
        Ext4Entry out = entry;
        for (var xattr : ext4.xattrs(inode).entrySet()) {
            if (xattr.getKey().equals("system.data")) {
                continue; // the tail of inline data, not an attribute of the file
            }
            out = out.xattr(xattr.getKey(), xattr.getValue());
        }
        return out;
    }

    /** The formatter options that give {@code tree} back: label, UUID, inode density, reserve. */
    public static Ext4Options options(Tree tree) {
        Ext4Superblock sb = tree.superblock();
        long bytes = sb.blocksCount() * sb.blockSize();
        long perInode = Long.highestOneBit(Math.max(4096, bytes / Math.max(1, sb.inodesCount())));
        int reserved = (int) Math.min(50, Math.round(100.0 * sb.reservedBlocksCount() / sb.blocksCount()));
        return Ext4Options.labelled(sb.label()).withUuid(sb.uuid())
                .withBytesPerInode((int) Math.min(67_108_864, perInode)).withReservedPercent(reserved)
                .withEntries(tree.entries());
    }

    /**
     * Grows the ext4 image file {@code path} on the FAT volume {@code fs} to {@code newSize}
     * bytes (a whole number of 4 KiB blocks): checks the free space, writes the rebuilt store
     * into a new file {@code resizing.tmp} beside it, reads that back, then swaps the names.
     * Up to the swap the old file is untouched; a failure removes the new file.
     */
    public static long grow(FatFileSystem fs, BlockDevice volume, String path, long newSize) throws IOException {
        if (newSize > FatFileSystem.MAX_FILE_SIZE) {
            throw new Refused("cannot grow to " + newSize + " bytes: a FAT32 file holds at most "
                    + FatFileSystem.MAX_FILE_SIZE + " bytes");
        }
        long size = newSize / 4096 * 4096;
        FatEntry old = fs.stat(path).orElseThrow(() -> new java.nio.file.NoSuchFileException(path));
        if (size <= old.size()) {
            throw new Refused("an ext4 store only grows: " + path + " has " + old.size()
                    + " bytes, asked for " + size);
        }
        Tree tree;
        try (ExtentDevice image = FatStoreFile.open(fs, volume, path)) {
            tree = read(image, contentBound());
        }
        int slash = path.lastIndexOf('/');
        String temporary = path.substring(0, slash + 1) + "resizing.tmp";
        String retired = path.substring(0, slash + 1) + "resizing.old";
        for (String leftover : List.of(temporary, retired)) {
            if (fs.stat(leftover).isPresent()) {
                throw new Refused(leftover + " exists (left by an interrupted resize?): look at it and"
                        + " remove it first");
            }
        }
        long cluster = fs.clusterSize();
        long needed = (size + cluster - 1) / cluster * cluster;
        if (needed > fs.freeBytes()) {
            throw new Refused("the FAT volume has " + fs.freeBytes() + " bytes free; a new " + size
                    + "-byte store needs " + needed + " beside the old one; not resized");
        }
        fs.allocateContiguous(temporary, size, FileTimes.now());
        fs.flush();
        try (ExtentDevice grown = FatStoreFile.open(fs, volume, temporary)) {
            Ext4Formatter.format(grown, options(tree));
            grown.flush();
            Tree check = read(grown, contentBound());
            if (check.entries().size() != tree.entries().size() || check.contentBytes() != tree.contentBytes()) {
                throw new IOException("the rebuilt store at " + temporary + " reads back " + check.entries().size()
                        + " entries and " + check.contentBytes() + " bytes, not " + tree.entries().size() + " and "
                        + tree.contentBytes() + "; the old store is kept");
            }
        } catch (IOException | RuntimeException e) {
            fs.delete(temporary);
            fs.flush();
            throw e;
        }
        fs.rename(path, retired);
        fs.rename(temporary, path);
        fs.flush();
        fs.delete(retired);
        fs.flush();
        return size;
    }
}
