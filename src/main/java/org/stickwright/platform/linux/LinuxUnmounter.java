package org.stickwright.platform.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.stickwright.platform.DrivePartition;
import org.stickwright.platform.Unmounter;

/**
 * Unmounts with {@code umount2(target, 0)} through JNA rather than running umount(8): we get
 * the errno itself (EBUSY means a program still has files open there, which we can say), no
 * output to parse, no dependency on util-linux being installed, and the same call from the
 * privileged helper. No MNT_DETACH: a lazy unmount would let the filesystem live on with
 * dirty buffers while we overwrite the disk beneath it.
 *
 * <p>Deepest mount points first, so /media/stick/inner goes before /media/stick.
 */
public final class LinuxUnmounter implements Unmounter {
    private static final int EINVAL = 22;
    private static final int EBUSY = 16;
    private static final int EPERM = 1;

    @Override
    public void unmountAll(List<DrivePartition> mounted) throws IOException {
        List<String[]> targets = new ArrayList<>();
        for (DrivePartition partition : mounted) {
            for (String mountPoint : partition.mountPoints()) {
                targets.add(new String[] {partition.path(), mountPoint});
            }
        }
        targets.sort(Comparator.comparingInt((String[] t) -> t[1].length()).reversed());
        for (String[] target : targets) {
            unmount(target[0], target[1]);
        }
    }

    private static void unmount(String device, String mountPoint) throws IOException {
        try {
            MountCalls.LIBC.umount2(mountPoint, MountCalls.NO_FLAGS);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == EINVAL) {
                return; // no longer a mount point (auto-unmounted meanwhile): what we wanted
            }
            throw new IOException(message(device, mountPoint, e.getErrorCode()), e);
        }
    }

    /** The message for a failed umount2, naming device and mount point. */
    static String message(String device, String mountPoint, int errno) {
        String why = switch (errno) {
            case EBUSY -> "it is busy: a program has files open there; close them and try again";
            case EPERM -> "permission denied: unmounting needs root";
                        default -> "error " + errno;
        };
        return "cannot unmount " + device + " from " + mountPoint + ": " + why;
    }
}
