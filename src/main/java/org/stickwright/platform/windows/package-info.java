/**
 * Windows leaf through JNA: {@code \\.\PhysicalDriveN} raw access, volume lock and dismount,
 * and the queries that classify disks (STORAGE_DEVICE_DESCRIPTOR.BusType 7 = USB; the system
 * disk from the system volume's VOLUME_DISK_EXTENTS). It cannot run on the Linux CI machine,
 * so every piece of pure logic — ioctl codes, structure layouts, error mapping, classification,
 * transfer alignment — is separate and unit-tested there.
 *
 * <p>Example: IOCTL_STORAGE_QUERY_PROPERTY = CTL_CODE(0x2D, 0x500, 0, 0) = 0x2D0000 | 0x1400 =
 * 0x2D1400. Asked with STORAGE_PROPERTY_QUERY {PropertyId 0, QueryType 0}, a SanDisk stick
 * answers a STORAGE_DEVICE_DESCRIPTOR whose bytes 28..31 hold BusType 07 00 00 00 and whose
 * byte 10 (RemovableMedia) is 00 or 01 depending on its firmware; its strings follow the
 * 40-byte header at the offsets in bytes 12..27.
 */
package org.stickwright.platform.windows;
