package org.stickwright.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Changes a stick's overlayfs store the way a live system does: one partition of the stick
 * (losetup with offset and size limit), the root squashfs loop-mounted read-only as lower, and
 * {@code mount -t overlay} with the store's upper and work directories on that partition. What
 * the kernel writes into the upper is then what a booted guest would have left there.
 */
public final class KernelOverlay {
    private KernelOverlay() {
    }

    /** Work done on a mounted directory. */
    @FunctionalInterface
    public interface Step {
        void run(Path dir) throws Exception;
    }

    /**
     * Mounts partition {@code partition} of {@code stick} under {@code scratch}, runs {@code prepare} on
     * the volume, stacks {@code lowerSquashfs} under {@code upper}/{@code work} (paths on the volume, e.g.
     * {@code /rw}), runs {@code change} on the merged root and returns the root's
     * {@link TestImages#describeTree view}; unmounts and detaches everything whatever happens.
     */
    public static Map<String, String> change(Path stick, int partition, Path scratch, Path lowerSquashfs, String upper,
            String work, Step prepare, Step change) throws Exception {
        WrittenStick.Part part = new WrittenStick(stick, scratch).partition(partition);
        Path volume = Files.createDirectories(scratch.resolve("volume"));
        Path lowerMnt = Files.createDirectories(scratch.resolve("lower"));
        Path root = Files.createDirectories(scratch.resolve("root"));
        String device = Tool.run("losetup", "--find", "--show", "--offset", Long.toString(part.start()),
                "--sizelimit", Long.toString(part.size()), stick.toString()).ok().stdout().trim();
        try {
            Tool.run("mount", "-t", "ext4", device, volume.toString()).ok();
            try {
                prepare.run(volume);
                Path upperDir = Files.createDirectories(volume.resolve(upper.substring(1)));
                Path workDir = Files.createDirectories(volume.resolve(work.substring(1)));
                Tool.run("mount", "-t", "squashfs", "-o", "loop,ro", lowerSquashfs.toString(), lowerMnt.toString()).ok();
                try {
                    Tool.run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lowerMnt + ",upperdir="
                            + upperDir + ",workdir=" + workDir, root.toString()).ok();
                    try {
                        change.run(root);
                        return TestImages.describeTree(root);
                    } finally {
                        Tool.run("umount", root.toString()).ok();
                    }
                } finally {
                    Tool.run("umount", lowerMnt.toString()).ok();
                }
            } finally {
                Tool.run("umount", volume.toString()).ok();
            }
        } finally {
            Tool.run("losetup", "--detach", device).ok();
        }
    }
}
