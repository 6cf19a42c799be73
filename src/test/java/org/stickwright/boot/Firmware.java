package org.stickwright.boot;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The firmware a test stick boots under. SeaBIOS is QEMU's built-in BIOS (it boots the stick's
 * MBR code: isolinux or GRUB i386-pc); OVMF is UEFI (it boots {@code EFI/BOOT/BOOTX64.EFI} from
 * the stick's EFI system partition). OVMF needs a writable copy of its variable store per boot.
 */
public enum Firmware {
    SEABIOS,
    OVMF;

    /** Debian's ovmf package: the 4 MiB code image and its empty variable store. */
    static final Path OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    static final Path OVMF_VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");

    /** True when the files this firmware needs are installed. */
    public boolean installed() {
        return this == SEABIOS || (Files.isReadable(OVMF_CODE) && Files.isReadable(OVMF_VARS));
    }
}
