package org.stickwright.engine.ext;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One thing {@link Ext4Formatter} creates in the new filesystem: a directory, a regular file or
 * a symbolic link, with owner, permission bits and extended attributes. Paths are absolute
 * ({@code /LiveOS/overlay-FOO-1234}); missing parent directories are created with mode 0755 and
 * owner root. The path {@code "/"} sets the root directory's own mode, owner and xattrs.
 *
 * <p>Instances are immutable; {@link #owner} and {@link #xattr} return modified copies.
 */
public record Ext4Entry(String path, Kind kind, int permissions, int uid, int gid, byte[] content,
        String linkTarget, Map<String, byte[]> xattrs) {

    /** What an entry is; the values are the mode's file-type bits. */
    public enum Kind {
        DIRECTORY(0x4000, 2), FILE(0x8000, 1), SYMLINK(0xA000, 7),
        /** An overlayfs whiteout: character device 0:0 hiding a lower file. */
        WHITEOUT(0x2000, 3);

        final int modeBits;
        final int direntType;

        Kind(int modeBits, int direntType) {
            this.modeBits = modeBits;
            this.direntType = direntType;
        }
    }

    public Ext4Entry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must be absolute: " + path);
        }
        for (String part : path.split("/")) {
            if (part.equals(".") || part.equals("..") || part.getBytes(StandardCharsets.UTF_8).length > 255) {
                throw new IllegalArgumentException("illegal path component in " + path);
            }
        }
        if ((permissions & ~07777) != 0) {
            throw new IllegalArgumentException("permissions must fit in 07777: " + Integer.toOctalString(permissions));
        }
        if (path.equals("/") && kind != Kind.DIRECTORY) {
            throw new IllegalArgumentException("the root must be a directory");
        }
        content = content == null ? new byte[0] : content.clone();
        if (kind == Kind.SYMLINK && (linkTarget == null || linkTarget.isEmpty())) {
            throw new IllegalArgumentException("symlink " + path + " needs a target");
        }
        Map<String, byte[]> copy = new LinkedHashMap<>();
        if (xattrs != null) {
            xattrs.forEach((name, value) -> copy.put(name, value.clone()));
        }
        xattrs = java.util.Collections.unmodifiableMap(copy);
    }

    public static Ext4Entry directory(String path, int permissions) {
        return new Ext4Entry(path, Kind.DIRECTORY, permissions, 0, 0, null, null, null);
    }

    public static Ext4Entry file(String path, int permissions, byte[] content) {
        return new Ext4Entry(path, Kind.FILE, permissions, 0, 0, content, null, null);
    }

    public static Ext4Entry file(String path, int permissions, String content) {
        return file(path, permissions, content.getBytes(StandardCharsets.UTF_8));
    }

    public static Ext4Entry symlink(String path, String target) {
        return new Ext4Entry(path, Kind.SYMLINK, 0777, 0, 0, null, target, null);
    }

    /** A whiteout (character device 0:0, mode 0000 as overlayfs makes them). */
    public static Ext4Entry whiteout(String path) {
        return new Ext4Entry(path, Kind.WHITEOUT, 0, 0, 0, null, null, null);
    }

    public Ext4Entry owner(int newUid, int newGid) {
        return new Ext4Entry(path, kind, permissions, newUid, newGid, content, linkTarget, xattrs);
    }

    /** Adds an extended attribute, e.g. {@code trusted.overlay.opaque = "y"}. */
    public Ext4Entry xattr(String name, byte[] value) {
        Map<String, byte[]> more = new LinkedHashMap<>(xattrs);
        more.put(name, value);
        return new Ext4Entry(path, kind, permissions, uid, gid, content, linkTarget, more);
    }

    public Ext4Entry xattr(String name, String value) {
        return xattr(name, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    byte[] contentUnsafe() {
        return content;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ext4Entry e && path.equals(e.path) && kind == e.kind && permissions == e.permissions
                && uid == e.uid && gid == e.gid && Arrays.equals(content, e.content)
                && Objects.equals(linkTarget, e.linkTarget) && xattrs.keySet().equals(e.xattrs.keySet())
                && xattrs.entrySet().stream().allMatch(x -> Arrays.equals(x.getValue(), e.xattrs.get(x.getKey())));
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, kind, permissions, uid, gid, Arrays.hashCode(content), linkTarget, xattrs.keySet());
    }

    @Override
    public String toString() {
        return kind + " " + path + " " + Integer.toOctalString(permissions) + " " + uid + ":" + gid
                + (kind == Kind.FILE ? " " + content.length + " bytes" : "")
                + (linkTarget != null ? " -> " + linkTarget : "") + (xattrs.isEmpty() ? "" : " xattrs " + xattrs.keySet());
    }
}
