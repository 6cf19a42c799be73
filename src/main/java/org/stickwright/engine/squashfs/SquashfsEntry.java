/*
 * One node of a squashfs tree as read from its inode: the common 16-byte inode header
 * (type, permissions, uid index, gid index, mtime, inode number) plus the type's own fields.
 * Regular files keep where their data blocks start, each block's on-disk size word, and the
 * fragment holding their tail.
 */
package org.stickwright.engine.squashfs;

import java.util.List;

/**
 * A file, directory, link, device or IPC node of a squashfs image.
 *
 * @param path          absolute path in the image ("/" for the root)
 * @param name          last component ("" for the root)
 * @param type          what it is
 * @param permissions   permission bits (mode & 07777)
 * @param uid           owner (resolved through the id table)
 * @param gid           group
 * @param mtime         modification time, seconds since the epoch
 * @param inodeNumber   the inode's number
 * @param size          file size, symlink target length, or the directory's listing size (as unsquashfs shows)
 * @param symlinkTarget target of a symbolic link, else null
 * @param device        device number of block/char devices (major<<8|minor, new encoding), else 0
 * @param xattrIndex    index into the xattr id table, or {@link #NO_XATTRS}
 * @param links         the inode's link count (a basic file inode has none: 1); above 1 for a
 *                      non-directory, other names of the same inode number are hard links
 */
public record SquashfsEntry(String path, String name, Type type, int permissions, long uid, long gid, long mtime,
        long inodeNumber, long size, String symlinkTarget, long device, FileLayout layout, long xattrIndex,
        long links) {

    /** An entry with one name. */
    public SquashfsEntry(String path, String name, Type type, int permissions, long uid, long gid, long mtime,
            long inodeNumber, long size, String symlinkTarget, long device, FileLayout layout, long xattrIndex) {
        this(path, name, type, permissions, uid, gid, mtime, inodeNumber, size, symlinkTarget, device, layout,
                xattrIndex, 1);
    }

    /** The xattr index of an inode without xattrs. */
    public static final long NO_XATTRS = 0xFFFFFFFFL;

    /** An entry without xattrs. */
    public SquashfsEntry(String path, String name, Type type, int permissions, long uid, long gid, long mtime,
            long inodeNumber, long size, String symlinkTarget, long device, FileLayout layout) {
        this(path, name, type, permissions, uid, gid, mtime, inodeNumber, size, symlinkTarget, device, layout,
                NO_XATTRS);
    }

    /** Major number of a device node (the kernel's new_decode_dev). */
    public int deviceMajor() {
        return (int) ((device >>> 8) & 0xfff);
    }

    /** Minor number of a device node. */
    public int deviceMinor() {
        return (int) ((device & 0xff) | ((device >>> 12) & 0xfff00));
    }

    /** Inode types, basic and extended folded together. */
    public enum Type { DIRECTORY, FILE, SYMLINK, BLOCK_DEVICE, CHAR_DEVICE, FIFO, SOCKET }

    /**
     * Where a regular file's bytes are: data blocks from {@code blocksStart}, one size word per
     * block (bit 24 = stored uncompressed, 0 = a hole), and a tail in fragment
     * {@code fragmentIndex} at {@code fragmentOffset} (fragmentIndex 0xFFFFFFFF = no fragment).
     * For directories: the directory table block and offset of its listing.
     */
    public record FileLayout(long blocksStart, List<Long> blockSizes, long fragmentIndex, long fragmentOffset,
            long directoryBlock, int directoryOffset) {
        public FileLayout {
            blockSizes = List.copyOf(blockSizes);
        }
    }

    public boolean isDirectory() {
        return type == Type.DIRECTORY;
    }

    public boolean isFile() {
        return type == Type.FILE;
    }

    /** The st_mode: type bits and permissions, as ls shows them. */
    public int mode() {
        int typeBits = switch (type) {
            case DIRECTORY -> 0040000;
            case FILE -> 0100000;
            case SYMLINK -> 0120000;
            case BLOCK_DEVICE -> 0060000;
            case CHAR_DEVICE -> 0020000;
            case FIFO -> 0010000;
            case SOCKET -> 0140000;
        };
        return typeBits | permissions;
    }
}
