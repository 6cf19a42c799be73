package org.stickwright.platform.windows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.Kernel32Util;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Native queries the Windows classification needs and OSHI does not make: a disk's bus type
 * and removable flag, and every volume's disk extents and mount points. Queries open devices
 * with access 0 (no read or write rights), which Windows allows without elevation.
 */
final class WindowsDiskProbe {
    private static final int MAX_EXTENTS = 32;
    private static final int DESCRIPTOR_BYTES = 1024;
    private static final int ERROR_NO_MORE_FILES = 18;

    private WindowsDiskProbe() {
    }

    /** Opens a device for queries only; null if Windows refuses. */
    static WinNT.HANDLE openForQuery(String device) {
        WinNT.HANDLE handle = Kernel32.INSTANCE.CreateFile(device, 0,
                WinNT.FILE_SHARE_READ | WinNT.FILE_SHARE_WRITE, null, WinNT.OPEN_EXISTING, 0, null);
        return WinBase.INVALID_HANDLE_VALUE.equals(handle) ? null : handle;
    }

    static Optional<StorageInfo> storageInfo(int disk) {
        WinNT.HANDLE handle = openForQuery(WindowsPaths.physicalDrive(disk));
        if (handle == null) {
            return Optional.empty();
        }
        try {
            WindowsStructures.STORAGE_PROPERTY_QUERY query = new WindowsStructures.STORAGE_PROPERTY_QUERY();
            query.PropertyId = WindowsStructures.STORAGE_DEVICE_PROPERTY;
            query.QueryType = WindowsStructures.PROPERTY_STANDARD_QUERY;
            query.write();
            Memory out = new Memory(DESCRIPTOR_BYTES);
            out.clear();
            IntByReference returned = new IntByReference();
            if (!Kernel32.INSTANCE.DeviceIoControl(handle, IoControlCodes.IOCTL_STORAGE_QUERY_PROPERTY,
                    query.getPointer(), query.size(), out, (int) out.size(), returned, null)) {
                return Optional.empty();
            }
            WindowsStructures.STORAGE_DEVICE_DESCRIPTOR descriptor = new WindowsStructures.STORAGE_DEVICE_DESCRIPTOR(out);
            return Optional.of(new StorageInfo(descriptor.BusType, descriptor.RemovableMedia != 0));
        } finally {
            Kernel32.INSTANCE.CloseHandle(handle);
        }
    }

    /** Every volume with its disk extents and mount points. */
    static List<VolumeInfo> volumes() throws WindowsDiskException {
        List<VolumeInfo> volumes = new ArrayList<>();
        char[] name = new char[WinNT.MAX_PATH];
        WinNT.HANDLE find = Kernel32.INSTANCE.FindFirstVolume(name, name.length);
        if (WinBase.INVALID_HANDLE_VALUE.equals(find)) {
            throw Win32Errors.failure(Native.getLastError(), Win32Errors.Phase.PREPARE, "volumes", "FindFirstVolume");
        }
        try {
            do {
                String guidPath = Native.toString(name); // \\?\Volume{...}\ 
                String device = guidPath.endsWith("\\") ? guidPath.substring(0, guidPath.length() - 1) : guidPath;
                volumes.add(new VolumeInfo(device, diskExtents(device), mountPoints(guidPath)));
            } while (Kernel32.INSTANCE.FindNextVolume(find, name, name.length));
            int error = Native.getLastError();
            if (error != ERROR_NO_MORE_FILES) {
                throw Win32Errors.failure(error, Win32Errors.Phase.PREPARE, "volumes", "FindNextVolume");
            }
        } finally {
            Kernel32.INSTANCE.FindVolumeClose(find);
        }
        return volumes;
    }

    private static List<String> mountPoints(String guidPath) {
        try {
            return Kernel32Util.getVolumePathNamesForVolumeName(guidPath);
        } catch (RuntimeException e) {
            return List.of(); // a volume without mount points, or one that vanished meanwhile
        }
    }

    /** The disk numbers of a volume; empty for volumes without disks (CD-ROM, RAM disk). */
    static List<Integer> diskExtents(String volumeDevice) {
        WinNT.HANDLE handle = openForQuery(volumeDevice);
        if (handle == null) {
            return List.of();
        }
        try {
            WindowsStructures.VOLUME_DISK_EXTENTS extents = new WindowsStructures.VOLUME_DISK_EXTENTS(MAX_EXTENTS);
            IntByReference returned = new IntByReference();
            if (!Kernel32.INSTANCE.DeviceIoControl(handle, IoControlCodes.IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS,
                    null, 0, extents.getPointer(), extents.size(), returned, null)) {
                return List.of();
            }
            extents.read();
            List<Integer> disks = new ArrayList<>();
            int count = Math.min(extents.NumberOfDiskExtents, MAX_EXTENTS);
            for (int i = 0; i < count; i++) {
                if (!disks.contains(extents.Extents[i].DiskNumber)) {
                    disks.add(extents.Extents[i].DiskNumber);
                }
            }
            return disks;
        } finally {
            Kernel32.INSTANCE.CloseHandle(handle);
        }
    }
}
