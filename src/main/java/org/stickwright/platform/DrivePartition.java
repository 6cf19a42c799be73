package org.stickwright.platform;

import java.util.List;

/**
 * One partition of a {@link Drive} (or the whole disk, when a filesystem sits on it without a
 * partition table): its device node, filesystem label and type where known, size in bytes and
 * where it is mounted now. Strings are already sanitised for display.
 */
public record DrivePartition(String path, String label, String fsType, long size, List<String> mountPoints) {
    public DrivePartition {
        label = label == null ? "" : label;
        fsType = fsType == null ? "" : fsType;
        mountPoints = List.copyOf(mountPoints);
    }

    public boolean mounted() {
        return !mountPoints.isEmpty();
    }
}
