package org.stickwright.engine.part;

import java.util.UUID;

/** GPT partition type GUIDs Stickwright writes or recognises (text form, as the UEFI spec prints them). */
public final class GptTypes {
    /** Marks an unused slot. */
    public static final UUID UNUSED = new UUID(0, 0);
    /** EFI System Partition. */
    public static final UUID EFI_SYSTEM = UUID.fromString("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    /** Microsoft basic data: FAT32, exFAT, NTFS; xorriso also labels the ISO 9660 partition so. */
    public static final UUID MICROSOFT_BASIC_DATA = UUID.fromString("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7");
    /** Linux filesystem data (ext4 persistence). */
    public static final UUID LINUX_FILESYSTEM = UUID.fromString("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
    /** BIOS boot partition (GRUB's core.img on GPT disks). */
    public static final UUID BIOS_BOOT = UUID.fromString("21686148-6449-6E6F-744E-656564454649");

    private GptTypes() {
    }
}
