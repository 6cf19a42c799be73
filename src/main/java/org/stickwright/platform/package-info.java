/**
 * The OS seam for disks: what drives exist, which of them may be written, and how mounts are
 * taken away. Interfaces and pure logic live here; OS leaves live in {@code linux},
 * {@code windows} and {@code oshi}. Only this package tree touches JNA and OSHI.
 *
 * <p>The safety rules (design §5) are decided in one place, {@link org.stickwright.platform.TargetPolicy}:
 *
 * <pre>
 * TARGET ──TargetResolver──▶ ImageFile            → allowed (no drive, no prompt)
 *                           Unusable (dir, /dev/null)→ refused, exit 2
 *                           Partition of a disk   → refused, exit 3 (system disk named as such)
 *                           WholeDisk ──DriveSource──▶ system disk  → refused, exit 3, always
 *                                                    fixed, no flag → refused, exit 3
 *                                                    otherwise      → allowed + prompt text
 *                                                                     + mounts needing consent
 * </pre>
 *
 * A worked example, the laptop recorded in {@code usb-stick-nvme.layout}: {@code /dev/sdb}
 * reports {@code removable=0}, but its sysfs node resolves to
 * {@code /sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/...}, so its bus is USB and it is
 * offered; {@code /dev/nvme0n1p2} (259:2) is mounted at / in mountinfo, so
 * {@code /dev/nvme0n1} is the system disk and is never offered.
 */
package org.stickwright.platform;
