package org.stickwright.platform.windows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.io.InterruptedIOException;
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
 * <li>ReadFile/WriteFile with the position in OVERLAPPED, sector-aligned, at most 1 GiB a call.
 * <li>On close after writing: FlushFileBuffers, IOCTL_DISK_UPDATE_PROPERTIES (Windows re-reads
 *     the new partition table), close the disk, unlock and close the volumes.
 * </ol>
 *
 * If any step of opening fails, whatever was locked is unlocked and closed again.
 */
public final class WindowsRawDisk implements BlockDevice {
    static final int LOCK_ATTEMPTS = 20;
    static final long LOCK_RETRY_MILLIS = 250;
    static final int SHARE_READ_WRITE = WinNT.FILE_SHARE_READ | WinNT.FILE_SHARE_WRITE;
    static final int READ_WRITE = WinNT.GENERIC_READ | WinNT.GENERIC_WRITE;
    static final int NO_CACHE = WinNT.FILE_FLAG_NO_BUFFERING | WinNT.FILE_FLAG_WRITE_THROUGH;

    /** Waits between lock attempts; tests pass one that records instead of sleeping. */
    interface Pause {
        void millis(long millis) throws InterruptedException;
    }

    private final Win32DiskCalls win32;
    private final String path;
    private final WinNT.HANDLE disk;
    private final List<WinNT.HANDLE> lockedVolumes;
    private final long size;
    private final int sectorSize;
    private final int maxChunk;
    private boolean written;

    private WindowsRawDisk(Win32DiskCalls win32, String path, WinNT.HANDLE disk, List<WinNT.HANDLE> lockedVolumes,
            long size, int sectorSize, int maxChunk) {
        this.win32 = win32;
        this.path = path;
        this.disk = disk;
        this.lockedVolumes = lockedVolumes;
        this.size = size;
        this.sectorSize = sectorSize;
        this.maxChunk = maxChunk;
    }

    /** Locks and dismounts the disk's volumes, then opens {@code \\.\PhysicalDriveN} for writing. */
    public static WindowsRawDisk open(String target) throws IOException {
        return open(target, Win32DiskCalls.KERNEL32, Thread::sleep, TransferAlignment.MAX_CHUNK);
    }

    static WindowsRawDisk open(String target, Win32DiskCalls win32, Pause pause, int maxChunk) throws IOException {
        OptionalInt number = WindowsPaths.physicalDriveNumber(target);
        if (number.isEmpty()) {
            throw new WindowsDiskException(target + " is not a whole disk; name it as \\\\.\\PhysicalDriveN",
                    Win32Errors.ERROR_INVALID_PARAMETER, Win32Errors.EXIT_BAD_INPUT);
        }
        String path = WindowsPaths.physicalDrive(number.getAsInt());
        List<WinNT.HANDLE> locked = new ArrayList<>();
        try {
            for (VolumeInfo volume : WindowsDriveClassifier.volumesOn(win32.volumes(), number.getAsInt())) {
                WinNT.HANDLE handle = openOrFail(win32, volume.devicePath(), 0);
                locked.add(handle);
                lock(win32, handle, volume.devicePath(), pause);
                control(win32, handle, IoControlCodes.FSCTL_DISMOUNT_VOLUME, volume.devicePath(), "dismount volume");
            }
            WinNT.HANDLE disk = openOrFail(win32, path, NO_CACHE);
            try {
                // Only some drivers need it on a disk handle; a refusal changes nothing for us.
                win32.deviceIoControl(disk, IoControlCodes.FSCTL_ALLOW_EXTENDED_DASD_IO, null, 0, null, 0,
                        new IntByReference());
                WindowsStructures.GET_LENGTH_INFORMATION length = new WindowsStructures.GET_LENGTH_INFORMATION();
                query(win32, disk, IoControlCodes.IOCTL_DISK_GET_LENGTH_INFO, length, path, "get disk length");
                WindowsStructures.DISK_GEOMETRY_EX geometry = new WindowsStructures.DISK_GEOMETRY_EX();
                query(win32, disk, IoControlCodes.IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, geometry, path, "get disk geometry");
                int sector = geometry.Geometry.BytesPerSector > 0 ? geometry.Geometry.BytesPerSector : 512;
                return new WindowsRawDisk(win32, path, disk, locked, length.Length, sector, maxChunk);
            } catch (IOException e) {
                win32.closeHandle(disk);
                throw e;
            }
        } catch (IOException e) {
            releaseVolumes(win32, locked);
            throw e;
        }
    }

    private static WinNT.HANDLE openOrFail(Win32DiskCalls win32, String device, int flags) throws WindowsDiskException {
        WinNT.HANDLE handle = win32.createFile(device, READ_WRITE, SHARE_READ_WRITE, flags);
        if (handle == null) {
            throw Win32Errors.failure(win32.lastError(), Phase.PREPARE, device, "open");
        }
        return handle;
    }

    private static void lock(Win32DiskCalls win32, WinNT.HANDLE volume, String device, Pause pause) throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (win32.deviceIoControl(volume, IoControlCodes.FSCTL_LOCK_VOLUME, null, 0, null, 0, new IntByReference())) {
                return;
            }
            int error = win32.lastError();
            if (attempt == LOCK_ATTEMPTS) {
                throw Win32Errors.failure(error, Phase.PREPARE, device, "lock volume");
            }
            try {
                pause.millis(LOCK_RETRY_MILLIS); // whoever holds it (Explorer, indexer) usually lets go soon
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while locking " + device);
            }
        }
    }

    private static void control(Win32DiskCalls win32, WinNT.HANDLE handle, int code, String device, String operation)
            throws WindowsDiskException {
        if (!win32.deviceIoControl(handle, code, null, 0, null, 0, new IntByReference())) {
            throw Win32Errors.failure(win32.lastError(), Phase.PREPARE, device, operation);
        }
    }

    private static void query(Win32DiskCalls win32, WinNT.HANDLE handle, int code, com.sun.jna.Structure out,
            String device, String operation) throws WindowsDiskException {
        IntByReference returned = new IntByReference();
        if (!win32.deviceIoControl(handle, code, null, 0, out.getPointer(), out.size(), returned)) {
            throw Win32Errors.failure(win32.lastError(), Phase.PREPARE, device, operation);
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
        transfer(src, position, true);
    }

    private void transfer(ByteBuffer buffer, long position, boolean write) throws IOException {
        int length = buffer.remaining();
        BlockDevice.checkRange(path, size, position, length);
        Pointer memory;
        if (buffer.isDirect()) {
            memory = Native.getDirectBufferPointer(buffer).share(buffer.position());
        } else {
            // A heap array has no stable, aligned address: bounce through aligned native memory.
            Memory bounce = new Memory(length + (long) sectorSize);
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
        written |= write; // from here on the disk may have changed, even if the call fails
        long done = 0;
        while (done < length) {
            int chunk = (int) Math.min(maxChunk, length - done);
            WinBase.OVERLAPPED at = new WinBase.OVERLAPPED();
            at.Offset = TransferAlignment.offsetLow(position + done);
            at.OffsetHigh = TransferAlignment.offsetHigh(position + done);
            IntByReference moved = new IntByReference();
            boolean ok = write
                    ? win32.writeFile(disk, memory.share(done), chunk, moved, at)
                    : win32.readFile(disk, memory.share(done), chunk, moved, at);
            String operation = (write ? "write" : "read") + " at byte " + (position + done);
            if (!ok) {
                throw Win32Errors.failure(win32.lastError(), Phase.TRANSFER, path, operation);
            }
            if (moved.getValue() <= 0) {
                throw Win32Errors.failure(Win32Errors.ERROR_HANDLE_EOF, Phase.TRANSFER, path, operation);
            }
            done += moved.getValue();
        }
        if (!buffer.isDirect() && !write) {
            memory.read(0, buffer.array(), buffer.arrayOffset() + buffer.position(), length);
        }
        buffer.position(buffer.position() + length);
    }

    @Override
    public void flush() throws IOException {
        if (!win32.flushFileBuffers(disk)) {
            throw Win32Errors.failure(win32.lastError(), Phase.TRANSFER, path, "flush");
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
                win32.deviceIoControl(disk, IoControlCodes.IOCTL_DISK_UPDATE_PROPERTIES, null, 0, null, 0,
                        new IntByReference());
            }
        } finally {
            win32.closeHandle(disk);
            releaseVolumes(win32, lockedVolumes);
        }
    }

    private static void releaseVolumes(Win32DiskCalls win32, List<WinNT.HANDLE> volumes) {
        for (WinNT.HANDLE volume : volumes) {
            win32.deviceIoControl(volume, IoControlCodes.FSCTL_UNLOCK_VOLUME, null, 0, null, 0, new IntByReference());
            win32.closeHandle(volume);
        }
    }
}
