package org.stickwright.platform.windows;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.win32.StdCallLibrary;
import com.sun.jna.win32.W32APIOptions;

/**
 * ReadFile and WriteFile taking a native pointer. jna-platform's Kernel32 declares them with
 * {@code byte[]}, which JNA copies into a temporary buffer of its own alignment; with
 * FILE_FLAG_NO_BUFFERING the buffer address must be sector aligned, so we pass our aligned
 * memory directly. Loaded on first use, which only happens on Windows.
 */
interface WindowsIo extends StdCallLibrary {
    WindowsIo KERNEL32 = Native.load("kernel32", WindowsIo.class, W32APIOptions.DEFAULT_OPTIONS);

    boolean ReadFile(WinNT.HANDLE file, Pointer buffer, int length, IntByReference read, WinBase.OVERLAPPED overlapped);

    boolean WriteFile(WinNT.HANDLE file, Pointer buffer, int length, IntByReference written, WinBase.OVERLAPPED overlapped);
}
