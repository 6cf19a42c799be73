package org.stickwright.platform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The safety rules of design §5, applied to a write target before anything is written.
 *
 * <ul>
 * <li>Image files (existing regular files, or paths that do not exist yet) are always allowed.
 * <li>The system disk is always refused, whatever flags are given — also when named through
 *     one of its partitions.
 * <li>A partition is refused: Stickwright writes whole disks, and the user should see the disk
 *     they are about to erase.
 * <li>A fixed internal disk is refused unless {@code allowFixedDisk}.
 * <li>Removable/USB disks and loop devices named explicitly are allowed, with the list of
 *     their mounted partitions, which the caller must get the user's consent to unmount.
 * </ul>
 */
public final class TargetPolicy {
    public static final int EXIT_BAD_INPUT = 2;
    public static final int EXIT_REFUSED = 3;

    private final DriveSource drives;
    private final TargetResolver resolver;

    public TargetPolicy(DriveSource drives, TargetResolver resolver) {
        this.drives = drives;
        this.resolver = resolver;
    }

    /** The policy for the running OS. */
    public static TargetPolicy forThisMachine() {
        return new TargetPolicy(DriveSource.forVetting(), PlatformTargets.resolver());
    }

    public TargetVerdict vet(Path target, boolean allowFixedDisk) throws IOException {
        return vet(target.toString(), allowFixedDisk);
    }

    public TargetVerdict vet(String target, boolean allowFixedDisk) throws IOException {
        TargetKind kind = resolver.resolve(target);
        if (kind instanceof TargetKind.ImageFile image) {
            return new TargetVerdict.Allowed(image.path().toString(), Optional.empty(), "", List.of());
        }
        if (kind instanceof TargetKind.Unusable unusable) {
            return new TargetVerdict.Refused(target + ": " + unusable.reason(), EXIT_BAD_INPUT);
        }
        List<Drive> all = drives.drives();
        if (kind instanceof TargetKind.Partition partition) {
            Optional<Drive> disk = find(all, partition.diskPath());
            if (disk.isPresent() && disk.get().system()) {
                return systemRefusal(target, disk.get());
            }
            return new TargetVerdict.Refused(target + " is a partition; name the whole disk"
                    + (partition.diskPath() == null ? "" : " (" + partition.diskPath() + ")")
                    + ": writing erases every partition on it", EXIT_REFUSED);
        }
        String diskPath = ((TargetKind.WholeDisk) kind).diskPath();
        Optional<Drive> found = find(all, diskPath);
        if (found.isEmpty()) {
            return new TargetVerdict.Refused(target + " is not a disk Stickwright can write"
                    + " (run `stickwright list --all` to see the disks it knows)", EXIT_REFUSED);
        }
        Drive drive = found.get();
        if (drive.system()) {
            return systemRefusal(target, drive);
        }
        if (drive.fixed() && !allowFixedDisk) {
            return new TargetVerdict.Refused(target + " (" + drive.displayName() + ", "
                    + SizeText.human(drive.size()) + ") is a fixed internal disk, neither removable nor USB;"
                    + " add --allow-fixed-disk if you really mean it", EXIT_REFUSED);
        }
        return new TargetVerdict.Allowed(drive.path(), Optional.of(drive), DriveText.describe(drive), drive.mounted());
    }

    private static TargetVerdict systemRefusal(String target, Drive drive) {
        return new TargetVerdict.Refused(target + " is on the system disk " + drive.path() + ", which "
                + drive.systemReason().orElseThrow() + "; it is never written", EXIT_REFUSED);
    }

    private static Optional<Drive> find(List<Drive> drives, String path) {
        if (path == null) {
            return Optional.empty();
        }
        return drives.stream().filter(d -> d.path().equalsIgnoreCase(path)).findFirst();
    }
}
