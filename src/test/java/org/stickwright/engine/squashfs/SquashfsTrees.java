package org.stickwright.engine.squashfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.stickwright.testing.Tool;

/**
 * Trees to feed {@link SquashfsWriter}, with contents generated from a seed (so a multi-GiB file
 * needs no memory), and one line per path describing what a tree holds, computed from the spec
 * on one side and from a real directory (unsquashfs's extraction, the kernel's mount) on the other.
 */
public final class SquashfsTrees {
    private SquashfsTrees() {
    }

    enum Kind { DIR, FILE, SYMLINK, CHAR, BLOCK, FIFO, SOCKET }

    /** One entry; {@code seed} drives a file's content, {@code zeroPercent} how many 4 KiB pages are zeros. */
    record Entry(Kind kind, String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs,
            long length, long seed, int zeroPercent, String target, int major, int minor) {
        static Entry dir(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs) {
            return new Entry(Kind.DIR, path, mode, uid, gid, mtime, xattrs, 0, 0, 0, null, 0, 0);
        }

        static Entry file(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs,
                long length, long seed, int zeroPercent) {
            return new Entry(Kind.FILE, path, mode, uid, gid, mtime, xattrs, length, seed, zeroPercent, null, 0, 0);
        }

        static Entry symlink(String path, long uid, long gid, long mtime, Map<String, byte[]> xattrs, String target) {
            return new Entry(Kind.SYMLINK, path, 0777, uid, gid, mtime, xattrs, 0, 0, 0, target, 0, 0);
        }

        static Entry node(Kind kind, String path, int mode, long uid, long gid, long mtime, int major, int minor) {
            return new Entry(kind, path, mode, uid, gid, mtime, Map.of(), 0, 0, 0, null, major, minor);
        }
    }

    /** Feeds {@code entries} to the writer in the order given. */
    static void write(SquashfsWriter w, List<Entry> entries) throws IOException {
        for (Entry e : entries) {
            switch (e.kind()) {
                case DIR -> w.directory(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), e.xattrs());
                case FILE -> w.file(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), e.xattrs(), e.length(),
                        (offset, into, at, n) -> fill(e.seed(), e.zeroPercent(), offset, into, at, n));
                case SYMLINK -> w.symlink(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), e.xattrs(), e.target());
                case CHAR, BLOCK -> w.device(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), e.xattrs(),
                        e.kind() == Kind.BLOCK, e.major(), e.minor());
                case FIFO -> w.fifo(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), e.xattrs());
                case SOCKET -> w.socket(e.path(), e.mode(), e.uid(), e.gid(), e.mtime(), e.xattrs());
            }
        }
    }

    /**
     * Content of a generated file: per 4 KiB page, zeros ({@code zeroPercent} of pages), random
     * bytes or repeated text, so blocks compress well, badly, or are holes.
     */
    static void fill(long seed, int zeroPercent, long offset, byte[] into, int at, int length) {
        int done = 0;
        while (done < length) {
            long position = offset + done;
            long page = position >>> 12;
            int inPage = (int) (position & 4095);
            int n = Math.min(length - done, 4096 - inPage);
            byte[] bytes = page(seed, zeroPercent, page);
            System.arraycopy(bytes, inPage, into, at + done, n);
            done += n;
        }
    }

    private static final byte[] ZERO_PAGE = new byte[4096];

    private static byte[] page(long seed, int zeroPercent, long page) {
        long h = (seed * 0x9E3779B97F4A7C15L) ^ (page * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        int pick = (int) Math.floorMod(h, 100);
        if (pick < zeroPercent) {
            return ZERO_PAGE;
        }
        byte[] bytes = new byte[4096];
        if ((h & 0x100) == 0) {
            new Random(h).nextBytes(bytes);
        } else {
            byte[] text = ("page " + page + " of seed " + seed + " says hello; ").getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = text[i % text.length];
            }
        }
        return bytes;
    }

    static String sha256(long seed, int zeroPercent, long length) {
        MessageDigest digest = sha();
        byte[] chunk = new byte[1 << 20];
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(chunk.length, length - done);
            fill(seed, zeroPercent, done, chunk, 0, n);
            digest.update(chunk, 0, n);
            done += n;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest = sha();
        byte[] chunk = new byte[1 << 20];
        try (var in = Files.newInputStream(file)) {
            for (int n; (n = in.read(chunk)) > 0; ) {
                digest.update(chunk, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Fails listing only the paths whose lines differ (whole maps of 600 entries are unreadable). */
    public static void assertSameTree(Map<String, String> actual, Map<String, String> expected) {
        List<String> differences = new ArrayList<>();
        java.util.Set<String> paths = new java.util.TreeSet<>(actual.keySet());
        paths.addAll(expected.keySet());
        for (String path : paths) {
            String a = actual.get(path);
            String e = expected.get(path);
            if (!java.util.Objects.equals(a, e)) {
                differences.add(path + "\n   expected: " + e + "\n   actual:   " + a);
            }
        }
        if (!differences.isEmpty()) {
            throw new AssertionError(differences.size() + " paths differ:\n"
                    + String.join("\n", differences.subList(0, Math.min(20, differences.size()))));
        }
    }

    /** What each path of the spec should look like; the root line comes from {@code root}. */
    static Map<String, String> expected(Entry root, List<Entry> entries, boolean withXattrs) {
        Map<String, String> lines = new TreeMap<>();
        lines.put("/", line(root, withXattrs));
        for (Entry e : entries) {
            lines.put(e.path(), line(e, withXattrs));
        }
        return lines;
    }

    private static String line(Entry e, boolean withXattrs) {
        String what = switch (e.kind()) {
            case DIR -> "dir";
            case FILE -> "file " + e.length() + " " + sha256(e.seed(), e.zeroPercent(), e.length());
            case SYMLINK -> "symlink " + e.target();
            case CHAR -> "char " + e.major() + ":" + e.minor();
            case BLOCK -> "block " + e.major() + ":" + e.minor();
            case FIFO -> "fifo";
            case SOCKET -> "socket";
        };
        int permissions = e.kind() == Kind.SYMLINK ? 0777 : e.mode() & 07777;
        String times = e.kind() == Kind.SYMLINK ? "" : " mtime " + e.mtime();
        return what + " " + Integer.toOctalString(permissions) + " " + e.uid() + ":" + e.gid() + times
                + (withXattrs ? xattrText(e.xattrs()) : "");
    }

    private static String xattrText(Map<String, byte[]> xattrs) {
        StringBuilder s = new StringBuilder();
        new TreeMap<>(xattrs == null ? Map.<String, byte[]>of() : xattrs).forEach((k, v) ->
                s.append(' ').append(k).append("=0x").append(HexFormat.of().formatHex(v)));
        return s.toString();
    }

    /** The same lines for a real tree below {@code top} (an extraction or a mount point). */
    public static Map<String, String> actual(Path top, boolean withXattrs) throws IOException {
        Map<String, Map<String, byte[]>> xattrs = withXattrs ? getfattr(top) : Map.of();
        Map<String, String> lines = new TreeMap<>();
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(top)) {
            paths = new ArrayList<>(walk.toList());
        }
        for (Path p : paths) {
            String rel = "/" + top.relativize(p).toString();
            if (rel.equals("/")) {
                rel = "/";
            }
            Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            long rdev = (Long) a.get("rdev");
            int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
            int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
            String what = switch (mode & 0170000) {
                case 0040000 -> "dir";
                case 0100000 -> "file " + Files.size(p) + " " + sha256(p);
                case 0120000 -> "symlink " + Files.readSymbolicLink(p);
                case 0020000 -> "char " + major + ":" + minor;
                case 0060000 -> "block " + major + ":" + minor;
                case 0010000 -> "fifo";
                case 0140000 -> "socket";
                default -> "unknown " + Integer.toOctalString(mode);
            };
            boolean link = (mode & 0170000) == 0120000;
            String times = link ? "" : " mtime " + ((FileTime) a.get("lastModifiedTime")).toMillis() / 1000;
            lines.put(rel, what + " " + Integer.toOctalString(mode & 07777) + " " + Integer.toUnsignedLong((Integer) a.get("uid")) + ":"
                    + Integer.toUnsignedLong((Integer) a.get("gid"))
                    + times + (withXattrs ? xattrText(xattrs.getOrDefault(rel, Map.of())) : ""));
        }
        return lines;
    }

    /** Every xattr of every path below {@code top}, as getfattr dumps them (hex values). */
    static Map<String, Map<String, byte[]>> getfattr(Path top) {
        String out = Tool.run("getfattr", "-R", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names",
                top.toString()).ok().stdout();
        Map<String, Map<String, byte[]>> all = new TreeMap<>();
        String current = null;
        for (String raw : out.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("# file: ")) {
                String abs = line.substring(8);
                current = abs.equals(top.toString()) ? "/" : abs.substring(top.toString().length());
            } else if (!line.isEmpty() && current != null && line.contains("=")) {
                String key = line.substring(0, line.indexOf('='));
                String value = line.substring(line.indexOf('=') + 1);
                byte[] bytes = value.startsWith("0x") ? HexFormat.of().parseHex(value.substring(2)) : new byte[0];
                all.computeIfAbsent(current, k -> new TreeMap<>()).put(key, bytes);
            }
        }
        return all;
    }
}
