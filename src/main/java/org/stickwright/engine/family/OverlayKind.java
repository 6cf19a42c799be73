/*
 * The three ways dracut keeps a persistent overlay (dmsquash-live-root.sh): a raw device-mapper
 * snapshot COW store in a file (header magic "SnAp"), usable only when the squashfs nests an
 * ext4 rootfs.img that the snapshot can sit on; an overlayfs upper directory
 * LiveOS/overlay-<LABEL>-<UUID> with LiveOS/ovlwork beside it on a POSIX filesystem; or an
 * embedded filesystem image of that name holding /overlayfs and /ovlwork (for FAT partitions).
 * The two overlayfs kinds need rd.live.overlay.overlayfs on the kernel line.
 */
package org.stickwright.engine.family;

/** A kind of persistent overlay dracut can use. */
public enum OverlayKind {
    /** A device-mapper snapshot COW file (nested root images only). */
    DM_SNAPSHOT,
    /** An overlayfs upper directory on an ext4 (or other POSIX) partition. */
    OVERLAYFS_DIRECTORY,
    /** An embedded ext4 image file holding the overlayfs upper and work directories. */
    OVERLAYFS_EMBEDDED_IMAGE
}
