package org.stickwright.platform.windows;

/**
 * The rules FILE_FLAG_NO_BUFFERING imposes on every ReadFile/WriteFile, checked before the
 * call so the user gets "position 1000 is not a multiple of the 512-byte sector" instead of
 * ERROR_INVALID_PARAMETER: the file position, the length and the buffer's address must all be
 * multiples of the logical sector size. A transfer's position travels in OVERLAPPED as two
 * 32-bit halves, Offset (low) and OffsetHigh (high).
 */
public final class TransferAlignment {
    /** ReadFile/WriteFile take a 32-bit length; we move at most this much per call. */
    public static final int MAX_CHUNK = 1 << 30;

    private TransferAlignment() {
    }

    /** Null when the transfer is legal, else what is wrong with it. */
    public static String problem(long position, long length, long address, int sectorSize) {
        if (position % sectorSize != 0) {
            return "position " + position + " is not a multiple of the " + sectorSize + "-byte sector";
        }
        if (length % sectorSize != 0) {
            return "length " + length + " is not a multiple of the " + sectorSize + "-byte sector";
        }
        if (address % sectorSize != 0) {
            return "buffer address is not aligned to the " + sectorSize + "-byte sector";
        }
        return null;
    }

    public static int offsetLow(long position) {
        return (int) position;
    }

    public static int offsetHigh(long position) {
        return (int) (position >>> 32);
    }
}
