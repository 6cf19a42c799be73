package org.stickwright.platform.windows;

import org.stickwright.platform.Bus;

/**
 * What IOCTL_STORAGE_QUERY_PROPERTY (StorageDeviceProperty) says about a disk: the
 * STORAGE_BUS_TYPE and the RemovableMedia flag.
 */
public record StorageInfo(int busType, boolean removableMedia) {
    public static final int BUS_TYPE_SCSI = 1;
    public static final int BUS_TYPE_ATAPI = 2;
    public static final int BUS_TYPE_ATA = 3;
    public static final int BUS_TYPE_1394 = 4;
    public static final int BUS_TYPE_USB = 7;
    public static final int BUS_TYPE_RAID = 8;
    public static final int BUS_TYPE_ISCSI = 9;
    public static final int BUS_TYPE_SAS = 10;
    public static final int BUS_TYPE_SATA = 11;
    public static final int BUS_TYPE_SD = 12;
    public static final int BUS_TYPE_MMC = 13;
    public static final int BUS_TYPE_VIRTUAL = 14;
    public static final int BUS_TYPE_FILE_BACKED_VIRTUAL = 15;
    public static final int BUS_TYPE_NVME = 17;
    public static final int BUS_TYPE_UFS = 19;

    /** Our bus for a STORAGE_BUS_TYPE value. */
    public Bus bus() {
        switch (busType) {
            case BUS_TYPE_USB:
                return Bus.USB;
            case BUS_TYPE_ATA:
            case BUS_TYPE_ATAPI:
            case BUS_TYPE_SATA:
                return Bus.ATA;
            case BUS_TYPE_SCSI:
            case BUS_TYPE_SAS:
            case BUS_TYPE_ISCSI:
            case BUS_TYPE_RAID:
                return Bus.SCSI;
            case BUS_TYPE_NVME:
                return Bus.NVME;
            case BUS_TYPE_SD:
            case BUS_TYPE_MMC:
                return Bus.MMC;
            default:
                return Bus.OTHER;
        }
    }
}
