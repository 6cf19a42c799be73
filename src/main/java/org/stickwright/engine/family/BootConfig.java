/*
 * A boot configuration file found on the ISO, with the firmware path that really reads it.
 * Which file a loader reads differs per family (see package-info): Fedora's signed GRUB reads
 * EFI/BOOT/grub.cfg next to itself (on ISO 9660 for optical and isohybrid-MBR boots, inside the
 * EFI image on a GPT stick); Debian's and Ubuntu's signed GRUB searches /.disk/info and reads
 * /boot/grub/grub.cfg on ISO 9660; archiso's systemd-boot reads loader/entries in the FAT image
 * it started from.
 */
package org.stickwright.engine.family;

import java.util.List;
import java.util.Set;

/**
 * A boot configuration and the kernel lines in it.
 *
 * @param path        path of the file: in the ISO 9660 tree, or inside the EFI image
 * @param insideEfiImage the file lies inside {@link LiveFamily#efiImage()} (its FAT), not on ISO 9660
 * @param loader      which boot loader reads it
 * @param firmware    which firmware boots through it (BIOS, UEFI, both)
 * @param read        whether its lines were read (files inside the EFI image are not, yet)
 * @param kernelLines the kernel command lines found in it, in file order
 */
public record BootConfig(String path, boolean insideEfiImage, Loader loader, Set<Firmware> firmware, boolean read,
        List<KernelLine> kernelLines) {

    /** The boot loader that reads a configuration. */
    public enum Loader { SYSLINUX, GRUB, SYSTEMD_BOOT }

    /** The firmware interface a configuration serves. */
    public enum Firmware { BIOS, UEFI }

    public BootConfig {
        firmware = Set.copyOf(firmware);
        kernelLines = List.copyOf(kernelLines);
    }

    /** Where the file is, for people: "/boot/grub/grub.cfg" or "inside EFI image /images/efiboot.img: /EFI/BOOT/grub.cfg". */
    public String describeLocation(EfiImage efiImage) {
        if (!insideEfiImage) {
            return path;
        }
        return "inside EFI image " + (efiImage == null ? "?" : efiImage.path()) + ": " + path;
    }
}
