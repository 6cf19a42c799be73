/*
 * dracut's dmsquash-live accepts two shapes of LiveOS/squashfs.img. Older Fedora (and
 * livecd-creator) nested a whole ext4 filesystem: the squashfs holds one file,
 * LiveOS/rootfs.img, which dracut loop-mounts and can put a device-mapper snapshot on (a
 * "SnAp" COW file as persistence). Newer lorax builds are flat: the squashfs is the root tree
 * itself (/etc/os-release at its top), so only an overlayfs overlay can sit on it. Fedora 42+
 * may ship an EROFS image under the same name (magic E2 E1 F5 E0 at byte 1024): also flat.
 */
package org.stickwright.engine.family;

/** What a dracut live root image holds, which decides the overlays dracut can put on it. */
public enum RootImageLayout {
    /** squashfs holding LiveOS/rootfs.img (an ext4 image): dm-snapshot and overlayfs overlays. */
    NESTED_ROOTFS_IMG,
    /** squashfs holding the root tree directly: overlayfs overlays only. */
    FLAT_SQUASHFS,
    /** EROFS holding the root tree: overlayfs overlays only. */
    FLAT_EROFS,
    /** Neither squashfs nor EROFS, or stored in pieces we cannot present as one device. */
    UNRECOGNISED;

    /** For people: "nested (LiveOS/rootfs.img inside the squashfs)", "flat squashfs", ... */
    public String describe() {
        return switch (this) {
            case NESTED_ROOTFS_IMG -> "nested: LiveOS/rootfs.img inside the squashfs";
            case FLAT_SQUASHFS -> "flat squashfs";
            case FLAT_EROFS -> "flat EROFS";
            case UNRECOGNISED -> "not squashfs or EROFS";
        };
    }

    /** Whether dracut can set up a device-mapper snapshot (a COW file) over this image. */
    public boolean allowsDmSnapshot() {
        return this == NESTED_ROOTFS_IMG;
    }
}
