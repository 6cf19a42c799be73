/*
 * 8.3 short names and how long names map onto them.
 *
 * A short name is 11 bytes in the directory entry: 8 for the base and 3 for the extension, both
 * padded with spaces, upper case, no dot stored ("README  TXT"). A first byte of 0xE5 means a
 * deleted entry, so a real 0xE5 is stored as 0x05. Allowed: A-Z 0-9, bytes >= 0x80 and
 * $ % ' - _ @ ~ ` ! ( ) { } ^ # &.
 *
 * A name that fits 8.3 and differs only in case, with base and extension each all upper or all
 * lower case, needs no long name: byte 0x0C of the entry (NTRes) carries 0x08 "base is lower
 * case" and 0x10 "extension is lower case" (Windows NT and Linux honour them). Any other name
 * gets long-name slots plus a generated short name: upper-cased, invalid characters turned into
 * '_', spaces and leading dots removed, base cut to 8 and extension (after the last dot) to 3. If
 * that lost anything, or the result is taken, a numeric tail "~N" replaces the end of the base
 * ("LONGFI~1.TXT", "LONGF~10.TXT") until the name is unique in the directory.
 *
 * Long-name slots are tied to their short entry by a checksum over the 11 short-name bytes:
 * sum = (sum >>> 1 | sum << 7) + byte, in 8 bits, for each byte in order.
 */
package org.stickwright.engine.fat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Short-name validation, generation, checksum and display. */
public final class ShortNames {
    /** Longest long name in UTF-16 code units. */
    public static final int MAX_LONG_NAME = 255;
    private static final String SPECIAL = "$%'-_@~`!(){}^#&";
    private static final String FORBIDDEN_IN_LONG = "\"*/:<>?\\|";
    /** The code page short names are stored in; IBM437 is what mtools and most media assume. */
    static final Charset OEM = oemCharset();

    private ShortNames() {
    }

    private static Charset oemCharset() {
        try {
            return Charset.forName("IBM437");
        } catch (IllegalArgumentException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }

    /** Base lower-case flag in NTRes (entry byte 0x0C). */
    public static final int LOWER_BASE = 0x08;
    /** Extension lower-case flag in NTRes. */
    public static final int LOWER_EXTENSION = 0x10;

    /** A short name as stored (11 bytes) and the NTRes case flags to show it with. */
    public record Plain(byte[] name, int caseFlags) {
    }

    /** Refuses names FAT cannot store as long names. */
    public static void checkLongName(String name) throws FatException {
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new FatException("invalid file name '" + name + "'");
        }
        if (name.length() > MAX_LONG_NAME) {
            throw new FatException("file name longer than " + MAX_LONG_NAME + " UTF-16 units: '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || FORBIDDEN_IN_LONG.indexOf(c) >= 0) {
                throw new FatException("file name '" + name.replaceAll("\\p{Cntrl}", "?")
                        + "' contains a character FAT forbids: U+" + String.format("%04X", (int) c));
            }
        }
        char last = name.charAt(name.length() - 1);
        if (last == ' ' || last == '.') {
            throw new FatException("file name '" + name + "' ends with a space or dot, which FAT drops");
        }
    }

    private static boolean validShortChar(char c) {
        return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || SPECIAL.indexOf(c) >= 0;
    }

    /**
     * The stored form when {@code name} needs no long name (fits 8.3, each part of one case),
     * or null.
     */
    public static Plain plain(String name) {
        int dot = name.lastIndexOf('.');
        String base = dot < 0 ? name : name.substring(0, dot);
        String ext = dot < 0 ? "" : name.substring(dot + 1);
        if (base.isEmpty() || base.length() > 8 || ext.length() > 3 || dot >= 0 && ext.isEmpty()) {
            return null;
        }
        int flags = 0;
        int baseCase = caseOf(base);
        int extCase = caseOf(ext);
        if (baseCase < 0 || extCase < 0) {
            return null;
        }
        if (baseCase == 1) {
            flags |= LOWER_BASE;
        }
        if (extCase == 1) {
            flags |= LOWER_EXTENSION;
        }
        byte[] stored = pack(base.toUpperCase(Locale.ROOT), ext.toUpperCase(Locale.ROOT));
        return new Plain(stored, flags);
    }

    /** 0 = no lower-case letters, 1 = no upper-case letters and some lower, -1 = mixed or invalid. */
    private static int caseOf(String part) {
        boolean upper = false;
        boolean lower = false;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c >= 'a' && c <= 'z') {
                lower = true;
            } else if (c >= 'A' && c <= 'Z') {
                upper = true;
            } else if (!validShortChar(c)) {
                return -1;
            }
        }
        return upper && lower ? -1 : lower ? 1 : 0;
    }

    private static byte[] pack(String base, String ext) {
        byte[] out = new byte[11];
        Arrays.fill(out, (byte) ' ');
        for (int i = 0; i < base.length(); i++) {
            out[i] = (byte) base.charAt(i);
        }
        for (int i = 0; i < ext.length(); i++) {
            out[8 + i] = (byte) ext.charAt(i);
        }
        return out;
    }

    /**
     * A short name for {@code longName} that is not in {@code taken} (a set of stored names as
     * ISO-8859-1 strings, see {@link #key}). Does not add it to the set.
     */
    public static byte[] generate(String longName, Set<String> taken) throws FatException {
        return generate(longName, taken, null);
    }

    /**
     * As {@link #generate(String, Set)}, remembering in {@code nextTail} (per basis) the tail
     * number to try first, so that thousands of similar names cost one lookup each, not a scan
     * from ~1 every time. Tails freed by deletions are simply not reused.
     */
    static byte[] generate(String longName, Set<String> taken, Map<String, Integer> nextTail)
            throws FatException {
        StringBuilder base = new StringBuilder();
        StringBuilder ext = new StringBuilder();
        boolean lossy = false;
        String stripped = longName.replaceFirst("^\\.+", "");
        if (stripped.length() != longName.length()) {
            lossy = true;
        }
        int dot = stripped.lastIndexOf('.');
        String basePart = dot < 0 ? stripped : stripped.substring(0, dot);
        String extPart = dot < 0 ? "" : stripped.substring(dot + 1);
        lossy |= appendConverted(basePart, base, 8);
        lossy |= appendConverted(extPart, ext, 3);
        if (base.length() == 0) {
            base.append('_');
            lossy = true;
        }
        if (!lossy) {
            byte[] exact = pack(base.toString(), ext.toString());
            if (!taken.contains(key(exact))) {
                return exact;
            }
        }
        String basis = base + "." + ext;
        int start = nextTail == null ? 1 : nextTail.getOrDefault(basis, 1);
        for (int n = start; n <= 999_999; n++) {
            String tail = "~" + n;
            String cut = base.substring(0, Math.min(base.length(), 8 - tail.length()));
            byte[] candidate = pack(cut + tail, ext.toString());
            if (!taken.contains(key(candidate))) {
                if (nextTail != null) {
                    nextTail.put(basis, n + 1);
                }
                return candidate;
            }
        }
        throw new FatException("no free short name left for '" + longName + "'");
    }

    /** Appends the upper-cased valid characters of {@code part}, at most {@code max}; true if lossy. */
    private static boolean appendConverted(String part, StringBuilder out, int max) {
        boolean lossy = false;
        for (int i = 0; i < part.length(); i++) {
            char c = Character.toUpperCase(part.charAt(i));
            if (c == ' ' || c == '.') {
                lossy = true;
                continue;
            }
            if (!validShortChar(c)) {
                c = '_';
                lossy = true;
            }
            if (out.length() == max) {
                return true;
            }
            out.append(c);
        }
        return lossy;
    }

    /** The stored 11 bytes as a string usable as a set key. */
    public static String key(byte[] name) {
        return new String(name, 0, 11, StandardCharsets.ISO_8859_1);
    }

    /** The checksum long-name slots carry of their short entry's 11 name bytes. */
    public static int checksum(byte[] name, int offset) {
        int sum = 0;
        for (int i = 0; i < 11; i++) {
            sum = ((sum & 1) << 7) + (sum >>> 1) + (name[offset + i] & 0xFF) & 0xFF;
        }
        return sum;
    }

    /** "NAME.EXT" (case flags applied) as a listing shows a stored short name. */
    public static String display(byte[] raw, int offset, int caseFlags) {
        byte[] name = Arrays.copyOfRange(raw, offset, offset + 11);
        if (name[0] == 0x05) {
            name[0] = (byte) 0xE5;
        }
        String base = new String(name, 0, 8, OEM).stripTrailing();
        String ext = new String(name, 8, 3, OEM).stripTrailing();
        if ((caseFlags & LOWER_BASE) != 0) {
            base = base.toLowerCase(Locale.ROOT);
        }
        if ((caseFlags & LOWER_EXTENSION) != 0) {
            ext = ext.toLowerCase(Locale.ROOT);
        }
        return ext.isEmpty() ? base : base + "." + ext;
    }
}
