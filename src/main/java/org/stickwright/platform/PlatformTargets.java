package org.stickwright.platform;

import com.sun.jna.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import org.stickwright.platform.linux.LinuxTargetResolver;
import org.stickwright.platform.linux.LinuxUnmounter;
import org.stickwright.platform.windows.WindowsTargetResolver;
import org.stickwright.platform.windows.WindowsUnmounter;

/** The {@link TargetResolver} and {@link Unmounter} of the running OS. */
public final class PlatformTargets {
    private PlatformTargets() {
    }

    public static TargetResolver resolver() {
        if (Platform.isLinux()) {
            return new LinuxTargetResolver(Path.of("/"));
        }
        if (Platform.isWindows()) {
            return new WindowsTargetResolver();
        }
        // Elsewhere (macOS): files are images, anything else must be a disk OSHI lists.
        return target -> {
            Path path = Path.of(target);
            if (!Files.exists(path) || Files.isRegularFile(path)) {
                return new TargetKind.ImageFile(path);
            }
            return Files.isDirectory(path) ? new TargetKind.Unusable("is a directory")
                    : new TargetKind.WholeDisk(target);
        };
    }

    public static Unmounter unmounter() {
        if (Platform.isWindows()) {
            return new WindowsUnmounter();
        }
        if (Platform.isLinux()) {
            return new LinuxUnmounter();
        }
        return mounted -> {
            if (!mounted.isEmpty()) {
                throw new java.io.IOException("Stickwright unmounts only on Linux and Windows; unmount "
                        + mounted.get(0).path() + " yourself and try again");
            }
        };
    }
}
