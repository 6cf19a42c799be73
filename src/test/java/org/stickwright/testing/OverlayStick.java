package org.stickwright.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import org.stickwright.engine.fat.Fat32FormatOptions;
import org.stickwright.engine.fat.Fat32Formatter;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.fat.FileExtent;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.overlay.DmSnapshotStore;
import org.stickwright.engine.overlay.FatStoreFile;
import org.tukaani.xz.XZInputStream;

/**
 * A Fedora-style stick image: one FAT32 partition (made by sgdisk, formatted by our formatter)
 * holding {@code LiveOS/overlay-LIVE-1234-ABCD}, a dm-snapshot store whose metadata the kernel
 * wrote during a real boot (the overlay tests' resource: 106 changed chunks, dmsetup status
 * {@value #STATUS} in a 64 MiB file). The store is found through the FAT each time, because a
 * resize may move it.
 */
public final class OverlayStick {
    public static final String STORE_PATH = "/LiveOS/overlay-LIVE-1234-ABCD";
    public static final String STATUS = "864/131072 16";
    private static final long MIB = 1 << 20;
    private static final long START = MIB;
    private static final long END = 299 * MIB;

    private OverlayStick() {
    }

    /** A 300 MiB sparse stick with a 64 MiB store (room to grow it to 128 MiB). */
    public static Path create(Path image) throws IOException {
        Capabilities.requireTools("sgdisk");
        try (ImageFile disk = ImageFile.create(image, END + MIB)) {
            disk.flush();
        }
        Tool.run("sgdisk", "-n", "1:2048:" + (END / 512 - 1), "-t", "1:0700", image.toString()).ok();
        try (ImageFile disk = ImageFile.openReadWrite(image); BlockDevice volume = disk.slice(START, END - START)) {
            Fat32Formatter.format(volume, Fat32FormatOptions.defaults().withLabel("LIVE").withHiddenSectors(2048));
            try (FatFileSystem fs = FatFileSystem.open(volume)) {
                fs.mkdirs("LiveOS");
                FileExtent extent = fs.allocateContiguous(STORE_PATH.substring(1), 64 * MIB, FileTimes.of(Instant.EPOCH));
                volume.writeBytes(extent.deviceOffset(), realStoreHead());
            }
        }
        return image;
    }

    /** What a kernel does when the store overflows or fails: the header's valid word becomes 0. */
    public static void invalidate(Path image) throws IOException {
        try (ImageFile disk = ImageFile.openReadWrite(image); BlockDevice volume = disk.slice(START, END - START);
                FatFileSystem fs = FatFileSystem.open(volume)) {
            FatStoreFile.open(fs, volume, STORE_PATH).writeBytes(4, new byte[4]);
            disk.flush();
        }
    }

    /** The store as DmSnapshotStore reads it from the stick's bytes. */
    public static DmSnapshotStore read(Path image) throws IOException {
        try (ImageFile disk = ImageFile.openReadOnly(image); BlockDevice volume = disk.slice(START, END - START);
                FatFileSystem fs = FatFileSystem.open(volume)) {
            return DmSnapshotStore.read(FatStoreFile.open(fs, volume, STORE_PATH));
        }
    }

    public static byte[] realStoreHead() throws IOException {
        try (InputStream in = OverlayStick.class.getResourceAsStream(
                "/org/stickwright/engine/overlay/fedora-nested-boot1-store.xz"); XZInputStream xz = new XZInputStream(in)) {
            return xz.readAllBytes();
        }
    }
}
