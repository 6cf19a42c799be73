package org.stickwright.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** An ext4 volume inside an image file, mounted by the kernel through a loop device for one step. */
public final class LoopMount {
    private LoopMount() {
    }

    /** What runs while the volume is mounted at the given directory. */
    public interface Step {
        void run(Path mounted) throws Exception;
    }

    /**
     * Attaches {@code size} bytes of {@code image} from {@code offset} to a loop device, mounts
     * that as ext4 on {@code mountPoint} (created if missing), runs {@code step}, and unmounts
     * and detaches whatever happens.
     */
    public static void ext4(Path image, long offset, long size, Path mountPoint, Step step) throws Exception {
        Files.createDirectories(mountPoint);
        String device = Tool.run("losetup", "--find", "--show", "--offset", Long.toString(offset), "--sizelimit",
                Long.toString(size), image.toString()).ok().stdout().trim();
        try {
            Tool.run("mount", "-t", "ext4", device, mountPoint.toString()).ok();
            try {
                step.run(mountPoint);
            } finally {
                Tool.run("umount", mountPoint.toString()).ok();
            }
        } finally {
            Tool.run("losetup", "--detach", device).ok();
        }
    }
}
