package org.stickwright.engine.squashfs;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Receives a tree to store as a squashfs, entry by entry: our own {@link SquashfsWriter}, or a
 * native tool fed a tar stream. Paths are absolute ("/etc/hostname"; "/" describes the root);
 * {@code mode} is the permission bits; a directory may be described after entries below it.
 */
public interface SquashfsTreeSink extends Closeable {
    void directory(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs)
            throws IOException;

    /** A regular file of {@code length} bytes; {@code content} is read front to back. */
    void file(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs, long length,
            SquashfsWriter.ContentSource content) throws IOException;

    /** A regular file of {@code length} bytes read from {@code content} (exactly that many are read). */
    default void file(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs, long length,
            InputStream content) throws IOException {
        file(path, mode, uid, gid, mtime, xattrs, length, (offset, into, at, n) -> {
            int got = content.readNBytes(into, at, n);
            if (got != n) {
                throw new SquashfsWriteException(path, "content ended after " + (offset + got) + " of " + length
                        + " bytes");
            }
        });
    }

    void symlink(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs, String target)
            throws IOException;

    /** A character ({@code block = false}) or block device; an overlayfs whiteout is character 0/0. */
    void device(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs, boolean block,
            int major, int minor) throws IOException;

    void fifo(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs) throws IOException;

    void socket(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs) throws IOException;

    /**
     * {@code path} as a second name of the non-directory given earlier at {@code target} (a hard
     * link): one inode, its data stored once, its link count the number of its names.
     */
    void hardLink(String path, String target) throws IOException;

    /** Socket nodes given but not stored (a sink fed through a tar stream cannot hold them). */
    default long socketsLeftOut() {
        return 0;
    }
}
