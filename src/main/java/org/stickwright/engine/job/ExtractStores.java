/*
 * The persistence stores of an extract-mode stick, per family (reference/persistence-mechanisms.md
 * §0-§6), and what each holds when it is made. A store is either a file on the FAT32 partition
 * (each under FAT's 4 GiB limit) or an ext4 partition after it:
 *
 *   Fedora nested   LiveOS/overlay-<FATLABEL>-<FATUUID>   dm-snapshot COW store: only its first
 *                   64 KiB are written (zero = "no valid header": dracut's snapshot target starts
 *                   a new store), size a multiple of 4 KiB. Example for label FEDORA-SWNE and
 *                   serial 0x1A2B3C4D: LiveOS/overlay-FEDORA-SWNE-1A2B-3C4D.
 *   Fedora flat     the same name, an ext4 image holding the directories overlayfs/ and ovlwork/
 *                   (dracut loop-mounts it and uses them as upper and work directory; the kernel
 *                   line carries rd.live.overlay.overlayfs).
 *   Fedora home     LiveOS/home.img, an empty ext4 image (livesys mounts it on /home).
 *   Debian          ext4 partition labelled "persistence" with persistence.conf "/ union"
 *                   (live-boot skips the partition it booted from, so never a file on the FAT);
 *                   home: ext4 partition "home-rw" with "/home", entries say
 *                   persistence-label=persistence,home-rw; a profile NAME: its own partition
 *                   labelled NAME (as in hybrid mode: HybridStores decides these).
 *   archiso, SR     one ext4 partition labelled "persistence": persistent/{upperdir,workdir}
 *                   and NAME/{upperdir,workdir} per profile (cow_label=persistence
 *                   cow_directory=persistent|NAME); FAT32 cannot be an overlayfs upper layer.
 *   Ubuntu          a file /writable: ext4 image labelled "writable" (casper creates upper/ and
 *                   work/ itself); home: /home-rw, labelled "home-rw".
 *   any store of 4 GiB or more becomes an ext4 partition holding the same tree (Fedora: the
 *   directory LiveOS/overlay-<slug> with LiveOS/ovlwork beside it).
 */
package org.stickwright.engine.job;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.stickwright.engine.ext.Ext4Entry;

/** One persistence store of an extract-mode plan and the ext4 tree it gets. */
public final class ExtractStores {
    private ExtractStores() {
    }

    /** FAT32 cannot hold a file of 4 GiB or more. */
    public static final long FAT_FILE_LIMIT = 0xFFFF_FFFFL;
    /** dracut's dm-snapshot store: a zeroed first chunk (64 KiB) marks a new, empty store. */
    public static final int DM_STORE_HEADER = 64 * 1024;

    /** How a store is made. */
    public enum Kind {
        /** A dm-snapshot COW file: only the first 64 KiB are written (zeros). */
        DM_SNAPSHOT_FILE,
        /** An ext4 image file on the FAT partition. */
        EXT4_FILE,
        /** An ext4 partition after the FAT partition. */
        EXT4_PARTITION
    }

    /**
     * A store.
     *
     * @param role      persistence, home or profile:NAME (as in {@link CreatePlan.PlannedFile})
     * @param kind      file or partition, and which format
     * @param size      bytes (a multiple of 4 KiB for files; whole MiB for partitions)
     * @param path      the file's path on the FAT partition, or null for a partition
     * @param fsLabel   the ext4 label, or null for a dm-snapshot store
     * @param fsUuid    the ext4 UUID, or null for a dm-snapshot store
     * @param entries   the tree the ext4 filesystem starts with
     */
    public record Store(String role, Kind kind, long size, String path, String fsLabel, UUID fsUuid,
            List<Ext4Entry> entries) {
        public Store {
            entries = List.copyOf(entries);
        }

        public boolean onFat() {
            return kind != Kind.EXT4_PARTITION;
        }
    }

    /** An embedded overlay filesystem for dracut: the upper and work directories at its root. */
    public static List<Ext4Entry> dracutEmbeddedOverlay() {
        return List.of(Ext4Entry.directory("/overlayfs", 0755), Ext4Entry.directory("/ovlwork", 0755));
    }

    /** A dracut overlay directory on an ext4 partition: {@code /LiveOS/<name>} and its sister ovlwork. */
    public static List<Ext4Entry> dracutOverlayDirectory(String liveDir, String name) {
        return List.of(Ext4Entry.directory("/" + liveDir, 0755), Ext4Entry.directory("/" + liveDir + "/" + name, 0755),
                Ext4Entry.directory("/" + liveDir + "/ovlwork", 0755));
    }

    /** live-boot's store: persistence.conf saying the whole root is a union. */
    public static List<Ext4Entry> liveBootUnion() {
        return List.of(Ext4Entry.file("/persistence.conf", 0644, "/ union\n".getBytes(StandardCharsets.US_ASCII)));
    }

    /** Sizes of files round up to whole 4 KiB blocks (dm-snapshot and ext4 both count in them). */
    public static long fileSize(long requested) {
        return (requested + 4095) / 4096 * 4096;
    }
}
