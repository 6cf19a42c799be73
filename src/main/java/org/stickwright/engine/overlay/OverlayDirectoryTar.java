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
    private static final int BLOCK = 512;
    /** How the base image starts the global "comment" record (see OverlayTarReader.baseImage). */
    static final String BASE_IMAGE = "stickwright base-image=";

    /** What was written. */
    public record Summary(long entries, long contentBytes) {
    }

    private final OutputStream out;
    private final Ext4Reader reader;
    private final Map<Long, String> firstNames = new HashMap<>();
    private long entries;
    private long contentBytes;

    private OverlayDirectoryTar(Ext4Reader reader, OutputStream out) {
        this.reader = reader;
        this.out = out;
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
            PaxRecords global = new PaxRecords();
            global.record("comment", (BASE_IMAGE + baseImage).getBytes(StandardCharsets.UTF_8));
            byte[] records = global.bytes();
            out.write(header("./PaxHeaders/global", 'g', 0644, 0, 0, records.length, 0, "", 0, 0));
            out.write(records);
            tar.pad(records.length);
        }
        Ext4Inode top = reader.lookup(upper);
        tar.entry(".", top);
        reader.walk(top, ".", (path, entry, inode) -> tar.entry(path, inode));
        out.write(new byte[2 * BLOCK]);
        out.flush();
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
        PaxRecords pax = new PaxRecords();
        pax.record("path", path.getBytes(StandardCharsets.UTF_8));
        if (!link.isEmpty()) {
            pax.record("linkpath", link.getBytes(StandardCharsets.UTF_8));
        }
        pax.record("mtime", Long.toString(inode.mtime()).getBytes(StandardCharsets.US_ASCII));
        pax.record("uid", Integer.toUnsignedString(inode.uid()).getBytes(StandardCharsets.US_ASCII));
        pax.record("gid", Integer.toUnsignedString(inode.gid()).getBytes(StandardCharsets.US_ASCII));
        if (size > 077777777777L) {
            pax.record("size", Long.toString(size).getBytes(StandardCharsets.US_ASCII));
        }
        if (type != '1') {
            for (Map.Entry<String, byte[]> x : reader.xattrs(inode).entrySet()) {
                if (!x.getKey().equals("system.data")) { // inline data, not an attribute
                    pax.record("SCHILY.xattr." + x.getKey(), x.getValue());
                }
            }
        }
        byte[] records = pax.bytes();
        out.write(header(paxName(path), 'x', 0644, 0, 0, records.length, inode.mtime(), "", 0, 0));
        out.write(records);
        pad(records.length);
        out.write(header(path, type, inode.permissions(), inode.uid(), inode.gid(), size, inode.mtime(), link, major,
                minor));
        if (type == '0') {
            long copied = 0;
            try (InputStream in = reader.openStream(inode)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                    copied += n;
                }
            }
            if (copied != size) {
                throw new IOException("inode " + inode.number() + " at " + path + " gave " + copied + " of " + size
                        + " bytes");
            }
            pad(size);
            contentBytes += size;
        }
        entries++;
    }

    private void pad(long length) throws IOException {
        int rest = (int) (length % BLOCK);
        if (rest != 0) {
            out.write(new byte[BLOCK - rest]);
        }
    }

    private static String paxName(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return "./PaxHeaders/" + (name.length() > 80 ? name.substring(0, 80) : name);
    }

    /** A ustar header; names and links longer than their fields are cut, the pax records carry them whole. */
    private static byte[] header(String name, char type, int mode, long uid, long gid, long size, long mtime,
            String link, int major, int minor) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid > 07777777 || uid < 0 ? 0 : uid);
        octal(h, 116, 8, gid > 07777777 || gid < 0 ? 0 : gid);
        octal(h, 124, 12, size > 077777777777L ? 0 : size);
        octal(h, 136, 12, mtime > 077777777777L ? 0 : mtime);
        h[156] = (byte) type;
        put(h, 157, 100, link.getBytes(StandardCharsets.UTF_8));
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        octal(h, 329, 8, major);
        octal(h, 337, 8, minor);
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        octal(h, 148, 7, sum);
        return h;
    }

    private static void put(byte[] h, int at, int room, byte[] value) {
        System.arraycopy(value, 0, h, at, Math.min(room, value.length));
    }

    /** Zero-padded octal digits and a NUL in {@code room} bytes. */
    private static void octal(byte[] h, int at, int room, long value) {
        String digits = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, room - 1 - digits.length())) + digits;
        put(h, at, room - 1, padded.getBytes(StandardCharsets.US_ASCII));
        h[at + room - 1] = 0;
    }

    /** pax records: "<len> <key>=<value>\n" where len counts the whole record, its own digits included. */
    private static final class PaxRecords {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

        void record(String key, byte[] value) {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            int rest = 1 + k.length + 1 + value.length + 1; // space, key, '=', value, newline
            int length = rest + 1;
            while (Integer.toString(length).length() + rest != length) {
                length = Integer.toString(length).length() + rest;
            }
            bytes.writeBytes(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
            bytes.write(' ');
            bytes.writeBytes(k);
            bytes.write('=');
            bytes.writeBytes(value);
            bytes.write('\n');
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
