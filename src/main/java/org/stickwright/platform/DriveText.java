package org.stickwright.platform;

import java.util.ArrayList;
import java.util.List;

/**
 * The human-readable lines for a drive, shared by {@code stickwright list} and the
 * confirmation prompt of destructive commands, so the user sees the same words in both.
 */
public final class DriveText {
    /** Mount paths are longer than names; still capped, since a stick's label names its mount point. */
    private static final int MAX_PATH_SHOWN = 256;

    private DriveText() {
    }

    /**
     * Mount points as shown: desktop automounters name the directory after the filesystem
     * label, which the stick chose, so they get the same cleaning as firmware strings. The
     * model keeps the raw path: umount2 needs it exactly.
     */
    public static String mountPoints(java.util.List<String> mountPoints) {
        return String.join(", ", mountPoints.stream().map(mp -> DisplayText.sanitize(mp, MAX_PATH_SHOWN)).toList());
    }

    /** "SanDisk Cruzer Blade", or a placeholder that does not repeat the device path. */
    public static String name(Drive drive) {
        String name = (drive.vendor() + " " + drive.model()).trim();
        return name.isEmpty() ? "(no name reported)" : name;
    }

    /** "/dev/sdb  14.9 GiB  usb  SanDisk Cruzer Blade  [fixed]". */
    public static String headline(Drive drive) {
        StringBuilder line = new StringBuilder();
        line.append(drive.path()).append("  ").append(SizeText.human(drive.size()))
                .append("  ").append(drive.bus().label()).append("  ").append(name(drive));
        for (String marker : DriveListing.markers(drive)) {
            line.append("  [").append(marker).append(']');
        }
        drive.systemReason().ifPresent(reason -> line.append("  system disk — never writable (").append(reason).append(')'));
        return line.toString();
    }

    /** One line per partition (and one for a mounted whole disk), indented under the headline. */
    public static List<String> partitionLines(Drive drive) {
        List<String> lines = new ArrayList<>();
        if (!drive.mountPoints().isEmpty()) {
            lines.add("    (whole disk)  mounted at " + mountPoints(drive.mountPoints()));
        }
        for (DrivePartition partition : drive.partitions()) {
            StringBuilder line = new StringBuilder("    ").append(partition.path())
                    .append("  ").append(SizeText.human(partition.size()));
            if (!partition.fsType().isEmpty()) {
                line.append("  ").append(partition.fsType());
            }
            if (!partition.label().isEmpty()) {
                line.append("  \"").append(partition.label()).append('"');
            }
            if (partition.mounted()) {
                line.append("  mounted at ").append(mountPoints(partition.mountPoints()));
            }
            lines.add(line.toString());
        }
        return lines;
    }

    /** Headline plus partition lines: the confirmation prompt's picture of the target. */
    public static String describe(Drive drive) {
        List<String> lines = new ArrayList<>();
        lines.add(headline(drive));
        lines.addAll(partitionLines(drive));
        if (drive.partitions().isEmpty() && drive.mountPoints().isEmpty()) {
            lines.add("    no partitions");
        }
        return String.join(System.lineSeparator(), lines);
    }
}
