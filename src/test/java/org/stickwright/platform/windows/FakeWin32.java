package org.stickwright.platform.windows;

import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A recording stand-in for kernel32 with one disk of {@code size} bytes in memory. It logs
 * every call in a readable form, answers the length and geometry ioctls, copies
 * ReadFile/WriteFile data at the OVERLAPPED position, enforces NO_BUFFERING's alignment the
 * way Windows does (ERROR_INVALID_PARAMETER), and fails calls on request.
 */
final class FakeWin32 implements Win32DiskCalls {
    final List<String> log = new ArrayList<>();
    final byte[] disk;
    final int sectorSize;
    final String diskName;
    final List<VolumeInfo> volumes;
    /** "lock NAME" / "open NAME" / "write" → Win32 errors to fail the next calls with. */
    final Map<String, Deque<Integer>> failures = new HashMap<>();

    private final Map<Long, String> handles = new HashMap<>();
    private final Map<Long, Integer> flags = new HashMap<>();
    private long nextHandle = 0x100;
    private int lastError;

    FakeWin32(String diskName, int size, int sectorSize, List<VolumeInfo> volumes) {
        this.diskName = diskName;
        this.disk = new byte[size];
        this.sectorSize = sectorSize;
        this.volumes = volumes;
    }

    void fail(String call, Integer... errors) {
        failures.computeIfAbsent(call, k -> new ArrayDeque<>()).addAll(List.of(errors));
    }

    private boolean failing(String call) {
        Deque<Integer> queue = failures.get(call);
        if (queue != null && !queue.isEmpty()) {
            lastError = queue.poll();
            return true;
        }
        return false;
    }

    private String name(WinNT.HANDLE handle) {
        return handles.get(Pointer.nativeValue(handle.getPointer()));
    }

    @Override
    public WinNT.HANDLE createFile(String name, int access, int share, int flagsAndAttributes) {
        log.add("open " + name + " access=" + Integer.toHexString(access) + " share=" + share
                + " flags=" + Integer.toHexString(flagsAndAttributes));
        if (failing("open " + name)) {
            return null;
        }
        long id = nextHandle++;
        handles.put(id, name);
        flags.put(id, flagsAndAttributes);
        return new WinNT.HANDLE(new Pointer(id));
    }

    @Override
    public boolean deviceIoControl(WinNT.HANDLE handle, int code, Pointer in, int inSize, Pointer out, int outSize,
            IntByReference returned) {
        String what = codeName(code);
        log.add(what + " " + name(handle));
        if (failing(what + " " + name(handle))) {
            return false;
        }
        if (code == IoControlCodes.IOCTL_DISK_GET_LENGTH_INFO) {
            out.setLong(0, disk.length);
            returned.setValue(8);
        } else if (code == IoControlCodes.IOCTL_DISK_GET_DRIVE_GEOMETRY_EX) {
            out.setInt(20, sectorSize);
            out.setLong(24, disk.length);
            returned.setValue(outSize);
        }
        return true;
    }

    static String codeName(int code) {
        if (code == IoControlCodes.FSCTL_LOCK_VOLUME) {
            return "lock";
        } else if (code == IoControlCodes.FSCTL_UNLOCK_VOLUME) {
            return "unlock";
        } else if (code == IoControlCodes.FSCTL_DISMOUNT_VOLUME) {
            return "dismount";
        } else if (code == IoControlCodes.FSCTL_ALLOW_EXTENDED_DASD_IO) {
            return "allow-extended-dasd-io";
        } else if (code == IoControlCodes.IOCTL_DISK_GET_LENGTH_INFO) {
            return "get-length";
        } else if (code == IoControlCodes.IOCTL_DISK_GET_DRIVE_GEOMETRY_EX) {
            return "get-geometry";
        } else if (code == IoControlCodes.IOCTL_DISK_UPDATE_PROPERTIES) {
            return "update-properties";
        }
        return "ioctl-" + Integer.toHexString(code);
    }

    private static long position(WinBase.OVERLAPPED at) {
        return ((long) at.OffsetHigh << 32) | (at.Offset & 0xFFFF_FFFFL);
    }

    private boolean transfer(String kind, WinNT.HANDLE handle, Pointer buffer, int length, IntByReference done,
            WinBase.OVERLAPPED at) {
        long position = position(at);
        log.add(kind + " " + name(handle) + " @" + position + " +" + length);
        if (failing(kind)) {
            return false;
        }
        boolean uncached = (flags.get(Pointer.nativeValue(handle.getPointer())) & WinNT.FILE_FLAG_NO_BUFFERING) != 0;
        if (uncached && (position % sectorSize != 0 || length % sectorSize != 0
                || Pointer.nativeValue(buffer) % sectorSize != 0)) {
            lastError = Win32Errors.ERROR_INVALID_PARAMETER;
            return false;
        }
        int n = (int) Math.min(length, disk.length - position);
        if (kind.equals("write")) {
            buffer.read(0, disk, (int) position, n);
        } else {
            buffer.write(0, disk, (int) position, n);
        }
        done.setValue(n);
        return true;
    }

    @Override
    public boolean readFile(WinNT.HANDLE handle, Pointer buffer, int length, IntByReference done, WinBase.OVERLAPPED at) {
        return transfer("read", handle, buffer, length, done, at);
    }

    @Override
    public boolean writeFile(WinNT.HANDLE handle, Pointer buffer, int length, IntByReference done, WinBase.OVERLAPPED at) {
        return transfer("write", handle, buffer, length, done, at);
    }

    @Override
    public boolean flushFileBuffers(WinNT.HANDLE handle) {
        log.add("flush " + name(handle));
        return !failing("flush");
    }

    @Override
    public boolean closeHandle(WinNT.HANDLE handle) {
        log.add("close " + name(handle));
        return true;
    }

    @Override
    public int lastError() {
        return lastError;
    }

    @Override
    public List<VolumeInfo> volumes() {
        return volumes;
    }
}
