package org.stickwright.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A whole disk as the user sees it and as the safety rules judge it (design §5).
 *
 * <p>{@code removableFlag} is what the OS reports; {@link #removable()} also counts every USB
 * disk, because many USB sticks (Windows-8-certified ones) and all USB SSD/HDD enclosures
 * report the flag as 0. {@code systemReason} is non-empty when the disk holds something the
 * running system needs (/, /boot, swap, the JVM, the Windows system volume); such a disk is
 * never written, whatever flags are given. {@code mountPoints} are mounts of the whole disk
 * itself (a filesystem without a partition table).
 */
public record Drive(String path, String vendor, String model, String serial, long size,
        boolean removableFlag, Bus bus, boolean loop, Optional<String> systemReason,
        List<String> mountPoints, List<DrivePartition> partitions) {

    public Drive {
        vendor = vendor == null ? "" : vendor;
        model = model == null ? "" : model;
        serial = serial == null ? "" : serial;
        mountPoints = List.copyOf(mountPoints);
        partitions = List.copyOf(partitions);
    }

    /** Removable flag or USB bus: the disks we offer without {@code --allow-fixed-disk}. */
    public boolean removable() {
        return removableFlag || bus == Bus.USB;
    }

    public boolean system() {
        return systemReason.isPresent();
    }

    /** A non-removable, non-USB disk that is not a loop device: internal, needs a flag. */
    public boolean fixed() {
        return !removable() && !loop;
    }

    /** "SanDisk Cruzer Blade", or the device path when the firmware gave no names. */
    public String displayName() {
        String name = (vendor + " " + model).trim();
        return name.isEmpty() ? path : name;
    }

    /** Everything mounted from this disk now: the whole disk and each partition. */
    public List<DrivePartition> mounted() {
        List<DrivePartition> result = new ArrayList<>();
        if (!mountPoints.isEmpty()) {
            result.add(new DrivePartition(path, "", "", size, mountPoints));
        }
        for (DrivePartition partition : partitions) {
            if (partition.mounted()) {
                result.add(partition);
            }
        }
        return result;
    }

    /** Whether {@code --all} is needed to see this drive in a listing. */
    public boolean hiddenByDefault() {
        return loop || system() || fixed();
    }
}
