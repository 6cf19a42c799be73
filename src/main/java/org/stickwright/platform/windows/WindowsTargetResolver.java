package org.stickwright.platform.windows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.stickwright.platform.TargetKind;
import org.stickwright.platform.TargetResolver;

/**
 * Tells what a TARGET names on Windows: {@code \\.\PhysicalDriveN} is a whole disk, a drive
 * letter is a volume (refused by the policy: name the disk), anything else a file path.
 * Pure string logic plus a file-system check, so it is unit-tested on any OS.
 */
public final class WindowsTargetResolver implements TargetResolver {
    @Override
    public TargetKind resolve(String target) {
        OptionalInt disk = WindowsPaths.physicalDriveNumber(target);
        if (disk.isPresent()) {
            return new TargetKind.WholeDisk(WindowsPaths.physicalDrive(disk.getAsInt()));
        }
        String letter = WindowsPaths.volumeLetter(target);
        if (letter != null) {
            return new TargetKind.Partition(letter + ":", null);
        }
        if (target.startsWith("\\\\.\\") || target.startsWith("\\\\?\\")) {
            return new TargetKind.Unusable("is not a disk Stickwright can write; name a disk as \\\\.\\PhysicalDriveN");
        }
        Path path = Path.of(target);
        if (Files.isDirectory(path)) {
            return new TargetKind.Unusable("is a directory, not a disk or an image file");
        }
        return new TargetKind.ImageFile(path);
    }
}
