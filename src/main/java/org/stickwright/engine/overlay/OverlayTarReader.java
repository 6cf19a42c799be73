/*
 * Reads back a pax tar stream as OverlayDirectoryTar writes it, or as `tar --xattrs --format=pax -c`
 * (GNU tar) writes the same tree. A tar stream is a sequence of 512-byte blocks:
 *
 *   header   name[100]@0 mode[8]@100 uid[8]@108 gid[8]@116 size[12]@124 mtime[12]@136
 *            chksum[8]@148 typeflag@156 linkname[100]@157 magic[6]@257 version[2]@263
 *            uname[32]@265 gname[32]@297 devmajor[8]@329 devminor[8]@337 prefix[155]@345
 *            numbers are octal text ended by NUL or space; GNU tar writes values too big for
 *            octal as base-256 with the top bit of the first byte set. chksum is the unsigned
 *            byte sum of the header with the chksum field read as eight spaces.
 *   content  size bytes, padded with zeros to a multiple of 512
 *   'x'      a pax extended header: its content is records "<len> <key>=<value>\n" that
 *            override the next header's fields (path, linkpath, size, uid, gid, mtime) and add
 *            SCHILY.xattr.<name>=<raw bytes>; 'g' is the same for every later entry
 *   'L' 'K'  GNU long name / long link name for the next header (GNU tar without pax)
 *   end      two zero blocks (one is accepted when the stream then ends)
 *
 * Example: OverlayDirectoryTar's first entry for a store whose top directory has no xattrs is
 * the 'x' header "./PaxHeaders/." with size 45 at offset 124 ("00000000055\0"), then one
 * block holding "9 path=.\n" "20 mtime=1700000000\n" "8 uid=0\n" "8 gid=0\n" (9+20+8+8
 * bytes, zero padded), then the ustar header of "." with typeflag '5' at offset 156.
 *
 * Every length read from the stream is bounded before anything is allocated (pax headers
 * 1 MiB, GNU long names 64 KiB), and every read that comes up short is a TarFormatException
 * naming the structure and the archive offset: damage never loops, never exhausts memory.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a pax/ustar tar stream one entry at a time, each regular file's content streamed. */
public final class OverlayTarReader {
    private static final int BLOCK = 512;
    /** Largest pax extended header accepted: Linux xattr values stop at 64 KiB, so this holds many. */
    static final int MAX_PAX_HEADER = 1 << 20;
    /** Largest GNU long name accepted (Linux paths stop at 4 KiB). */
    static final int MAX_LONG_NAME = 1 << 16;

    /** What an entry is. */
    public enum Kind {
        FILE, DIRECTORY, SYMLINK, HARD_LINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO
    }

    /**
     * One archive member. {@code path} is relative to the archived directory, without "./" or a
     * trailing slash; "" is that directory itself. {@code link} is the symlink target or, for a
     * hard link, the path (same form) of the entry it names again.
     */
    public record Entry(String path, Kind kind, int mode, long uid, long gid, long mtime, long size, String link,
            int deviceMajor, int deviceMinor, Map<String, byte[]> xattrs, long headerOffset) {
    }

    /** A whole archive checked: how many entries, content bytes, directories, the largest file, tar bytes read. */
    public record Summary(long entries, long contentBytes, long directories, long largestFile, long archiveBytes) {
    }

    private final InputStream in;
    private final byte[] block = new byte[BLOCK];
    private final Map<String, byte[]> globals = new LinkedHashMap<>();
    private long position;
    private long contentLeft;
    private int paddingLeft;
    private boolean ended;

    private OverlayTarReader(InputStream in) {
        this.in = in;
    }

    /** A reader over an uncompressed tar stream (wrap an xz stream with XZInputStream first). */
    public static OverlayTarReader of(InputStream in) {
        return new OverlayTarReader(in);
    }

    /** Reads the whole archive, every content byte included, and says what it holds. */
    public static Summary scan(InputStream in) throws IOException {
        OverlayTarReader reader = of(in);
        long entries = 0;
        long bytes = 0;
        long directories = 0;
        long largest = 0;
        for (Entry e; (e = reader.next()) != null; ) {
            entries++;
            if (e.kind() == Kind.DIRECTORY) {
                directories++;
            }
            bytes += e.size();
            largest = Math.max(largest, e.size());
        }
        return new Summary(entries, bytes, directories, largest, reader.position);
    }

    /** The next entry, or null after the end marker; skips what is left of the previous file's content. */
    public Entry next() throws IOException {
        if (ended) {
            return null;
        }
        skipContent();
        Map<String, byte[]> pax = new LinkedHashMap<>(globals);
        String longName = null;
        String longLink = null;
        while (true) {
            long headerAt = position;
            if (!readBlock("tar header", true)) {
                if (headerAt == 0) {
                    throw new TarFormatException("tar header", 0, "the stream is empty, not a tar archive");
                }
                throw new TarFormatException("tar header", headerAt, "the archive ends without its end marker");
            }
            if (allZero(block)) {
                ended = true;
                // a second zero block normally follows; a stream that stops after one is accepted
                readBlock("end-of-archive block", true);
                return null;
            }
            verifyChecksum(headerAt);
            char type = (char) (block[156] & 0xFF);
            long size = number(124, 12, "size", headerAt);
            switch (type) {
                case 'x', 'g' -> {
                    byte[] records = readMeta(size, MAX_PAX_HEADER, "pax extended header", headerAt);
                    Map<String, byte[]> parsed = parsePax(records, headerAt);
                    if (type == 'g') {
                        globals.putAll(parsed);
                    }
                    pax.putAll(parsed);
                    continue;
                }
                case 'L', 'K' -> {
                    byte[] name = readMeta(size, MAX_LONG_NAME, "GNU long name", headerAt);
                    String value = cString(name, 0, name.length);
                    if (type == 'L') {
                        longName = value;
                    } else {
                        longLink = value;
                    }
                    continue;
                }
                default -> {
                    return entry(type, size, pax, longName, longLink, headerAt);
                }
            }
        }
    }

    /**
     * The base image OverlayDirectoryTar recorded in a global header's comment, or "" when the
     * entries read so far carried none (GNU tar's archives never do).
     */
    public String baseImage() {
        byte[] comment = globals.get("comment");
        String text = comment == null ? "" : new String(comment, StandardCharsets.UTF_8);
        return text.startsWith(OverlayDirectoryTar.BASE_IMAGE) ? text.substring(OverlayDirectoryTar.BASE_IMAGE.length())
                : "";
    }

    /** The current regular file's remaining content; reading past it gives end of stream. */
    public InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (contentLeft == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, contentLeft));
                if (n < 0) {
                    throw new TarFormatException("file content", position, "the archive ends inside a file ("
                            + contentLeft + " bytes missing)");
                }
                contentLeft -= n;
                position += n;
                return n;
            }
        };
    }

    private Entry entry(char type, long headerSize, Map<String, byte[]> pax, String longName, String longLink,
            long headerAt) throws IOException {
        Kind kind = switch (type) {
            case '0', '\0', '7' -> Kind.FILE;
            case '1' -> Kind.HARD_LINK;
            case '2' -> Kind.SYMLINK;
            case '3' -> Kind.CHAR_DEVICE;
            case '4' -> Kind.BLOCK_DEVICE;
            case '5' -> Kind.DIRECTORY;
            case '6' -> Kind.FIFO;
            default -> throw new TarFormatException("tar header", headerAt, "entry type '"
                    + (type >= 0x20 && type < 0x7F ? String.valueOf(type) : "\\" + (int) type)
                    + "' is not one an overlayfs store holds (GNU sparse, volume or multi-volume entries are not read)");
        };
        String name = cString(block, 0, 100);
        boolean posix = block[257] == 'u' && block[258] == 's' && block[259] == 't' && block[260] == 'a'
                && block[261] == 'r' && block[262] == 0;
        if (posix && block[345] != 0) {
            name = cString(block, 345, 155) + "/" + name;
        }
        if (longName != null) {
            name = longName;
        }
        String link = longLink != null ? longLink : cString(block, 157, 100);
        long size = headerSize;
        long uid = number(108, 8, "uid", headerAt);
        long gid = number(116, 8, "gid", headerAt);
        long mtime = number(136, 12, "mtime", headerAt);
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> r : pax.entrySet()) {
            String key = r.getKey();
            byte[] value = r.getValue();
            switch (key) {
                case "path" -> name = utf8(value);
                case "linkpath" -> link = utf8(value);
                case "size" -> size = decimal(value, "pax size", headerAt);
                case "uid" -> uid = decimal(value, "pax uid", headerAt);
                case "gid" -> gid = decimal(value, "pax gid", headerAt);
                case "mtime" -> mtime = seconds(value, headerAt);
                default -> {
                    if (key.startsWith("SCHILY.xattr.") && key.length() > "SCHILY.xattr.".length()) {
                        xattrs.put(key.substring("SCHILY.xattr.".length()), value);
                    }
                }
            }
        }
        if (size < 0) {
            throw new TarFormatException("tar header", headerAt, "negative size " + size);
        }
        if (kind != Kind.FILE) {
            size = 0; // POSIX: no content blocks follow links, directories, devices or fifos
        }
        String path = relative(name, headerAt);
        if (kind == Kind.HARD_LINK) {
            link = relative(link, headerAt);
        } else if (kind == Kind.SYMLINK && link.isEmpty()) {
            throw new TarFormatException("tar header", headerAt, "symlink " + name + " has no target");
        }
        if (kind != Kind.DIRECTORY && path.isEmpty()) {
            throw new TarFormatException("tar header", headerAt, "the archive root is a " + kind + ", not a directory");
        }
        int major = (int) number(329, 8, "devmajor", headerAt);
        int minor = (int) number(337, 8, "devminor", headerAt);
        int mode = (int) (number(100, 8, "mode", headerAt) & 07777);
        contentLeft = size;
        paddingLeft = (int) ((BLOCK - size % BLOCK) % BLOCK);
        return new Entry(path, kind, mode, uid, gid, mtime, size, kind == Kind.SYMLINK || kind == Kind.HARD_LINK
                ? link : "", kind == Kind.CHAR_DEVICE || kind == Kind.BLOCK_DEVICE ? major : 0,
                kind == Kind.CHAR_DEVICE || kind == Kind.BLOCK_DEVICE ? minor : 0,
                Collections.unmodifiableMap(xattrs), headerAt);
    }

    private void skipContent() throws IOException {
        long skip = contentLeft + paddingLeft;
        byte[] buffer = new byte[1 << 16];
        while (skip > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, skip));
            if (n < 0) {
                throw new TarFormatException("file content", position, "the archive ends inside a file (" + skip
                        + " bytes missing)");
            }
            skip -= n;
            position += n;
        }
        contentLeft = 0;
        paddingLeft = 0;
    }

    private byte[] readMeta(long size, int limit, String structure, long headerAt) throws IOException {
        if (size > limit) {
            throw new TarFormatException(structure, headerAt, size + " bytes, more than the " + limit
                    + " this reader accepts");
        }
        byte[] data = in.readNBytes((int) size);
        position += data.length;
        if (data.length != size) {
            throw new TarFormatException(structure, headerAt, "the archive ends after " + data.length + " of its "
                    + size + " bytes");
        }
        contentLeft = 0;
        paddingLeft = (int) ((BLOCK - size % BLOCK) % BLOCK);
        skipContent();
        return data;
    }

    private boolean readBlock(String structure, boolean eofAllowed) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        position += n;
        if (n == 0 && eofAllowed) {
            return false;
        }
        if (n != BLOCK) {
            throw new TarFormatException(structure, position - n, "the archive ends inside a 512-byte block");
        }
        return true;
    }

    private void verifyChecksum(long headerAt) throws TarFormatException {
        long stored = number(148, 8, "chksum", headerAt);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = i >= 148 && i < 156 ? ' ' : block[i];
            unsigned += b & 0xFF;
            signed += (byte) b;
        }
        if (stored != unsigned && stored != signed) {
            throw new TarFormatException("tar header", headerAt, "checksum " + stored + " but the header sums to "
                    + unsigned + " (not a tar archive, or damaged)");
        }
    }

    /** An octal field (NUL/space terminated, leading spaces allowed) or GNU base-256. */
    private long number(int at, int length, String field, long headerAt) throws TarFormatException {
        if ((block[at] & 0x80) != 0) {
            if ((block[at] & 0xFF) == 0xFF) {
                throw new TarFormatException("tar header", headerAt, field + " is a negative base-256 number");
            }
            long value = block[at] & 0x3F;
            for (int i = at + 1; i < at + length; i++) {
                if (value > (Long.MAX_VALUE >> 8)) {
                    throw new TarFormatException("tar header", headerAt, field + " overflows 63 bits");
                }
                value = (value << 8) | (block[i] & 0xFF);
            }
            return value;
        }
        int i = at;
        int end = at + length;
        while (i < end && block[i] == ' ') {
            i++;
        }
        long value = 0;
        for (; i < end && block[i] != 0 && block[i] != ' '; i++) {
            int digit = block[i] - '0';
            if (digit < 0 || digit > 7) {
                throw new TarFormatException("tar header", headerAt + at, field + " field holds '" + (char) (block[i]
                        & 0xFF) + "', not an octal digit");
            }
            value = value * 8 + digit; // at most 12 digits: no overflow
        }
        return value;
    }

    private static long decimal(byte[] value, String field, long headerAt) throws TarFormatException {
        String text = new String(value, StandardCharsets.US_ASCII);
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(Character::isDigit)) {
            throw new TarFormatException("pax extended header", headerAt, field + " '" + text
                    + "' is not a decimal number");
        }
        return Long.parseLong(text);
    }

    /** pax times are decimal seconds with an optional fraction ("1700000000.123456789"); whole seconds kept. */
    private static long seconds(byte[] value, long headerAt) throws TarFormatException {
        String text = new String(value, StandardCharsets.US_ASCII);
        boolean negative = text.startsWith("-");
        String digits = negative ? text.substring(1) : text;
        int dot = digits.indexOf('.');
        String whole = dot < 0 ? digits : digits.substring(0, dot);
        if (dot >= 0 && !digits.substring(dot + 1).chars().allMatch(Character::isDigit)) {
            throw new TarFormatException("pax extended header", headerAt, "mtime '" + text + "' is not a time");
        }
        long seconds = decimal(whole.getBytes(StandardCharsets.US_ASCII), "pax mtime", headerAt);
        return negative ? -seconds : seconds;
    }

    /** Splits "<len> <key>=<value>\n" records; the length is checked against what is left. */
    static Map<String, byte[]> parsePax(byte[] records, long headerAt) throws TarFormatException {
        Map<String, byte[]> map = new LinkedHashMap<>();
        int at = 0;
        while (at < records.length) {
            if (records[at] == 0) {
                break; // some writers pad the records with NULs
            }
            int space = at;
            long length = 0;
            while (space < records.length && records[space] >= '0' && records[space] <= '9' && space - at < 8) {
                length = length * 10 + (records[space] - '0');
                space++;
            }
            if (space == at || space >= records.length || records[space] != ' ' || length < space - at + 4
                    || at + length > records.length || records[(int) (at + length - 1)] != '\n') {
                throw new TarFormatException("pax extended header", headerAt, "record at " + at
                        + " of its records is not \"<length> <key>=<value>\\n\"");
            }
            int end = (int) (at + length - 1);
            int equals = -1;
            for (int i = space + 1; i < end; i++) {
                if (records[i] == '=') {
                    equals = i;
                    break;
                }
            }
            if (equals <= space + 1) {
                throw new TarFormatException("pax extended header", headerAt, "record at " + at + " has no key=");
            }
            String key = new String(records, space + 1, equals - space - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(records, equals + 1, end);
            map.put(key, value);
            at = end + 1;
        }
        return map;
    }

    /** "./a/b/", "a//b", "/a/b" all become "a/b"; ".." is refused so nothing lands outside the store. */
    private static String relative(String name, long headerAt) throws TarFormatException {
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new TarFormatException("tar header", headerAt, "path " + name + " climbs out with ..");
            }
            if (part.indexOf('\0') >= 0) {
                throw new TarFormatException("tar header", headerAt, "path " + name + " holds a NUL");
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    private static String cString(byte[] bytes, int at, int room) {
        int end = at;
        while (end < at + room && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, at, end - at, StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    private static boolean allZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
