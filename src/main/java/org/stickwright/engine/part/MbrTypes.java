package org.stickwright.engine.part;

/** MBR partition type bytes Stickwright writes or recognises. */
public final class MbrTypes {
    /** exFAT and NTFS share this byte; the filesystem's own boot sector tells them apart. */
    public static final int EXFAT_NTFS = 0x07;
    /** FAT32 addressed by LBA (Windows and every firmware accept it). */
    public static final int FAT32_LBA = 0x0C;
    /** Linux native filesystem (ext4 persistence). */
    public static final int LINUX = 0x83;
    /** Written by isohybrid tools for the ISO 9660 partition on some images. */
    public static final int ISO_HYBRID_CD = 0xCD;
    /** The whole disk belongs to a GPT: the one entry of a protective MBR. */
    public static final int GPT_PROTECTIVE = 0xEE;
    /** EFI System Partition (a FAT image the firmware may boot from). */
    public static final int EFI_SYSTEM = 0xEF;

    private MbrTypes() {
    }
}
