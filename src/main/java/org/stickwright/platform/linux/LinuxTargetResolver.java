package org.stickwright.platform.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.stickwright.platform.TargetKind;
import org.stickwright.platform.TargetResolver;

/**
 * Tells what a TARGET path names on Linux. Symbolic links are followed first, so
 * {@code /dev/disk/by-id/usb-SanDisk_...} is judged as the {@code /dev/sdb} it points to.
 * A block device is a partition when {@code /sys/class/block/NAME/partition} exists; its disk
 * is the parent directory of its resolved sysfs node.
 *
 * <p>A missing path in the device directories (/dev itself, /dev/disk/..., /dev/mapper) is
 * refused rather than treated as a new image file: a mistyped {@code /dev/sdx} must not leave a
 * multi-gigabyte file in devtmpfs. A file on a filesystem mounted below /dev ({@code /dev/shm})
 * is still an image file.
 */
public final class LinuxTargetResolver implements TargetResolver {
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private final Path sysRoot;

    /** {@code root} is where sys/ lives: {@code /}, or a recorded tree in tests. */
    public LinuxTargetResolver(Path root) {
        this.sysRoot = root;
    }

    private static boolean namesADevice(Path missing) {
        Path parent = missing.toAbsolutePath().normalize().getParent();
        return parent != null && (parent.equals(Path.of("/dev")) || parent.startsWith("/dev/disk")
                || parent.startsWith("/dev/mapper"));
    }

    @Override
    public TargetKind resolve(String target) throws IOException {
        Path path = Path.of(target);
        if (!Files.exists(path)) {
            return namesADevice(path) ? new TargetKind.Unusable("no such device") : new TargetKind.ImageFile(path);
        }
        if (Files.isDirectory(path)) {
            return new TargetKind.Unusable("is a directory, not a disk or an image file");
        }
        if (Files.isRegularFile(path)) {
            return new TargetKind.ImageFile(path);
        }
        Path real = path.toRealPath();
        int mode = (Integer) Files.getAttribute(real, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFBLK) {
            return new TargetKind.Unusable("is not a block device");
        }
        String name = real.getFileName().toString();
        Path sysNode = sysRoot.resolve("sys/class/block").resolve(name);
        if (Files.isRegularFile(sysNode.resolve("partition"))) {
            String disk = sysNode.toRealPath().getParent().getFileName().toString();
            return new TargetKind.Partition("/dev/" + name, "/dev/" + disk);
        }
        return new TargetKind.WholeDisk("/dev/" + name);
    }
}
