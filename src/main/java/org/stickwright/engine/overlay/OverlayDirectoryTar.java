/*
 * An overlayfs directory store as a POSIX pax archive (IEEE 1003.1-2001 "pax" format), the
 * form GNU tar, bsdtar and Python's tarfile all read back with the xattrs overlayfs needs:
 *
 *   per entry  a 512-byte 'x' header + its records, then the 512-byte ustar header, then the
 *              content padded to 512; two zero blocks end the archive
 *   records    "<len> <key>=<value>\n", len counting the whole record in decimal:
 *              "30 path=./etc/hostname-long...\n", "mtime", "uid", "gid", "size" when it is
 *              past ustar's 8 GiB, and one "SCHILY.xattr.<name>=<raw value bytes>" per extended
 *              attribute (trusted.overlay.opaque, .origin, .redirect, security.selinux ...)
 *   ustar      name[100] mode[8] uid[8] gid[8] size[12] mtime[12] chksum[8] typeflag linkname[100]
 *              "ustar\0" "00" uname[32] gname[32] devmajor[8] devminor[8] prefix[155]: octal,
 *              NUL-terminated; the checksum is the byte sum with chksum read as 8 spaces
 *   types      '0' file, '5' directory, '2' symlink, '1' hard link (a second name of an inode
 *              already stored), '3' character device (an overlayfs whiteout is 0:0), '6' FIFO
 *
 * Paths are "./" plus the path below the upper directory, so `tar -xpf --xattrs
 * --xattrs-include='*'` into an empty upper restores the store. Sparse files are stored with
 * their holes as zeros (xz compresses them to almost nothing).
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.stickwright.engine.ext.Ext4Inode;
import org.stickwright.engine.ext.Ext4Reader;

/** Writes the tree below an overlayfs upper directory on ext4 as a pax tar stream. */
public final class OverlayDirectoryTar {
    /** How the base image starts the global "comment" record (see OverlayTarReader.baseImage). */
    static final String BASE_IMAGE = "stickwright base-image=";

    /** What was written. */
    public record Summary(long entries, long contentBytes) {
    }

    private final PaxTarWriter tar;
    private final Ext4Reader reader;
    private final Map<Long, String> firstNames = new HashMap<>();
    private long entries;
    private long contentBytes;

    private OverlayDirectoryTar(Ext4Reader reader, OutputStream out) {
        this.reader = reader;
        this.tar = new PaxTarWriter(out);
    }

    /** Writes everything below {@code upper} (not the directory itself) to {@code out}, then the end marker. */
    public static Summary write(Ext4Reader reader, String upper, OutputStream out) throws IOException {
        return write(reader, upper, out, "");
    }

    /**
     * As {@link #write(Ext4Reader, String, OutputStream)}, first recording {@code baseImage} (what
     * the store's live system was made from) in a global pax header's "comment" record, the one
     * keyword POSIX tells every reader to ignore: "<len> comment=stickwright base-image=<text>\n".
     */
    public static Summary write(Ext4Reader reader, String upper, OutputStream out, String baseImage)
            throws IOException {
        OverlayDirectoryTar tar = new OverlayDirectoryTar(reader, out);
        if (!baseImage.isEmpty()) {
            tar.tar.global("comment", (BASE_IMAGE + baseImage).getBytes(StandardCharsets.UTF_8));
        }
        Ext4Inode top = reader.lookup(upper);
        tar.entry(".", top);
        reader.walk(top, ".", (path, entry, inode) -> tar.entry(path, inode));
        tar.tar.finish();
        return new Summary(tar.entries, tar.contentBytes);
    }

    private void entry(String path, Ext4Inode inode) throws IOException {
        char type;
        String link = "";
        long size = 0;
        int major = 0;
        int minor = 0;
        if (inode.isDirectory()) {
            type = '5';
        } else if (inode.isSymlink()) {
            type = '2';
            link = reader.readSymlink(inode);
        } else if (inode.linksCount() > 1 && firstNames.containsKey(inode.number())) {
            type = '1';
            link = firstNames.get(inode.number());
        } else if (inode.isRegularFile()) {
            type = '0';
            size = inode.size();
        } else if (inode.isCharDevice() || inode.isBlockDevice()) {
            type = inode.isCharDevice() ? '3' : '4';
            major = inode.deviceMajor();
            minor = inode.deviceMinor();
        } else if (inode.isFifo()) {
            type = '6';
        } else {
            return; // sockets: overlayfs copies none up and tar cannot store them
        }
        if (!inode.isDirectory() && inode.linksCount() > 1) {
            firstNames.putIfAbsent(inode.number(), path);
        }
        Map<String, byte[]> xattrs = new java.util.LinkedHashMap<>();
        if (type != '1') {
            for (Map.Entry<String, byte[]> x : reader.xattrs(inode).entrySet()) {
                if (!x.getKey().equals("system.data")) { // inline data, not an attribute
                    xattrs.put(x.getKey(), x.getValue());
                }
            }
        }
        tar.entry(path, type, inode.permissions(), Integer.toUnsignedLong(inode.uid()),
                Integer.toUnsignedLong(inode.gid()), inode.mtime(), size, link, major, minor, xattrs);
        if (type == '0') {
            long copied = 0;
            try (InputStream in = reader.openStream(inode)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    tar.out().write(buffer, 0, n);
                    copied += n;
                }
            }
            if (copied != size) {
                throw new IOException("inode " + inode.number() + " at " + path + " gave " + copied + " of " + size
                        + " bytes");
            }
            tar.pad(size);
            contentBytes += size;
        }
        entries++;
    }
}
