/*
 * One node of the tree as we present it: the best name the image offers (Rock Ridge NM,
 * else Joliet UCS-2, else the ISO 9660 identifier without ";1"), the POSIX facts of Rock
 * Ridge where present, and the file's extents as absolute device byte ranges.
 */
package org.stickwright.engine.iso;

import java.time.Instant;
import java.util.List;

/**
 * A file, directory or symbolic link of an ISO 9660 tree.
 *
 * @param path          absolute path inside the image, "/" for the root, "/boot/grub/grub.cfg"
 * @param name          last path component ("" for the root)
 * @param kind          what it is
 * @param size          file size in bytes (the directory's extent size for directories)
 * @param extents       where the bytes are; empty for symlinks and empty files
 * @param mode          POSIX st_mode from Rock Ridge PX (type bits included), or -1 without Rock Ridge
 * @param uid           owner from PX, or -1
 * @param gid           group from PX, or -1
 * @param symlinkTarget target of a symbolic link (Rock Ridge SL), else null
 * @param modified      modification time: RRIP TF, else the directory record's date; may be null
 * @param accessed      access time from TF, or null
 * @param recordOffset  device byte offset of the (first) directory record describing it
 */
public record IsoEntry(String path, String name, Kind kind, long size, List<IsoExtent> extents, int mode, long uid,
        long gid, String symlinkTarget, Instant modified, Instant accessed, long recordOffset) {

    /** What a tree node is. */
    public enum Kind { DIRECTORY, FILE, SYMLINK }

    public IsoEntry {
        extents = List.copyOf(extents);
    }

    public boolean isDirectory() {
        return kind == Kind.DIRECTORY;
    }

    public boolean isFile() {
        return kind == Kind.FILE;
    }

    public boolean isSymlink() {
        return kind == Kind.SYMLINK;
    }

    /** Permission bits (mode & 07777), or -1 without Rock Ridge. */
    public int permissions() {
        return mode < 0 ? -1 : mode & 07777;
    }

    /** Device offset of the first byte of data, or -1 when there is none. */
    public long firstDataOffset() {
        return extents.isEmpty() ? -1 : extents.get(0).offset();
    }
}
