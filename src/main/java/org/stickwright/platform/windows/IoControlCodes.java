package org.stickwright.platform.windows;

/**
 * The DeviceIoControl codes the Windows leaf uses that jna-platform lacks, built the way
 * winioctl.h builds them:
 *
 * <pre>
 * CTL_CODE(DeviceType, Function, Method, Access) =
 *     (DeviceType &lt;&lt; 16) | (Access &lt;&lt; 14) | (Function &lt;&lt; 2) | Method
 *
 * FSCTL_LOCK_VOLUME = CTL_CODE(FILE_DEVICE_FILE_SYSTEM=9, 6, METHOD_BUFFERED=0, FILE_ANY_ACCESS=0)
 *                   = 0x90000 | 0 | 0x18 | 0 = 0x90018
 * </pre>
 *
 * Writing them as CTL_CODE calls (not bare hex) keeps each one checkable against the header;
 * the unit test checks every value against the number the Windows SDK documents.
 */
public final class IoControlCodes {
    static final int FILE_DEVICE_DISK = 0x07;
    static final int FILE_DEVICE_FILE_SYSTEM = 0x09;
    static final int IOCTL_STORAGE_BASE = 0x2D;   // FILE_DEVICE_MASS_STORAGE
    static final int IOCTL_VOLUME_BASE = 0x56;    // 'V'

    static final int METHOD_BUFFERED = 0;
    static final int METHOD_NEITHER = 3;

    static final int FILE_ANY_ACCESS = 0;
    static final int FILE_READ_ACCESS = 1;
    static final int FILE_WRITE_ACCESS = 2;

    public static final int FSCTL_LOCK_VOLUME = ctlCode(FILE_DEVICE_FILE_SYSTEM, 6, METHOD_BUFFERED, FILE_ANY_ACCESS);
    public static final int FSCTL_UNLOCK_VOLUME = ctlCode(FILE_DEVICE_FILE_SYSTEM, 7, METHOD_BUFFERED, FILE_ANY_ACCESS);
    public static final int FSCTL_DISMOUNT_VOLUME = ctlCode(FILE_DEVICE_FILE_SYSTEM, 8, METHOD_BUFFERED, FILE_ANY_ACCESS);
    /** Lets a volume handle read/write past the filesystem's idea of the volume's end. */
    public static final int FSCTL_ALLOW_EXTENDED_DASD_IO = ctlCode(FILE_DEVICE_FILE_SYSTEM, 32, METHOD_NEITHER, FILE_ANY_ACCESS);

    public static final int IOCTL_DISK_GET_DRIVE_GEOMETRY_EX = ctlCode(FILE_DEVICE_DISK, 0x28, METHOD_BUFFERED, FILE_ANY_ACCESS);
    public static final int IOCTL_DISK_GET_LENGTH_INFO = ctlCode(FILE_DEVICE_DISK, 0x17, METHOD_BUFFERED, FILE_READ_ACCESS);
    /** Makes Windows re-read the partition table we just wrote. */
    public static final int IOCTL_DISK_UPDATE_PROPERTIES = ctlCode(FILE_DEVICE_DISK, 0x50, METHOD_BUFFERED, FILE_ANY_ACCESS);
    public static final int IOCTL_DISK_DELETE_DRIVE_LAYOUT = ctlCode(FILE_DEVICE_DISK, 0x40, METHOD_BUFFERED,
            FILE_READ_ACCESS | FILE_WRITE_ACCESS);

    public static final int IOCTL_STORAGE_QUERY_PROPERTY = ctlCode(IOCTL_STORAGE_BASE, 0x500, METHOD_BUFFERED, FILE_ANY_ACCESS);
    public static final int IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS = ctlCode(IOCTL_VOLUME_BASE, 0, METHOD_BUFFERED, FILE_ANY_ACCESS);

    private IoControlCodes() {
    }

    public static int ctlCode(int deviceType, int function, int method, int access) {
        return (deviceType << 16) | (access << 14) | (function << 2) | method;
    }
}
