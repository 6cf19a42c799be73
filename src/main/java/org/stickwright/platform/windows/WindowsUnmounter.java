package org.stickwright.platform.windows;

import com.sun.jna.Native;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinBase;
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

    private static void dismount(String device) throws IOException {
        WinNT.HANDLE volume = Kernel32.INSTANCE.CreateFile(device, WinNT.GENERIC_READ | WinNT.GENERIC_WRITE,
                WinNT.FILE_SHARE_READ | WinNT.FILE_SHARE_WRITE, null, WinNT.OPEN_EXISTING, 0, null);
        if (WinBase.INVALID_HANDLE_VALUE.equals(volume)) {
            throw Win32Errors.failure(Native.getLastError(), Win32Errors.Phase.PREPARE, device, "open volume");
        }
        try {
            for (int code : new int[] {IoControlCodes.FSCTL_LOCK_VOLUME, IoControlCodes.FSCTL_DISMOUNT_VOLUME}) {
                if (!Kernel32.INSTANCE.DeviceIoControl(volume, code, null, 0, null, 0, new IntByReference(), null)) {
                    throw Win32Errors.failure(Native.getLastError(), Win32Errors.Phase.PREPARE, device,
                            code == IoControlCodes.FSCTL_LOCK_VOLUME ? "lock volume" : "dismount volume");
                }
            }
            Kernel32.INSTANCE.DeviceIoControl(volume, IoControlCodes.FSCTL_UNLOCK_VOLUME, null, 0, null, 0,
                    new IntByReference(), null);
        } finally {
            Kernel32.INSTANCE.CloseHandle(volume);
        }
    }
}
