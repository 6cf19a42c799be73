/**
 * Drive enumeration through OSHI ({@code SystemInfo().getHardware().getDiskStores()}), joined
 * with our own classification: OSHI has names, models, serials, sizes and partitions on every
 * OS, but no bus type, no idea of the system disk, and on Linux no loop devices.
 */
package org.stickwright.platform.oshi;
