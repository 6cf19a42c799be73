package org.stickwright.platform.windows;

import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.util.List;
import org.stickwright.platform.DrivePartition;
import org.stickwright.platform.Unmounter;

/**
 * Dismounts the volumes (drive letters) of a target disk once the user consented: lock, so
 * Windows flushes and refuses new opens; dismount, so the filesystem lets go; unlock. This is
 * where a volume with open files fails, early and with a clear message. The drive letters are
 * left in place — they are the user's configuration — and {@link WindowsRawDisk} locks and
 * dismounts again, holding the locks for the whole write.
 */
public final class WindowsUnmounter implements Unmounter {
    private final Win32DiskCalls win32;

    public WindowsUnmounter() {
        this(Win32DiskCalls.KERNEL32);
    }

    WindowsUnmounter(Win32DiskCalls win32) {
        this.win32 = win32;
    }

    @Override
    public void unmountAll(List<DrivePartition> mounted) throws IOException {
        for (DrivePartition partition : mounted) {
            for (String mountPoint : partition.mountPoints()) {
                String letter = WindowsPaths.volumeLetter(mountPoint);
                if (letter != null) {
                    dismount(WindowsPaths.volumeDevice(letter));
                }
            }
        }
    }

    private void dismount(String device) throws IOException {
        WinNT.HANDLE volume = win32.createFile(device, WindowsRawDisk.READ_WRITE, WindowsRawDisk.SHARE_READ_WRITE, 0);
        if (volume == null) {
            throw Win32Errors.failure(win32.lastError(), Win32Errors.Phase.PREPARE, device, "open volume");
        }
        try {
            if (!win32.deviceIoControl(volume, IoControlCodes.FSCTL_LOCK_VOLUME, null, 0, null, 0, new IntByReference())) {
                throw Win32Errors.failure(win32.lastError(), Win32Errors.Phase.PREPARE, device, "lock volume");
            }
            try {
                if (!win32.deviceIoControl(volume, IoControlCodes.FSCTL_DISMOUNT_VOLUME, null, 0, null, 0,
                        new IntByReference())) {
                    throw Win32Errors.failure(win32.lastError(), Win32Errors.Phase.PREPARE, device, "dismount volume");
                }
            } finally {
                win32.deviceIoControl(volume, IoControlCodes.FSCTL_UNLOCK_VOLUME, null, 0, null, 0, new IntByReference());
            }
        } finally {
            win32.closeHandle(volume);
        }
    }
}
