package org.stickwright.platform.windows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.stickwright.platform.Bus;
import org.stickwright.platform.Drive;
import org.stickwright.platform.TargetKind;
import org.stickwright.platform.oshi.DiskFacts;
import org.stickwright.platform.windows.Win32Errors.Phase;

/** The pure logic of the Windows leaf: paths, error mapping, classification, alignment. */
class WindowsLogicTest {
    @Test
    void physicalDrivePathsAreRecognisedAndNormalised() {
        assertThat(WindowsPaths.physicalDriveNumber("\\\\.\\PhysicalDrive1")).hasValue(1);
        assertThat(WindowsPaths.physicalDriveNumber("\\\\.\\PHYSICALDRIVE12")).hasValue(12);
        assertThat(WindowsPaths.physicalDriveNumber("\\\\?\\physicaldrive0")).hasValue(0);
        assertThat(WindowsPaths.physicalDriveNumber("\\\\.\\PhysicalDrive01")).isEmpty();
        assertThat(WindowsPaths.physicalDriveNumber("\\\\.\\PhysicalDrive")).isEmpty();
        assertThat(WindowsPaths.physicalDriveNumber("\\\\.\\PhysicalDrive1\\x")).isEmpty();
        assertThat(WindowsPaths.physicalDriveNumber("C:\\PhysicalDrive1")).isEmpty();
        assertThat(WindowsPaths.physicalDrive(3)).isEqualTo("\\\\.\\PhysicalDrive3");
        assertThat(WindowsPaths.volumeLetter("e:")).isEqualTo("E");
        assertThat(WindowsPaths.volumeLetter("E:\\")).isEqualTo("E");
        assertThat(WindowsPaths.volumeLetter("\\\\.\\F:")).isEqualTo("F");
        assertThat(WindowsPaths.volumeLetter("E:\\images\\x.img")).isNull();
    }

    @Test
    void resolverSeparatesDisksVolumesAndFiles() {
        WindowsTargetResolver resolver = new WindowsTargetResolver();
        assertThat(resolver.resolve("\\\\.\\physicaldrive2")).isEqualTo(new TargetKind.WholeDisk("\\\\.\\PhysicalDrive2"));
        assertThat(resolver.resolve("E:")).isEqualTo(new TargetKind.Partition("E:", null));
        assertThat(resolver.resolve("\\\\.\\CdRom0")).isInstanceOf(TargetKind.Unusable.class);
        assertThat(resolver.resolve("stick.img")).isInstanceOf(TargetKind.ImageFile.class);
    }

    @Test
    void errorsBeforeWritingAreRefusalsAndDuringWritingIoErrors() {
        assertThat(Win32Errors.exitCode(Win32Errors.ERROR_ACCESS_DENIED, Phase.PREPARE)).isEqualTo(3);
        assertThat(Win32Errors.exitCode(Win32Errors.ERROR_ACCESS_DENIED, Phase.TRANSFER)).isEqualTo(4);
        assertThat(Win32Errors.exitCode(Win32Errors.ERROR_SHARING_VIOLATION, Phase.PREPARE)).isEqualTo(3);
        assertThat(Win32Errors.exitCode(Win32Errors.ERROR_LOCK_VIOLATION, Phase.PREPARE)).isEqualTo(3);
        assertThat(Win32Errors.exitCode(Win32Errors.ERROR_WRITE_PROTECT, Phase.PREPARE)).isEqualTo(3);
        assertThat(Win32Errors.exitCode(Win32Errors.ERROR_FILE_NOT_FOUND, Phase.PREPARE)).isEqualTo(2);
        for (int code : new int[] {Win32Errors.ERROR_NOT_READY, Win32Errors.ERROR_CRC, Win32Errors.ERROR_SECTOR_NOT_FOUND,
                Win32Errors.ERROR_DISK_FULL, Win32Errors.ERROR_INVALID_PARAMETER, Win32Errors.ERROR_DEVICE_NOT_CONNECTED}) {
            assertThat(Win32Errors.exitCode(code, Phase.PREPARE)).isEqualTo(4);
            assertThat(Win32Errors.exitCode(code, Phase.TRANSFER)).isEqualTo(4);
        }
        WindowsDiskException e = Win32Errors.failure(Win32Errors.ERROR_CRC, Phase.TRANSFER, "\\\\.\\PhysicalDrive2",
                "write at byte 1048576");
        assertThat(e.getMessage()).isEqualTo("\\\\.\\PhysicalDrive2: write at byte 1048576 failed: data error"
                + " (cyclic redundancy check): the medium is failing (Win32 error 23)");
        assertThat(e.exitCode()).isEqualTo(4);
        assertThat(e.win32Error()).isEqualTo(23);
        assertThat(Win32Errors.explain(Win32Errors.ERROR_WRITE_PROTECT)).contains("write-protected");
        assertThat(Win32Errors.explain(Win32Errors.ERROR_DISK_FULL)).contains("larger than the disk");
        assertThat(Win32Errors.explain(Win32Errors.ERROR_SHARING_VIOLATION)).contains("in use");
        assertThat(Win32Errors.explain(999_999)).isEqualTo("unexpected error");
    }

    @Test
    void busTypesMapToOurBuses() {
        assertThat(new StorageInfo(7, false).bus()).isEqualTo(Bus.USB);
        assertThat(new StorageInfo(11, false).bus()).isEqualTo(Bus.ATA);
        assertThat(new StorageInfo(17, false).bus()).isEqualTo(Bus.NVME);
        assertThat(new StorageInfo(12, true).bus()).isEqualTo(Bus.MMC);
        assertThat(new StorageInfo(10, false).bus()).isEqualTo(Bus.SCSI);
        assertThat(new StorageInfo(14, false).bus()).isEqualTo(Bus.OTHER);
    }

    private static final List<VolumeInfo> VOLUMES = List.of(
            new VolumeInfo("\\\\?\\Volume{aaaa}", List.of(0), List.of("C:\\")),
            new VolumeInfo("\\\\?\\Volume{bbbb}", List.of(0), List.of()), // recovery partition, no letter
            new VolumeInfo("\\\\?\\Volume{cccc}", List.of(1, 2), List.of("D:\\")), // spanned over disks 1 and 2
            new VolumeInfo("\\\\?\\Volume{dddd}", List.of(3), List.of("E:\\")),
            new VolumeInfo("\\\\?\\Volume{eeee}", List.of(3), List.of("F:\\", "C:\\mnt\\stick\\")));

    @Test
    void systemDiskIsWhereTheSystemVolumeAndTheJvmLive() {
        List<DiskFacts> facts = List.of(
                new DiskFacts("\\\\.\\PHYSICALDRIVE0", "Samsung SSD 980", "S1", 500L << 30, "SSD", List.of()),
                new DiskFacts("\\\\.\\PHYSICALDRIVE1", "WDC WD20", "S2", 2000L << 30, "HDD", List.of()),
                new DiskFacts("\\\\.\\PHYSICALDRIVE2", "WDC WD20", "S3", 2000L << 30, "HDD", List.of()),
                new DiskFacts("\\\\.\\PHYSICALDRIVE3", "SanDisk Cruzer Blade USB Device", "S4", 16L << 30, "HDD",
                        List.of(new DiskFacts.PartitionFacts("Disk #3, Partition #0", "STICK", "FAT32", 8L << 30, "E:\\"))));
        Map<Integer, StorageInfo> storage = Map.of(0, new StorageInfo(17, false), 1, new StorageInfo(11, false),
                2, new StorageInfo(11, false), 3, new StorageInfo(7, false));

        List<Drive> drives = WindowsDriveClassifier.classify(facts, storage, VOLUMES, "C:", "D:\\Java\\jdk-17");
        assertThat(drives).extracting(Drive::path).containsExactly("\\\\.\\PhysicalDrive0", "\\\\.\\PhysicalDrive1",
                "\\\\.\\PhysicalDrive2", "\\\\.\\PhysicalDrive3");
        assertThat(drives.get(0).systemReason()).hasValue("holds the Windows system volume C:");
        assertThat(drives.get(1).systemReason()).hasValue("holds the running Java runtime (D:\\Java\\jdk-17)");
        assertThat(drives.get(2).systemReason()).as("the other half of the spanned volume").isPresent();
        Drive stick = drives.get(3);
        assertThat(stick.system()).as("a folder mount under C:\\ does not make the stick a system disk").isFalse();
        assertThat(stick.bus()).isEqualTo(Bus.USB);
        assertThat(stick.removable()).as("fixed media flag 0, yet USB").isTrue();
        assertThat(stick.mounted()).singleElement().satisfies(p -> assertThat(p.mountPoints()).containsExactly("E:\\"));
    }

    @Test
    void everyVolumeWithAnExtentOnTheTargetIsLocked() {
        assertThat(WindowsDriveClassifier.volumesOn(VOLUMES, 3)).extracting(VolumeInfo::devicePath)
                .containsExactly("\\\\?\\Volume{dddd}", "\\\\?\\Volume{eeee}");
        assertThat(WindowsDriveClassifier.volumesOn(VOLUMES, 2)).extracting(VolumeInfo::devicePath)
                .containsExactly("\\\\?\\Volume{cccc}");
        assertThat(WindowsDriveClassifier.volumesOn(VOLUMES, 7)).isEmpty();
    }

    @Test
    void transfersMustBeSectorAlignedAndPositionsSplitIntoOverlappedHalves() {
        assertThat(TransferAlignment.problem(1 << 20, 4 << 20, 0x10000, 512)).isNull();
        assertThat(TransferAlignment.problem(1000, 512, 0x10000, 512)).contains("position 1000");
        assertThat(TransferAlignment.problem(4096, 1000, 0x10000, 4096)).contains("length 1000");
        assertThat(TransferAlignment.problem(4096, 4096, 0x10010, 4096)).contains("address");
        long position = 0x1_2345_6000L;
        assertThat(TransferAlignment.offsetLow(position)).isEqualTo(0x2345_6000);
        assertThat(TransferAlignment.offsetHigh(position)).isEqualTo(1);
        long big = 0xFFFF_FFFF_0000_0000L >>> 1;
        assertThat(((long) TransferAlignment.offsetHigh(big) << 32) | (TransferAlignment.offsetLow(big) & 0xFFFF_FFFFL))
                .isEqualTo(big);
    }
}
