/*
 * Folds an overlayfs upper directory (on ext4) into its lower squashfs, producing the tree the
 * kernel's overlayfs shows, as a new squashfs. The rules are overlayfs's own
 * (Documentation/filesystems/overlayfs.rst):
 *
 *   upper entry, no lower          taken from upper
 *   upper non-directory            replaces the lower entry of that name (and a lower subtree)
 *   upper directory, lower dir     merged: the upper directory's attributes, both sets of children
 *   upper dir with xattr           opaque: nothing below the lower directory shows
 *     trusted.overlay.opaque = y
 *   upper char device 0:0          whiteout: the lower entry (and its subtree) is gone; the
 *                                  whiteout itself is not part of the result
 *   root                           the upper directory's own attributes
 *
 * Hard links stay hard links: a later name of an inode already written (a squashfs inode
 * number seen before in the lower tree, an ext4 inode number in the upper) becomes a link to
 * the first name written, so a lower /usr/bin/perl and perl5.36.0 stay one inode, stored once.
 * The layers are separate: a lower name copied up breaks from its lower siblings, as in
 * overlayfs itself, and the link count of each result inode is the names the result has.
 *
 * trusted.overlay.* xattrs are overlayfs's bookkeeping and are left out of the result. An upper
 * file with trusted.overlay.metacopy (data still in lower) or a directory with
 * trusted.overlay.redirect (renamed) is refused: folding those needs lower lookups by another
 * name, which live images do not enable.
 *
 * Memory: the upper tree's inodes and xattrs are held (an upper layer is the user's changes);
 * the lower tree is walked entry by entry and file data of both layers streams through.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.stickwright.engine.ext.Ext4Inode;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.squashfs.SquashfsEntry;
import org.stickwright.engine.squashfs.SquashfsImage;
import org.stickwright.engine.squashfs.SquashfsTreeSink;

/** Writes the merged tree of a lower squashfs and an overlayfs upper directory into a {@link SquashfsWriter}. */
public final class OverlayfsMerge {
    static final String OVERLAY_XATTR_PREFIX = "trusted.overlay.";

    private OverlayfsMerge() {
    }

    /** What the merge did: entries taken from each layer, whiteouts and opaque directories applied. */
    public record Summary(long fromLower, long fromUpper, long whiteouts, long opaqueDirectories, long hiddenLower,
            long hardLinks, long socketsLeftOut) {
    }

    private record UpperNode(Ext4Inode inode, Map<String, byte[]> xattrs) {
    }

    /**
     * Feeds {@code out} the merged tree of {@code lower} and the upper directory {@code upperPath}
     * of {@code upperFs}; the caller closes {@code out}.
     */
    public static Summary merge(SquashfsImage lower, Ext4Reader upperFs, String upperPath, SquashfsTreeSink out)
            throws IOException {
        Ext4Inode upperRoot = upperFs.lookup(upperPath);
        if (!upperRoot.isDirectory()) {
            throw new java.nio.file.NotDirectoryException(upperPath);
        }
        Map<String, UpperNode> upper = new LinkedHashMap<>();
        Set<String> whiteouts = new HashSet<>();
        Set<String> opaque = new HashSet<>();
        Map<String, byte[]> rootXattrs = upperFs.xattrs(upperRoot);
        checkSupported("/", upperRoot, rootXattrs);
        if (isOpaque(rootXattrs)) {
            opaque.add("/");
        }
        upperFs.walk(upperRoot, "/", (path, entry, inode) -> {
            if (inode.isWhiteout()) {
                whiteouts.add(path);
                return;
            }
            Map<String, byte[]> xattrs = upperFs.xattrs(inode);
            checkSupported(path, inode, xattrs);
            if (inode.isDirectory() && isOpaque(xattrs)) {
                opaque.add(path);
            }
            upper.put(path, new UpperNode(inode, xattrs));
        });

        out.directory("/", upperRoot.permissions(), Integer.toUnsignedLong(upperRoot.uid()),
                Integer.toUnsignedLong(upperRoot.gid()), upperRoot.mtime(), withoutOverlayXattrs(rootXattrs));

        long fromLower = 0;
        long hidden = 0;
        long hardLinks = 0;
        Map<Long, String> firstLowerName = new HashMap<>(); // only inodes with more than one name
        for (SquashfsEntry e : lower.walk()) {
            if (upper.containsKey(e.path()) || hiddenByUpper(e.path(), upper, whiteouts, opaque)) {
                hidden++;
                continue;
            }
            fromLower++;
            String first = earlierName(firstLowerName, !e.isDirectory() && e.links() > 1, e.inodeNumber(), e.path());
            if (first != null) {
                out.hardLink(e.path(), first);
                hardLinks++;
            } else {
                writeLower(lower, e, out);
            }
        }
        Map<Long, String> firstUpperName = new HashMap<>();
        for (Map.Entry<String, UpperNode> u : upper.entrySet()) {
            Ext4Inode inode = u.getValue().inode();
            String first = earlierName(firstUpperName, !inode.isDirectory() && inode.linksCount() > 1,
                    inode.number(), u.getKey());
            if (first != null) {
                out.hardLink(u.getKey(), first);
                hardLinks++;
            } else {
                writeUpper(upperFs, u.getKey(), u.getValue(), out);
            }
        }
        return new Summary(fromLower, upper.size(), whiteouts.size(), opaque.size(), hidden, hardLinks,
                out.socketsLeftOut());
    }

    /**
     * The name an inode was first written under, when {@code path} is a later name of it (a hard
     * link); null when this is its first name (remembered, if it has others) or its only one.
     */
    static String earlierName(Map<Long, String> firstNames, boolean linked, long inode, String path) {
        return linked ? firstNames.putIfAbsent(inode, path) : null;
    }

    private static boolean isOpaque(Map<String, byte[]> xattrs) {
        byte[] value = xattrs.get(OverlayfsUpper.OPAQUE_XATTR);
        return value != null && value.length >= 1 && value[0] == 'y';
    }

    private static void checkSupported(String path, Ext4Inode inode, Map<String, byte[]> xattrs)
            throws OverlayfsMergeException {
        if (xattrs.containsKey("trusted.overlay.metacopy")) {
            throw new OverlayfsMergeException(path, "is a metacopy (its data is still in the lower layer); "
                    + "merging metacopy uppers is not supported");
        }
        if (xattrs.containsKey("trusted.overlay.redirect")) {
            throw new OverlayfsMergeException(path, "is a redirected (renamed) directory; merging redirect_dir "
                    + "uppers is not supported");
        }
    }

    /**
     * A lower path is hidden when the upper layer whites it out, or any directory above it is
     * whited out, opaque, or replaced by an upper non-directory.
     */
    static boolean hiddenByUpper(String path, Map<String, UpperNode> upper, Set<String> whiteouts,
            Set<String> opaque) {
        if (whiteouts.contains(path) || opaque.contains("/")) {
            return true;
        }
        for (int slash = path.indexOf('/', 1); slash > 0; slash = path.indexOf('/', slash + 1)) {
            String ancestor = path.substring(0, slash);
            if (whiteouts.contains(ancestor) || opaque.contains(ancestor)) {
                return true;
            }
            UpperNode node = upper.get(ancestor);
            if (node != null && !node.inode().isDirectory()) {
                return true;
            }
        }
        return false;
    }

    static Map<String, byte[]> withoutOverlayXattrs(Map<String, byte[]> xattrs) {
        Map<String, byte[]> kept = new TreeMap<>();
        xattrs.forEach((name, value) -> {
            if (!name.startsWith(OVERLAY_XATTR_PREFIX)) {
                kept.put(name, value);
            }
        });
        return kept;
    }

    private static void writeLower(SquashfsImage lower, SquashfsEntry e, SquashfsTreeSink out) throws IOException {
        Map<String, byte[]> x = withoutOverlayXattrs(lower.xattrs(e));
        String p = e.path();
        int mode = e.permissions();
        switch (e.type()) {
            case DIRECTORY -> out.directory(p, mode, e.uid(), e.gid(), e.mtime(), x);
            case FILE -> {
                try (InputStream in = lower.openFile(e)) {
                    out.file(p, mode, e.uid(), e.gid(), e.mtime(), x, e.size(), in);
                }
            }
            case SYMLINK -> out.symlink(p, mode, e.uid(), e.gid(), e.mtime(), x, e.symlinkTarget());
            case CHAR_DEVICE, BLOCK_DEVICE -> out.device(p, mode, e.uid(), e.gid(), e.mtime(), x,
                    e.type() == SquashfsEntry.Type.BLOCK_DEVICE, e.deviceMajor(), e.deviceMinor());
            case FIFO -> out.fifo(p, mode, e.uid(), e.gid(), e.mtime(), x);
            case SOCKET -> out.socket(p, mode, e.uid(), e.gid(), e.mtime(), x);
        }
    }

    private static void writeUpper(Ext4Reader fs, String p, UpperNode node, SquashfsTreeSink out) throws IOException {
        Ext4Inode i = node.inode();
        Map<String, byte[]> x = withoutOverlayXattrs(node.xattrs());
        int mode = i.permissions();
        long uid = Integer.toUnsignedLong(i.uid());
        long gid = Integer.toUnsignedLong(i.gid());
        long mtime = i.mtime();
        if (i.isDirectory()) {
            out.directory(p, mode, uid, gid, mtime, x);
        } else if (i.isRegularFile()) {
            try (InputStream in = fs.openStream(i)) {
                out.file(p, mode, uid, gid, mtime, x, i.size(), in);
            }
        } else if (i.isSymlink()) {
            out.symlink(p, mode, uid, gid, mtime, x, fs.readSymlink(i));
        } else if (i.isCharDevice() || i.isBlockDevice()) {
            out.device(p, mode, uid, gid, mtime, x, i.isBlockDevice(), i.deviceMajor(), i.deviceMinor());
        } else if (i.isFifo()) {
            out.fifo(p, mode, uid, gid, mtime, x);
        } else if (i.isSocket()) {
            out.socket(p, mode, uid, gid, mtime, x);
        } else {
            throw new OverlayfsMergeException(p, "has an unknown file type (mode " + Integer.toOctalString(i.mode())
                    + ")");
        }
    }
}
