package org.stickwright.platform.windows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.platform.windows.Win32Errors.Phase;

/**
 * A whole Windows disk, {@code \\.\PhysicalDriveN}, opened for raw writing. The sequence is
 * the one Windows demands before it lets anyone overwrite a disk's sectors:
 *
 * <ol>
 * <li>Every volume with an extent on the disk is opened, locked (FSCTL_LOCK_VOLUME, retried:
 *     Explorer or an antivirus may hold it a moment) and dismounted (FSCTL_DISMOUNT_VOLUME).
 *     The volume handles stay open, and so locked, until {@link #close()}: a volume whose lock
 *     is released may be remounted mid-write, after which writes to its sectors fail with
 *     ERROR_ACCESS_DENIED.
 * <li>The disk is opened GENERIC_READ|GENERIC_WRITE, shared read/write, with
 *     FILE_FLAG_NO_BUFFERING|FILE_FLAG_WRITE_THROUGH: no cache between us and the medium, so
 *     verification reads the stick, not RAM.
 * <li>FSCTL_ALLOW_EXTENDED_DASD_IO, IOCTL_DISK_GET_LENGTH_INFO for the size,
 *     IOCTL_DISK_GET_DRIVE_GEOMETRY_EX for the sector size.
 * <li>ReadFile/WriteFile with the position in OVERLAPPED, sector-aligned.
 * <li>On close after writing: FlushFileBuffers, IOCTL_DISK_UPDATE_PROPERTIES (Windows re-reads
 *     the new partition table), close the disk, unlock and close the volumes.
 * </ol>
 */
public final class WindowsRawDisk implements BlockDevice {
    private static final int LOCK_ATTEMPTS = 20;
    private static final long LOCK_RETRY_MILLIS = 250;

    private final String path;
    private final WinNT.HANDLE disk;
    private final List<WinNT.HANDLE> lockedVolumes;
    private final long size;
    private final int sectorSize;
    private boolean written;

    private WindowsRawDisk(String path, WinNT.HANDLE disk, List<WinNT.HANDLE> lockedVolumes, long size, int sectorSize) {
        this.path = path;
        this.disk = disk;
        this.lockedVolumes = lockedVolumes;
        this.size = size;
        this.sectorSize = sectorSize;
    }

    /** Locks and dismounts the disk's volumes, then opens {@code \\.\PhysicalDriveN} for writing. */
    public static WindowsRawDisk open(String target) throws IOException {
        OptionalInt number = WindowsPaths.physicalDriveNumber(target);
        if (number.isEmpty()) {
            throw new WindowsDiskException(target + " is not a whole disk; name it as \\\\.\\PhysicalDriveN",
                    Win32Errors.ERROR_INVALID_PARAMETER, Win32Errors.EXIT_BAD_INPUT);
        }
        String path = WindowsPaths.physicalDrive(number.getAsInt());
        List<WinNT.HANDLE> locked = new ArrayList<>();
        try {
            for (VolumeInfo volume : WindowsDriveClassifier.volumesOn(WindowsDiskProbe.volumes(), number.getAsInt())) {
                WinNT.HANDLE handle = openReadWrite(volume.devicePath(), 0);
                locked.add(handle);
                lock(handle, volume.devicePath());
                ioctl(handle, IoControlCodes.FSCTL_DISMOUNT_VOLUME, volume.devicePath(), "dismount volume");
            }
            WinNT.HANDLE disk = openReadWrite(path, WinNT.FILE_FLAG_NO_BUFFERING | WinNT.FILE_FLAG_WRITE_THROUGH);
            try {
                // Only some drivers need it on a disk handle; a refusal changes nothing for us.
                Kernel32.INSTANCE.DeviceIoControl(disk, IoControlCodes.FSCTL_ALLOW_EXTENDED_DASD_IO,
                        null, 0, null, 0, new IntByReference(), null);
                WindowsStructures.GET_LENGTH_INFORMATION length = new WindowsStructures.GET_LENGTH_INFORMATION();
                query(disk, IoControlCodes.IOCTL_DISK_GET_LENGTH_INFO, length, path, "get disk length");
                WindowsStructures.DISK_GEOMETRY_EX geometry = new WindowsStructures.DISK_GEOMETRY_EX();
                query(disk, IoControlCodes.IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, geometry, path, "get disk geometry");
                int sector = geometry.Geometry.BytesPerSector > 0 ? geometry.Geometry.BytesPerSector : 512;
                return new WindowsRawDisk(path, disk, locked, length.Length, sector);
            } catch (IOException e) {
                Kernel32.INSTANCE.CloseHandle(disk);
                throw e;
            }
        } catch (IOException e) {
            releaseVolumes(locked);
            throw e;
        }
    }

    private static WinNT.HANDLE openReadWrite(String device, int flags) throws WindowsDiskException {
        WinNT.HANDLE handle = Kernel32.INSTANCE.CreateFile(device, WinNT.GENERIC_READ | WinNT.GENERIC_WRITE,
                WinNT.FILE_SHARE_READ | WinNT.FILE_SHARE_WRITE, null, WinNT.OPEN_EXISTING, flags, null);
        if (WinBase.INVALID_HANDLE_VALUE.equals(handle)) {
            throw Win32Errors.failure(Native.getLastError(), Phase.PREPARE, device, "open");
        }
        return handle;
    }

    private static void lock(WinNT.HANDLE volume, String device) throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (Kernel32.INSTANCE.DeviceIoControl(volume, IoControlCodes.FSCTL_LOCK_VOLUME, null, 0, null, 0,
                    new IntByReference(), null)) {
                return;
            }
            int error = Native.getLastError();
            if (attempt == LOCK_ATTEMPTS) {
                throw Win32Errors.failure(error, Phase.PREPARE, device, "lock volume");
            }
            try {
                Thread.sleep(LOCK_RETRY_MILLIS); // whoever holds it (Explorer, indexer) usually lets go soon
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while locking " + device);
            }
        }
    }

    private static void ioctl(WinNT.HANDLE handle, int code, String device, String operation) throws WindowsDiskException {
        if (!Kernel32.INSTANCE.DeviceIoControl(handle, code, null, 0, null, 0, new IntByReference(), null)) {
            throw Win32Errors.failure(Native.getLastError(), Phase.PREPARE, device, operation);
        }
    }

    private static void query(WinNT.HANDLE handle, int code, com.sun.jna.Structure out, String device, String operation)
            throws WindowsDiskException {
        IntByReference returned = new IntByReference();
        if (!Kernel32.INSTANCE.DeviceIoControl(handle, code, null, 0, out.getPointer(), out.size(), returned, null)) {
            throw Win32Errors.failure(Native.getLastError(), Phase.PREPARE, device, operation);
        }
        out.read();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int logicalSectorSize() {
        return sectorSize;
    }

    @Override
    public int physicalSectorSize() {
        return Math.max(sectorSize, 4096);
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        transfer(dst, position, false);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        written = true;
        transfer(src, position, true);
    }

    private void transfer(ByteBuffer buffer, long position, boolean write) throws IOException {
        int length = buffer.remaining();
        BlockDevice.checkRange(path, size, position, length);
        Pointer memory;
        Memory bounce = null;
        if (buffer.isDirect()) {
            memory = Native.getDirectBufferPointer(buffer).share(buffer.position());
        } else {
            bounce = new Memory(length + (long) sectorSize);
            memory = bounce.align(sectorSize);
            if (write) {
                memory.write(0, buffer.array(), buffer.arrayOffset() + buffer.position(), length);
            }
        }
        String problem = TransferAlignment.problem(position, length, Pointer.nativeValue(memory), sectorSize);
        if (problem != null) {
            throw new WindowsDiskException(path + ": " + problem, Win32Errors.ERROR_INVALID_PARAMETER,
                    Win32Errors.EXIT_IO_ERROR);
        }
        long done = 0;
        while (done < length) {
            int chunk = (int) Math.min(TransferAlignment.MAX_CHUNK, length - done);
            WinBase.OVERLAPPED at = new WinBase.OVERLAPPED();
            at.Offset = TransferAlignment.offsetLow(position + done);
            at.OffsetHigh = TransferAlignment.offsetHigh(position + done);
            IntByReference moved = new IntByReference();
            boolean ok = write
                    ? WindowsIo.KERNEL32.WriteFile(disk, memory.share(done), chunk, moved, at)
                    : WindowsIo.KERNEL32.ReadFile(disk, memory.share(done), chunk, moved, at);
            if (!ok) {
                throw Win32Errors.failure(Native.getLastError(), Phase.TRANSFER, path,
                        (write ? "write" : "read") + " at byte " + (position + done));
            }
            if (moved.getValue() <= 0) {
                throw Win32Errors.failure(Win32Errors.ERROR_HANDLE_EOF, Phase.TRANSFER, path,
                        (write ? "write" : "read") + " at byte " + (position + done));
            }
            done += moved.getValue();
        }
        if (bounce != null && !write) {
            memory.read(0, buffer.array(), buffer.arrayOffset() + buffer.position(), length);
        }
        buffer.position(buffer.position() + length);
    }

    @Override
    public void flush() throws IOException {
        if (!Kernel32.INSTANCE.FlushFileBuffers(disk)) {
            throw Win32Errors.failure(Native.getLastError(), Phase.TRANSFER, path, "flush");
        }
    }

    @Override
    public String name() {
        return path;
    }

    @Override
    public void close() throws IOException {
        try {
            if (written) {
                flush();
                // Tell Windows the partition table changed; failing that only delays new drive letters.
                Kernel32.INSTANCE.DeviceIoControl(disk, IoControlCodes.IOCTL_DISK_UPDATE_PROPERTIES,
                        null, 0, null, 0, new IntByReference(), null);
            }
        } finally {
            Kernel32.INSTANCE.CloseHandle(disk);
            releaseVolumes(lockedVolumes);
        }
    }

    private static void releaseVolumes(List<WinNT.HANDLE> volumes) {
        for (WinNT.HANDLE volume : volumes) {
            Kernel32.INSTANCE.DeviceIoControl(volume, IoControlCodes.FSCTL_UNLOCK_VOLUME, null, 0, null, 0,
                    new IntByReference(), null);
            Kernel32.INSTANCE.CloseHandle(volume);
        }
    }
}
