package org.stickwright.platform.windows;

import java.util.List;

/**
 * A Windows volume as the Windows leaf sees it: its GUID path ({@code \\?\Volume{...}}, no
 * trailing backslash, the form CreateFile opens), the disk numbers its extents lie on
 * (IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS; several for a spanned volume) and its mount points
 * ({@code C:\}, or a folder).
 */
public record VolumeInfo(String devicePath, List<Integer> disks, List<String> mountPoints) {
    public VolumeInfo {
        disks = List.copyOf(disks);
        mountPoints = List.copyOf(mountPoints);
    }
}
