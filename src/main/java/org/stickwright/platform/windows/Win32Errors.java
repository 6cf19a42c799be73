package org.stickwright.platform.windows;

/**
 * Turns a Win32 error code from a disk operation into our message and exit code (design §4).
 * When the operation failed matters: before the first write nothing was written, so a
 * refusal (the disk is in use, write-protected, we lack rights) is exit 3; the same error
 * during the write is an I/O failure of the job, exit 4. A device that vanished or is not
 * ready is exit 4 either way: the target is not there to be judged.
 */
public final class Win32Errors {
    public static final int ERROR_FILE_NOT_FOUND = 2;
    public static final int ERROR_PATH_NOT_FOUND = 3;
    public static final int ERROR_ACCESS_DENIED = 5;
    public static final int ERROR_INVALID_HANDLE = 6;
    public static final int ERROR_WRITE_PROTECT = 19;
    public static final int ERROR_NOT_READY = 21;
    public static final int ERROR_CRC = 23;
    public static final int ERROR_SECTOR_NOT_FOUND = 27;
    public static final int ERROR_WRITE_FAULT = 29;
    public static final int ERROR_READ_FAULT = 30;
    public static final int ERROR_GEN_FAILURE = 31;
    public static final int ERROR_SHARING_VIOLATION = 32;
    public static final int ERROR_LOCK_VIOLATION = 33;
    public static final int ERROR_HANDLE_EOF = 38;
    public static final int ERROR_INVALID_PARAMETER = 87;
    public static final int ERROR_DISK_FULL = 112;
    public static final int ERROR_NO_SUCH_DEVICE = 433;
    public static final int ERROR_IO_DEVICE = 1117;
    public static final int ERROR_DEVICE_NOT_CONNECTED = 1167;
    public static final int ERROR_MEDIA_CHANGED = 1110;
    public static final int ERROR_NO_MEDIA_IN_DRIVE = 1112;

    public static final int EXIT_BAD_INPUT = 2;
    public static final int EXIT_REFUSED = 3;
    public static final int EXIT_IO_ERROR = 4;

    /** Whether anything may have been written when the error struck. */
    public enum Phase {
        /** Opening, locking, dismounting, querying: nothing written yet. */
        PREPARE,
        /** Writing, flushing, reading back. */
        TRANSFER
    }

    private Win32Errors() {
    }

    /** The exception for {@code code}, raised by {@code operation} on {@code device}. */
    public static WindowsDiskException failure(int code, Phase phase, String device, String operation) {
        // "\\.\E:" already ends in a colon; "\\.\E:: lock" would read as a typo
        String subject = device.endsWith(":") ? device + " " : device + ": ";
        return new WindowsDiskException(subject + operation + " failed: " + explain(code) + " (Win32 error " + code + ")",
                code, exitCode(code, phase));
    }

    public static int exitCode(int code, Phase phase) {
        switch (code) {
            case ERROR_FILE_NOT_FOUND:
            case ERROR_PATH_NOT_FOUND:
                return phase == Phase.PREPARE ? EXIT_BAD_INPUT : EXIT_IO_ERROR;
            case ERROR_ACCESS_DENIED:
            case ERROR_SHARING_VIOLATION:
            case ERROR_LOCK_VIOLATION:
            case ERROR_WRITE_PROTECT:
                return phase == Phase.PREPARE ? EXIT_REFUSED : EXIT_IO_ERROR;
            default:
                return EXIT_IO_ERROR;
        }
    }

    public static String explain(int code) {
        switch (code) {
            case ERROR_FILE_NOT_FOUND:
            case ERROR_PATH_NOT_FOUND:
                return "no such disk";
            case ERROR_ACCESS_DENIED:
                return "access denied: writing a disk needs administrator rights, and Windows refuses writes"
                        + " to sectors of a volume that is still mounted";
            case ERROR_SHARING_VIOLATION:
                return "the disk is in use by another program (Explorer, an antivirus scan, a backup tool)";
            case ERROR_LOCK_VIOLATION:
                return "a volume on the disk could not be locked: a program has files open on it";
            case ERROR_WRITE_PROTECT:
                return "the medium is write-protected (check the lock switch of an SD card)";
            case ERROR_NOT_READY:
            case ERROR_NO_MEDIA_IN_DRIVE:
                return "the device is not ready: no medium, or it was removed";
            case ERROR_CRC:
                return "data error (cyclic redundancy check): the medium is failing";
            case ERROR_SECTOR_NOT_FOUND:
                return "sector not found: the medium is smaller than it claims or failing";
            case ERROR_WRITE_FAULT:
            case ERROR_READ_FAULT:
            case ERROR_GEN_FAILURE:
            case ERROR_IO_DEVICE:
                return "the device reported an I/O error";
            case ERROR_DISK_FULL:
                return "no space left: the image is larger than the disk";
            case ERROR_INVALID_PARAMETER:
                return "invalid parameter: a transfer not aligned to the disk's sector size";
            case ERROR_DEVICE_NOT_CONNECTED:
            case ERROR_NO_SUCH_DEVICE:
                return "the device was disconnected";
            case ERROR_MEDIA_CHANGED:
                return "the medium was changed";
            case ERROR_HANDLE_EOF:
                return "reached the end of the disk";
            case ERROR_INVALID_HANDLE:
                return "the disk handle is no longer valid";
            default:
                return "unexpected error";
        }
    }
}
