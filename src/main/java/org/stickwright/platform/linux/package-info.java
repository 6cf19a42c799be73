/**
 * Linux leaf: disks from sysfs, mounts from /proc/self/mountinfo, swap from /proc/swaps,
 * names and labels from udev's database, and umount2(2) through JNA. Everything is read below
 * a root directory so that recorded trees test it.
 *
 * <p>How a mount leads to a disk, with real numbers from a machine whose root is on LVM:
 *
 * <pre>
 * mountinfo: 26 1 253:0 / / rw - ext4 /dev/mapper/vg0-root rw
 *   253:0 → /sys/block/dm-0 (dev = 253:0), dm/name = vg0-root
 *   dm-0/slaves/sda2 → sda2 is a partition (sys/block/sda/sda2/partition exists)
 *   → its parent directory sda → /dev/sda is the system disk
 * </pre>
 *
 * btrfs reports an anonymous device (0:45) in mountinfo; there the source
 * ({@code /dev/nvme0n1p2}) names the partition instead.
 */
package org.stickwright.platform.linux;
