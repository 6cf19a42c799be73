package org.stickwright.platform.windows;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import java.util.List;

/**
 * The Win32 calls {@link WindowsRawDisk} makes, one method per API function with the same
 * contract (a boolean or a handle, details from {@link #lastError()}). Keeping them behind
 * this seam lets the unit tests run the raw disk's whole sequence — lock retries, release on
 * failure, offsets, chunking, error mapping — against a recorded fake on Linux, where the
 * real functions do not exist. {@link #KERNEL32} is the real thing.
 */
interface Win32DiskCalls {
    /** CreateFile with OPEN_EXISTING and no security attributes; null when it fails. */
    WinNT.HANDLE createFile(String name, int access, int share, int flagsAndAttributes);

    boolean deviceIoControl(WinNT.HANDLE handle, int code, Pointer in, int inSize, Pointer out, int outSize,
            IntByReference returned);

    boolean readFile(WinNT.HANDLE handle, Pointer buffer, int length, IntByReference done, WinBase.OVERLAPPED at);

    boolean writeFile(WinNT.HANDLE handle, Pointer buffer, int length, IntByReference done, WinBase.OVERLAPPED at);

    boolean flushFileBuffers(WinNT.HANDLE handle);

    boolean closeHandle(WinNT.HANDLE handle);

    /** GetLastError of the call just made on this thread. */
    int lastError();

    /** Every volume with its disk extents and mount points. */
    List<VolumeInfo> volumes() throws WindowsDiskException;

    Win32DiskCalls KERNEL32 = new Win32DiskCalls() {
        @Override
        public WinNT.HANDLE createFile(String name, int access, int share, int flagsAndAttributes) {
            WinNT.HANDLE handle = Kernel32.INSTANCE.CreateFile(name, access, share, null, WinNT.OPEN_EXISTING,
                    flagsAndAttributes, null);
            return WinBase.INVALID_HANDLE_VALUE.equals(handle) ? null : handle;
        }

        @Override
        public boolean deviceIoControl(WinNT.HANDLE handle, int code, Pointer in, int inSize, Pointer out, int outSize,
                IntByReference returned) {
            return Kernel32.INSTANCE.DeviceIoControl(handle, code, in, inSize, out, outSize, returned, null);
        }

        @Override
        public boolean readFile(WinNT.HANDLE handle, Pointer buffer, int length, IntByReference done, WinBase.OVERLAPPED at) {
            return WindowsIo.KERNEL32.ReadFile(handle, buffer, length, done, at);
        }

        @Override
        public boolean writeFile(WinNT.HANDLE handle, Pointer buffer, int length, IntByReference done, WinBase.OVERLAPPED at) {
            return WindowsIo.KERNEL32.WriteFile(handle, buffer, length, done, at);
        }

        @Override
        public boolean flushFileBuffers(WinNT.HANDLE handle) {
            return Kernel32.INSTANCE.FlushFileBuffers(handle);
        }

        @Override
        public boolean closeHandle(WinNT.HANDLE handle) {
            return Kernel32.INSTANCE.CloseHandle(handle);
        }

        @Override
        public int lastError() {
            return Native.getLastError();
        }

        @Override
        public List<VolumeInfo> volumes() throws WindowsDiskException {
            return WindowsDiskProbe.volumes();
        }
    };
}
