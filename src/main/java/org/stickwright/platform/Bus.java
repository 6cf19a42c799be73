package org.stickwright.platform;

/**
 * How a disk is attached. Only {@link #USB} changes a safety decision (a USB disk counts as
 * removable even when its removable flag is 0); the rest is shown to the user.
 */
public enum Bus {
    USB, ATA, SCSI, NVME, MMC, VIRTIO, LOOP, OTHER;

    /** The lower-case name used in tables and JSON ({@code usb}, {@code nvme}...). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
