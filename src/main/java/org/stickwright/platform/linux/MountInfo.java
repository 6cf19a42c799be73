package org.stickwright.platform.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code /proc/self/mountinfo} (proc(5)). One line per mount:
 *
 * <pre>
 * 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
 * </pre>
 *
 * (3) is the st_dev major:minor of the filesystem, (5) the mount point, (7) zero or more
 * optional fields ended by the "-" separator (8), then (9) the filesystem type, (10) the
 * source and (11) the superblock options (for overlayfs: {@code lowerdir=...,upperdir=...}). Paths escape space, tab, newline and backslash as octal ({@code \040}). We use
 * mountinfo rather than /proc/mounts because it carries major:minor, which names the block
 * device exactly even when the source says {@code /dev/root}. Filesystems without one block
 * device (btrfs, overlay, tmpfs, NFS) report major 0; for those the source is all we have.
 */
public final class MountInfo {
    /** One mounted filesystem. */
    public record Mount(int major, int minor, String mountPoint, String fsType, String source, String superOptions) {
        public String devNumber() {
            return major + ":" + minor;
        }
    }

    private MountInfo() {
    }

    public static List<Mount> parse(String mountinfo) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.trim().split(" ");
            int separator = indexOf(fields, "-", 6);
            if (fields.length < 5 || separator < 0 || separator + 2 >= fields.length) {
                continue; // not a mountinfo line; the kernel never writes one, a test might
            }
            String[] dev = fields[2].split(":");
            if (dev.length != 2) {
                continue;
            }
            try {
                mounts.add(new Mount(Integer.parseInt(dev[0]), Integer.parseInt(dev[1]),
                        unescape(fields[4]), unescape(fields[separator + 1]), unescape(fields[separator + 2]),
                        separator + 3 < fields.length ? unescape(fields[separator + 3]) : ""));
            } catch (NumberFormatException e) {
                // a malformed major:minor: skip the line rather than misattribute the mount
            }
        }
        return mounts;
    }

    private static int indexOf(String[] fields, String wanted, int from) {
        for (int i = from; i < fields.length; i++) {
            if (fields[i].equals(wanted)) {
                return i;
            }
        }
        return -1;
    }

    /** Undoes the kernel's octal escapes ({@code \040} is a space). */
    public static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
