package org.stickwright.engine.overlay;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes a POSIX pax tar stream (the format OverlayDirectoryTar's comment teaches): per entry an
 * 'x' header carrying the whole path, link, times, owner and "SCHILY.xattr.<name>" records, then
 * the ustar header, then the content padded to 512 bytes; two zero blocks end it.
 */
final class PaxTarWriter {
    static final int BLOCK = 512;

    private final OutputStream out;

    PaxTarWriter(OutputStream out) {
        this.out = out;
    }

    OutputStream out() {
        return out;
    }

    /** A global 'g' header with one record, for every later entry (or, for "comment", for nobody). */
    void global(String key, byte[] value) throws IOException {
        PaxRecords records = new PaxRecords();
        records.record(key, value);
        byte[] bytes = records.bytes();
        out.write(header("./PaxHeaders/global", 'g', 0644, 0, 0, bytes.length, 0, "", 0, 0));
        out.write(bytes);
        pad(bytes.length);
    }

    /**
     * The headers of one entry; {@code type} is ustar's typeflag ('0' file, '5' directory, '2'
     * symlink, '1' hard link, '3'/'4' character/block device, '6' FIFO). A file's {@code size}
     * bytes of content must follow, then {@link #pad}.
     */
    void entry(String path, char type, int mode, long uid, long gid, long mtime, long size, String link, int major,
            int minor, Map<String, byte[]> xattrs) throws IOException {
        PaxRecords pax = new PaxRecords();
        pax.record("path", path.getBytes(StandardCharsets.UTF_8));
        if (!link.isEmpty()) {
            pax.record("linkpath", link.getBytes(StandardCharsets.UTF_8));
        }
        pax.record("mtime", Long.toString(mtime).getBytes(StandardCharsets.US_ASCII));
        pax.record("uid", Long.toString(uid).getBytes(StandardCharsets.US_ASCII));
        pax.record("gid", Long.toString(gid).getBytes(StandardCharsets.US_ASCII));
        if (size > 077777777777L) {
            pax.record("size", Long.toString(size).getBytes(StandardCharsets.US_ASCII));
        }
        for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
            pax.record("SCHILY.xattr." + x.getKey(), x.getValue());
        }
        byte[] records = pax.bytes();
        out.write(header(paxName(path), 'x', 0644, 0, 0, records.length, mtime, "", 0, 0));
        out.write(records);
        pad(records.length);
        out.write(header(path, type, mode, uid, gid, size, mtime, link, major, minor));
    }

    /** Zeros up to the next 512-byte boundary after {@code length} bytes of content. */
    void pad(long length) throws IOException {
        int rest = (int) (length % BLOCK);
        if (rest != 0) {
            out.write(new byte[BLOCK - rest]);
        }
    }

    /** The end-of-archive marker: two zero blocks. */
    void finish() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
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
        octal(h, 136, 12, mtime > 077777777777L || mtime < 0 ? 0 : mtime);
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
