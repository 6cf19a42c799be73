package org.stickwright.platform.windows;

import java.util.Locale;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Windows device names a TARGET may use. A whole disk is {@code \\.\PhysicalDriveN}
 * (N = the disk number Disk Management shows); a volume is a drive letter, {@code E:},
 * {@code E:\} or {@code \\.\E:}. Anything else is a file path.
 */
public final class WindowsPaths {
    private static final Pattern PHYSICAL_DRIVE = Pattern.compile("\\\\\\\\[.?]\\\\physicaldrive(0|[1-9][0-9]{0,2})",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern VOLUME = Pattern.compile("(?:\\\\\\\\[.?]\\\\)?([a-z]):\\\\?", Pattern.CASE_INSENSITIVE);

    private WindowsPaths() {
    }

    /** The disk number of {@code \\.\PhysicalDriveN}; empty for anything else. */
    public static OptionalInt physicalDriveNumber(String path) {
        Matcher m = PHYSICAL_DRIVE.matcher(path.trim());
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /** The canonical spelling, {@code \\.\PhysicalDriveN}. */
    public static String physicalDrive(int number) {
        return "\\\\.\\PhysicalDrive" + number;
    }

    /** The drive letter ("E") a volume path names; null if it names none. */
    public static String volumeLetter(String path) {
        Matcher m = VOLUME.matcher(path.trim());
        return m.matches() ? m.group(1).toUpperCase(Locale.ROOT) : null;
    }

    /** The path that opens a volume as a device: {@code \\.\E:}. */
    public static String volumeDevice(String letter) {
        return "\\\\.\\" + letter + ":";
    }
}
