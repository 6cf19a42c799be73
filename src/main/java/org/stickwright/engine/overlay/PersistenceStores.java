/*
 * Finds the persistence stores on a stick by looking at it, not by knowing who made it: the
 * partition table, then each partition's file system (FAT read with our FAT reader, ext4 with
 * our ext4 reader), then the names and contents the families' initramfs look for:
 *   FAT   LiveOS/overlay-*  dm-snapshot store ("SnAp" or zero header) or embedded ext4 image
 *         LiveOS/home.img, and the image files live-boot and casper accept at the root
 *         (persistence, casper-rw, writable)
 *   ext4  LiveOS/overlay-* directory (Fedora overlayfs upper, sister LiveOS/ovlwork) or file;
 *         label "persistence" (live-boot: upper /rw), "writable"/"casper-rw" (casper: /upper);
 *         <dir>/upperdir + workdir up to two levels deep (archiso cow_directory);
 *         /profiles/NAME/overlay-* + ovlwork (further dracut profiles on a hybrid stick)
 * A store file given as TARGET itself (no partition table, "SnAp" at byte 0) is one store.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.stickwright.engine.ext.Ext4DirEntry;
import org.stickwright.engine.ext.Ext4Inode;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.fat.FatEntry;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.FormatException;
import org.stickwright.engine.part.PartitionTables;

/** The persistence stores a stick holds. */
public final class PersistenceStores {
    private static final int EXT4_MAGIC_OFFSET = 1080;
    private static final String ARCHISO_UPPER = "upperdir";
    /** Where hybrid mode keeps Fedora's further profiles: /profiles/NAME/overlay-persistent + ovlwork. */
    private static final String FEDORA_PROFILES = "/profiles";

    private PersistenceStores() {
    }

    /** What a store is. */
    public enum Kind {
        /** A dm-snapshot persistent store file (dracut, nested rootfs.img). */
        DM_SNAPSHOT_FILE,
        /** A file holding an ext4 file system with /overlayfs and /ovlwork (dracut on FAT). */
        EMBEDDED_OVERLAY_IMAGE,
        /** An overlayfs upper directory on ext4 (Fedora LiveOS/overlay-L-U, archiso upperdir). */
        OVERLAYFS_DIRECTORY,
        /** A live-boot persistence volume or image (label/file "persistence", upper /rw). */
        LIVE_BOOT_PERSISTENCE,
        /** A casper writable volume or image (label/file "writable" or "casper-rw", upper /upper). */
        CASPER_WRITABLE,
        /** A home image (Fedora LiveOS/home.img). */
        HOME_IMAGE
    }

    /**
     * One store: where it is ({@code partition} 0 = the whole target), the file system holding
     * it, and the path inside ({@code "/"} = the whole volume; for directory kinds the upper).
     */
    public record Found(Kind kind, int partition, long volumeOffset, long volumeBytes, String filesystem,
            String volumeLabel, String path, long sizeBytes) {
        /**
         * A name for --profile and messages: an archiso store's cow_directory ("persistent" for
         * /persistent/upperdir), a Fedora profile's name ("work" for
         * /profiles/work/overlay-persistent), else the file or directory name, or the volume label.
         */
        public String profile() {
            if (kind == Kind.OVERLAYFS_DIRECTORY && path.endsWith("/" + ARCHISO_UPPER) && path.length() > 9) {
                return path.substring(1, path.length() - ARCHISO_UPPER.length() - 1);
            }
            String[] parts = path.split("/");
            if (kind == Kind.OVERLAYFS_DIRECTORY && parts.length == 4 && ("/" + parts[1]).equals(FEDORA_PROFILES)) {
                return parts[2];
            }
            String name = path.equals("/") ? volumeLabel : path.substring(path.lastIndexOf('/') + 1);
            return name.isEmpty() ? "partition" + partition : name;
        }

        /**
         * An overlayfs directory store's work directory, the sister the initramfs mounts with the
         * upper: archiso {@code <cow_directory>/workdir}, dracut {@code <upper>/../ovlwork}.
         */
        public String workPath() {
            String parent = path.substring(0, path.lastIndexOf('/'));
            return path.endsWith("/" + ARCHISO_UPPER) ? parent + "/workdir" : parent + "/ovlwork";
        }
    }

    /** Every store found on {@code disk}, in partition order. */
    public static List<Found> find(BlockDevice disk) throws IOException {
        return find(disk, false);
    }

    /**
     * As {@link #find(BlockDevice)}; with {@code storeFile} (the target is a file a user named,
     * not a drive) a file with no partition table, no file system and a zero header counts as
     * a fresh dm-snapshot store (a blank drive never does).
     */
    public static List<Found> find(BlockDevice disk, boolean storeFile) throws IOException {
        List<Found> found = new ArrayList<>();
        PartitionTables tables = PartitionTables.read(disk);
        if (tables.partitions().isEmpty()) {
            if (disk.size() >= 16 && isDmHeader(disk, true)) {
                found.add(new Found(Kind.DM_SNAPSHOT_FILE, 0, 0, disk.size(), "none", "", "/", disk.size()));
            } else {
                scanVolume(disk, 0, 0, found);
                if (found.isEmpty() && storeFile && disk.size() >= 16 && isDmHeader(disk, false)) {
                    found.add(new Found(Kind.DM_SNAPSHOT_FILE, 0, 0, disk.size(), "none", "", "/", disk.size()));
                }
            }
            return found;
        }
        int sector = disk.logicalSectorSize();
        for (PartitionTables.Partition p : tables.partitions()) {
            long offset = p.firstLba() * sector;
            long bytes = p.sectorCount() * sector;
            if (offset < 0 || bytes <= 0 || offset + bytes > disk.size()) {
                continue;
            }
            scanVolume(disk.slice(offset, bytes), p.number(), offset, found);
        }
        return found;
    }

    private static void scanVolume(BlockDevice volume, int number, long offset, List<Found> found)
            throws IOException {
        if (volume.size() < 4096) {
            return;
        }
        if (isExt4(volume, 0)) {
            try {
                scanExt4(Ext4Reader.open(volume), number, offset, volume.size(), found);
            } catch (FormatException e) {
                // not readable as ext4: not a store we can name
            }
            return;
        }
        byte[] boot = volume.readBytes(0, 512);
        if ((boot[510] & 0xFF) == 0x55 && (boot[511] & 0xFF) == 0xAA && (boot[0] & 0xFF) == 0xEB
                || (boot[0] & 0xFF) == 0xE9) {
            try (FatFileSystem fs = FatFileSystem.open(volume)) {
                scanFat(fs, volume, number, offset, found);
            } catch (FormatException e) {
                // the ISO's own El Torito FAT images or a foreign boot sector: nothing to find
            }
        }
    }

    private static void scanFat(FatFileSystem fs, BlockDevice volume, int number, long offset, List<Found> found)
            throws IOException {
        String label = fs.volumeLabel();
        if (fs.stat("LiveOS").map(FatEntry::isDirectory).orElse(false)) {
            for (FatEntry entry : fs.list("LiveOS")) {
                String name = entry.name();
                String lower = name.toLowerCase(Locale.ROOT);
                if (entry.isDirectory() || entry.size() < 4096) {
                    continue;
                }
                String path = "/LiveOS/" + name;
                if (lower.startsWith("overlay")) {
                    try (ExtentDevice file = FatStoreFile.open(fs, volume, path)) {
                        Kind kind = isExt4(file, 0) ? Kind.EMBEDDED_OVERLAY_IMAGE
                                : isDmHeader(file, false) ? Kind.DM_SNAPSHOT_FILE : null;
                        if (kind != null) {
                            found.add(new Found(kind, number, offset, volume.size(), "fat", label, path, entry.size()));
                        }
                    }
                } else if (lower.equals("home.img")) {
                    found.add(new Found(Kind.HOME_IMAGE, number, offset, volume.size(), "fat", label, path,
                            entry.size()));
                }
            }
        }
        for (FatEntry entry : fs.list("/")) {
            String lower = entry.name().toLowerCase(Locale.ROOT);
            Kind kind = lower.equals("persistence") ? Kind.LIVE_BOOT_PERSISTENCE
                    : lower.equals("writable") || lower.equals("casper-rw") ? Kind.CASPER_WRITABLE : null;
            if (kind != null && !entry.isDirectory()) {
                found.add(new Found(kind, number, offset, volume.size(), "fat", label, "/" + entry.name(),
                        entry.size()));
            }
        }
    }

    private static void scanExt4(Ext4Reader fs, int number, long offset, long bytes, List<Found> found)
            throws IOException {
        String label = fs.superblock().label();
        long size = bytes;
        // live-boot ignores a volume labelled persistence that has no persistence.conf
        // (persistence.conf(5)); archiso and Fedora hybrid stores reuse the label without one.
        Ext4Inode conf = lookup(fs, "/persistence.conf");
        if (label.equals("persistence") && conf != null && conf.isRegularFile()) {
            found.add(new Found(Kind.LIVE_BOOT_PERSISTENCE, number, offset, bytes, "ext4", label, "/rw", size));
        } else if (label.equals("writable") || label.equals("casper-rw")) {
            found.add(new Found(Kind.CASPER_WRITABLE, number, offset, bytes, "ext4", label, "/upper", size));
        }
        Ext4Inode liveOs = lookup(fs, "/LiveOS");
        if (liveOs != null && liveOs.isDirectory()) {
            for (Ext4DirEntry entry : fs.list(liveOs)) {
                String lower = entry.name().toLowerCase(Locale.ROOT);
                Ext4Inode inode = fs.inode(entry.inode());
                String path = "/LiveOS/" + entry.name();
                if (lower.startsWith("overlay") && inode.isDirectory()) {
                    found.add(new Found(Kind.OVERLAYFS_DIRECTORY, number, offset, bytes, "ext4", label, path, size));
                } else if (lower.startsWith("overlay") && inode.isRegularFile()) {
                    found.add(new Found(Kind.DM_SNAPSHOT_FILE, number, offset, bytes, "ext4", label, path,
                            inode.size()));
                } else if (lower.equals("home.img") && inode.isRegularFile()) {
                    found.add(new Found(Kind.HOME_IMAGE, number, offset, bytes, "ext4", label, path, inode.size()));
                }
            }
        }
        // dracut profiles (rd.live.overlay=<dev>:/profiles/NAME/overlay-persistent, work in its sister ovlwork)
        Ext4Inode profiles = lookup(fs, FEDORA_PROFILES);
        if (profiles != null && profiles.isDirectory()) {
            for (Ext4DirEntry profile : fs.list(profiles)) {
                Ext4Inode dir = fs.inode(profile.inode());
                if (!dir.isDirectory()) {
                    continue;
                }
                for (Ext4DirEntry entry : fs.list(dir)) {
                    if (entry.name().toLowerCase(Locale.ROOT).startsWith("overlay") && fs.inode(entry.inode()).isDirectory()) {
                        found.add(new Found(Kind.OVERLAYFS_DIRECTORY, number, offset, bytes, "ext4", label,
                                FEDORA_PROFILES + "/" + profile.name() + "/" + entry.name(), size));
                    }
                }
            }
        }
        // archiso: <cow_directory>/upperdir, cow_directory one or two levels below the root
        for (Ext4DirEntry first : fs.list(fs.root())) {
            if (first.name().equals(".") || first.name().equals("..") || first.name().equals("lost+found")) {
                continue;
            }
            Ext4Inode dir = fs.inode(first.inode());
            if (!dir.isDirectory()) {
                continue;
            }
            addArchiso(fs, dir, "/" + first.name(), number, offset, bytes, label, found);
            for (Ext4DirEntry second : fs.list(dir)) {
                Ext4Inode sub = fs.inode(second.inode());
                if (!second.name().equals(".") && !second.name().equals("..") && sub.isDirectory()) {
                    addArchiso(fs, sub, "/" + first.name() + "/" + second.name(), number, offset, bytes, label,
                            found);
                }
            }
        }
    }

    private static void addArchiso(Ext4Reader fs, Ext4Inode dir, String path, int number, long offset, long bytes,
            String label, List<Found> found) throws IOException {
        boolean upper = false;
        boolean work = false;
        for (Ext4DirEntry entry : fs.list(dir)) {
            upper |= entry.name().equals(ARCHISO_UPPER);
            work |= entry.name().equals("workdir");
        }
        if (upper && work) {
            found.add(new Found(Kind.OVERLAYFS_DIRECTORY, number, offset, bytes, "ext4", label, path + "/" + ARCHISO_UPPER,
                    bytes));
        }
    }

    private static Ext4Inode lookup(Ext4Reader fs, String path) throws IOException {
        try {
            return fs.lookup(path);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Whether an ext2/3/4 superblock magic (0xEF53 at byte 1080) starts at {@code offset}. */
    public static boolean isExt4(BlockDevice device, long offset) throws IOException {
        if (device.size() < offset + EXT4_MAGIC_OFFSET + 2) {
            return false;
        }
        ByteBuffer magic = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
        device.read(magic, offset + EXT4_MAGIC_OFFSET);
        return (magic.getShort(0) & 0xFFFF) == 0xEF53;
    }

    /** "SnAp" at byte 0, or (unless {@code snapOnly}) a zero header: a fresh store. */
    static boolean isDmHeader(BlockDevice device, boolean snapOnly) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        device.read(header, 0);
        int magic = header.getInt(0);
        if (magic == DmSnapshotStore.MAGIC) {
            return true;
        }
        return !snapOnly && magic == 0 && header.getLong(8) == 0;
    }
}
