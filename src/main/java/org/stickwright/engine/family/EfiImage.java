/*
 * The El Torito catalog's EFI entry (platform 0xEF) points at a FAT12/16/32 image by its first
 * 2048-byte block; the file in the ISO 9660 tree whose data starts at that block names it:
 * images/efiboot.img (Fedora lorax), boot/grub/efi.img (Debian, Ubuntu), EFI/archiso/efiboot.img
 * (Arch, SystemRescue). On an isohybrid stick the same bytes are also MBR/GPT partition 2.
 */
package org.stickwright.engine.family;

/**
 * The EFI system image an ISO boots UEFI firmware from.
 *
 * @param path   its path in the ISO 9660 tree, e.g. "/images/efiboot.img"
 * @param offset byte offset of its data on the ISO
 * @param length its length in bytes
 */
public record EfiImage(String path, long offset, long length) {
}
