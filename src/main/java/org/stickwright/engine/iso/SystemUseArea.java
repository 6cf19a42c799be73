/*
 * The System Use Sharing Protocol (SUSP, IEEE P1281) splits a directory record's System Use
 * area into entries of the form
 *
 *   0  signature, 2 ASCII bytes ("SP", "CE", "ER", "NM", "PX", "SL", "TF", ...)
 *   2  entry length including this 4-byte header
 *   3  entry version (1)
 *   4  data
 *
 * SP (only in the root's "." record) carries the check bytes BE EF and LEN_SKP, the number of
 * bytes to skip at the start of every other System Use area. CE moves the rest of the entries
 * to a continuation area: block (both-endian, at 4), offset in that block (at 12) and length
 * (at 20). ER names the extension in use ("RRIP_1991A", "IEEE_P1282", "IEEE_1282").
 *
 * Rock Ridge (RRIP, IEEE P1282) entries read here:
 *   NM  flags (1 continue, 2 ".", 4 ".."), then name bytes; several NM entries concatenate
 *   PX  st_mode, st_nlink, st_uid, st_gid (each both-endian 8 bytes, from 4), [st_ino]
 *   SL  flags (1 continue in next SL), then components: flags (1 continue, 2 ".", 4 "..",
 *       8 root), length, bytes
 *   TF  flags (1 creation, 2 modify, 4 access, 8 attributes, 16 backup, 32 expiration,
 *       64 effective, 128 long form), then the flagged times in that order, 7 or 17 bytes each
 *   CL/PL/RE  deep-directory relocation: CL points at a relocated directory's real extent,
 *       RE marks the relocated copy that must not be listed where it physically lives.
 *
 * Corrupt areas (bad lengths, continuation loops) raise IsoFormatException; the number of
 * continuation areas one record may chain through is bounded.
 */
package org.stickwright.engine.iso;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/** The Rock Ridge facts found in one record's System Use area (and its continuations). */
final class SystemUseArea {
    /** Continuation areas a single record may chain through before we call it a loop. */
    static final int MAX_CONTINUATIONS = 64;

    /** Reads a continuation area: {@code length} bytes at {@code block}*2048+{@code offset}. */
    interface ContinuationSource {
        byte[] read(long block, int offset, int length) throws IOException;

        /** Device offset of block {@code block}, for error messages. */
        long position(long block);
    }

    boolean sharingProtocol;
    int skipBytes;
    boolean rripExtension;
    boolean anyRockRidge;
    String name;
    Integer mode;
    long links = -1;
    long uid = -1;
    long gid = -1;
    String symlinkTarget;
    Instant created;
    Instant modified;
    Instant accessed;
    Instant attributesChanged;
    long childLink = -1;
    boolean parentLinkSeen;
    boolean relocated;

    /** Blocks holding continuation areas this record chained through (they are in use). */
    final java.util.List<Long> continuationBlocks = new java.util.ArrayList<>();

    private StringBuilder nameBuilder;
    private StringBuilder linkBuilder;
    private boolean linkComponentOpen;

    /**
     * Parses the System Use area {@code [offset, offset+length)} of {@code data} (a record, or a
     * continuation area) located at device byte {@code position}, following CE entries.
     */
    static SystemUseArea parse(byte[] data, int offset, int length, long position, int skip,
            ContinuationSource continuations) throws IOException {
        SystemUseArea area = new SystemUseArea();
        Set<Long> seen = new HashSet<>();
        byte[] buf = data;
        int start = offset + skip;
        int end = offset + length;
        long areaPosition = position;
        int hops = 0;
        while (true) {
            long[] next = area.parseEntries(buf, start, end, areaPosition);
            if (next == null) {
                break;
            }
            long block = next[0];
            int ceOffset = (int) next[1];
            int ceLength = (int) next[2];
            long key = block * 4096 + ceOffset;
            if (!seen.add(key) || ++hops > MAX_CONTINUATIONS) {
                throw new IsoFormatException("SUSP continuation area", continuations.position(block) + ceOffset,
                        "continuation chain loops or exceeds " + MAX_CONTINUATIONS + " areas");
            }
            area.continuationBlocks.add(block);
            buf = continuations.read(block, ceOffset, ceLength);
            start = 0;
            end = ceLength;
            areaPosition = continuations.position(block) + ceOffset;
        }
        area.finish();
        return area;
    }

    /** Parses entries; returns {block, offset, length} of a CE continuation, or null. */
    private long[] parseEntries(byte[] b, int start, int end, long position) throws IsoFormatException {
        long[] continuation = null;
        int at = start;
        while (end - at >= 4) {
            int entryLength = b[at + 2] & 0xff;
            String sig = new String(b, at, 2, StandardCharsets.ISO_8859_1);
            if (entryLength == 0 && b[at] == 0) {
                break; // padding to the record's end
            }
            if (entryLength < 4 || entryLength > end - at) {
                throw new IsoFormatException("SUSP entry " + printable(sig), position + (at - start),
                        "length " + entryLength + " does not fit the " + (end - at) + " bytes left");
            }
            switch (sig) {
                case "SP" -> {
                    if (entryLength >= 7 && (b[at + 4] & 0xff) == 0xBE && (b[at + 5] & 0xff) == 0xEF) {
                        sharingProtocol = true;
                        skipBytes = b[at + 6] & 0xff;
                    }
                }
                case "CE" -> {
                    require(entryLength >= 28, sig, position + (at - start), entryLength);
                    long block = Bytes.le32(b, at + 4);
                    long off = Bytes.le32(b, at + 12);
                    long len = Bytes.le32(b, at + 20);
                    if (off + len > IsoImage.BLOCK_SIZE || len < 4) {
                        throw new IsoFormatException("SUSP CE entry", position + (at - start),
                                "continuation offset " + off + " + length " + len + " leaves its block");
                    }
                    continuation = new long[] {block, off, len};
                }
                case "ER" -> {
                    if (entryLength >= 8) {
                        int idLength = b[at + 4] & 0xff;
                        if (8 + idLength <= entryLength) {
                            String id = new String(b, at + 8, idLength, StandardCharsets.ISO_8859_1);
                            if (id.startsWith("RRIP") || id.startsWith("IEEE_P1282") || id.startsWith("IEEE_1282")) {
                                rripExtension = true;
                            }
                        }
                    }
                }
                case "ST" -> {
                    return continuation;
                }
                case "NM" -> {
                    require(entryLength >= 5, sig, position + (at - start), entryLength);
                    anyRockRidge = true;
                    int flags = b[at + 4] & 0xff;
                    if (nameBuilder == null) {
                        nameBuilder = new StringBuilder();
                    }
                    if ((flags & 0x02) != 0) {
                        nameBuilder.append('.');
                    } else if ((flags & 0x04) != 0) {
                        nameBuilder.append("..");
                    } else {
                        nameBuilder.append(new String(b, at + 5, entryLength - 5, StandardCharsets.UTF_8));
                    }
                }
                case "PX" -> {
                    require(entryLength >= 36, sig, position + (at - start), entryLength);
                    anyRockRidge = true;
                    mode = (int) Bytes.le32(b, at + 4);
                    links = Bytes.le32(b, at + 12);
                    uid = Bytes.le32(b, at + 20);
                    gid = Bytes.le32(b, at + 28);
                }
                case "SL" -> {
                    require(entryLength >= 5, sig, position + (at - start), entryLength);
                    anyRockRidge = true;
                    parseSymlink(b, at + 5, at + entryLength, position + (at - start));
                }
                case "TF" -> {
                    require(entryLength >= 5, sig, position + (at - start), entryLength);
                    anyRockRidge = true;
                    parseTimes(b, at, entryLength, position + (at - start));
                }
                case "CL" -> {
                    require(entryLength >= 12, sig, position + (at - start), entryLength);
                    anyRockRidge = true;
                    childLink = Bytes.le32(b, at + 4);
                }
                case "PL" -> {
                    anyRockRidge = true;
                    parentLinkSeen = true;
                }
                case "RE" -> {
                    anyRockRidge = true;
                    relocated = true;
                }
                default -> {
                    // RR, PN, SF, ZF, AL, AA, PD and vendor entries carry nothing we use.
                }
            }
            at += entryLength;
        }
        return continuation;
    }

    private static void require(boolean ok, String sig, long position, int length) throws IsoFormatException {
        if (!ok) {
            throw new IsoFormatException("SUSP entry " + sig, position, "length " + length + " is too short");
        }
    }

    private static String printable(String sig) {
        return sig.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? sig : "(binary)";
    }

    private void parseSymlink(byte[] b, int at, int end, long position) throws IsoFormatException {
        if (linkBuilder == null) {
            linkBuilder = new StringBuilder();
        }
        int p = at;
        while (p < end) {
            if (end - p < 2) {
                throw new IsoFormatException("RRIP SL component", position, "truncated component header");
            }
            int flags = b[p] & 0xff;
            int length = b[p + 1] & 0xff;
            if (p + 2 + length > end) {
                throw new IsoFormatException("RRIP SL component", position, "component of " + length
                        + " bytes overflows its entry");
            }
            String part;
            if ((flags & 0x02) != 0) {
                part = ".";
            } else if ((flags & 0x04) != 0) {
                part = "..";
            } else if ((flags & 0x08) != 0) {
                part = "/";
            } else {
                part = new String(b, p + 2, length, StandardCharsets.UTF_8);
            }
            if (!linkComponentOpen && linkBuilder.length() > 0 && linkBuilder.charAt(linkBuilder.length() - 1) != '/') {
                linkBuilder.append('/');
            }
            linkBuilder.append(part);
            linkComponentOpen = (flags & 0x01) != 0;
            p += 2 + length;
        }
    }

    private void parseTimes(byte[] b, int at, int entryLength, long position) throws IsoFormatException {
        int flags = b[at + 4] & 0xff;
        int size = (flags & 0x80) != 0 ? 17 : 7;
        int p = at + 5;
        for (int bit = 0; bit < 7; bit++) {
            if ((flags & (1 << bit)) == 0) {
                continue;
            }
            if (p + size > at + entryLength) {
                throw new IsoFormatException("RRIP TF entry", position, "timestamps overflow the entry");
            }
            Instant time = size == 7 ? DirectoryRecord.shortDate(b, p) : toInstant(DirectoryRecord.longDate(b, p));
            switch (bit) {
                case 0 -> created = time;
                case 1 -> modified = time;
                case 2 -> accessed = time;
                case 3 -> attributesChanged = time;
                default -> {
                    // backup, expiration and effective times mean nothing to a live stick.
                }
            }
            p += size;
        }
    }

    private static Instant toInstant(java.time.OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private void finish() {
        if (nameBuilder != null) {
            name = nameBuilder.toString();
        }
        if (linkBuilder != null) {
            symlinkTarget = linkBuilder.toString();
        }
    }
}
