package org.stickwright.platform.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/**
 * The handful of libc calls raw disk access needs and NIO cannot express: open with O_EXCL
 * and O_DIRECT on one descriptor, the block-device ioctls, flock and fsync on that same
 * descriptor. Methods throw {@link LastErrorException} carrying errno.
 */
interface LinuxLibc extends Library {
    LinuxLibc INSTANCE = Native.load("c", LinuxLibc.class);

    int O_RDONLY = 0;
    int O_RDWR = 2;
    int O_EXCL = 0x80;
    /** O_DIRECT is architecture-specific: 040000 on x86, 0200000 on arm and aarch64. */
    int O_DIRECT = System.getProperty("os.arch").matches("aarch64|arm.*") ? 0x10000 : 0x4000;
    int O_CLOEXEC = 0x80000;

    /** ioctl numbers from linux/fs.h: _IOR(0x12, 114, size_t) and _IO(0x12, n). */
    long BLKGETSIZE64 = 0x80081272L;
    long BLKSSZGET = 0x1268;
    long BLKPBSZGET = 0x127B;
    long BLKRRPART = 0x125F;
    long BLKFLSBUF = 0x1261;

    int LOCK_EX = 2;
    int LOCK_NB = 4;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    NativeLong pread(int fd, Pointer buffer, NativeLong count, long offset) throws LastErrorException;

    NativeLong pwrite(int fd, Pointer buffer, NativeLong count, long offset) throws LastErrorException;

    int fsync(int fd) throws LastErrorException;

    int flock(int fd, int operation) throws LastErrorException;

    int ioctl(int fd, NativeLong request, LongByReference value) throws LastErrorException;

    int ioctl(int fd, NativeLong request, IntByReference value) throws LastErrorException;

    int ioctl(int fd, NativeLong request) throws LastErrorException;

    String strerror(int errno);
}
