package org.stickwright.platform.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.platform.Bus;
import org.stickwright.platform.Drive;
import org.stickwright.platform.DriveListing;
import org.stickwright.platform.DrivePartition;

/** Classification of recorded sysfs/procfs/udev trees (see the *.layout files). */
class LinuxDriveScannerTest {
    @TempDir
    Path root;

    private Map<String, Drive> scan(String layout, String javaHome) throws IOException {
        RecordedTree.build(layout, root);
        List<Drive> drives = new LinuxDriveScanner(root, javaHome).drives();
        return drives.stream().collect(Collectors.toMap(Drive::path, Function.identity()));
    }

    @Test
    void usbStickReportingRemovableZeroIsStillRemovableAndNvmeRootIsTheSystemDisk() throws IOException {
        Map<String, Drive> drives = scan("usb-stick-nvme", "/usr/lib/jvm/java-17");

        Drive stick = drives.get("/dev/sdb");
        assertThat(stick.removableFlag()).isFalse();
        assertThat(stick.bus()).isEqualTo(Bus.USB);
        assertThat(stick.removable()).isTrue();
        assertThat(stick.fixed()).isFalse();
        assertThat(stick.system()).isFalse();
        assertThat(stick.vendor()).isEqualTo("SanDisk");
        assertThat(stick.model()).isEqualTo("Cruzer Blade");
        assertThat(stick.serial()).isEqualTo("4C530001230101117034");
        assertThat(stick.size()).isEqualTo(61341696L * 512);
        assertThat(stick.partitions()).containsExactly(new DrivePartition("/dev/sdb1", "MY STICK", "vfat",
                61339648L * 512, List.of("/media/anna/MY STICK")));

        Drive nvme = drives.get("/dev/nvme0n1");
        assertThat(nvme.bus()).isEqualTo(Bus.NVME);
        assertThat(nvme.model()).isEqualTo("Samsung SSD 970 EVO Plus 500GB");
        assertThat(nvme.serial()).isEqualTo("S4EVNX0N123456");
        assertThat(nvme.systemReason()).hasValue("holds the root filesystem /");
        assertThat(nvme.fixed()).isTrue();
        assertThat(nvme.partitions()).extracting(DrivePartition::mountPoints)
                .containsExactly(List.of("/boot/efi"), List.of("/"));
        assertThat(nvme.partitions().get(1).label()).isEqualTo("root");

        assertThat(DriveListing.visible(List.copyOf(drives.values()), false)).extracting(Drive::path)
                .containsExactly("/dev/sdb");
        assertThat(DriveListing.visible(List.copyOf(drives.values()), true)).extracting(Drive::path)
                .containsExactly("/dev/nvme0n1", "/dev/sdb");
    }

    @Test
    void sdCardInBuiltInReaderIsRemovableButEmmcIsFixedAndEmptySlotsAreSkipped() throws IOException {
        Map<String, Drive> drives = scan("sd-card-reader", "/usr/lib/jvm/java-17");

        assertThat(drives).containsOnlyKeys("/dev/sda", "/dev/mmcblk0", "/dev/mmcblk1", "/dev/sdc");
        Drive sd = drives.get("/dev/mmcblk0");
        assertThat(sd.bus()).isEqualTo(Bus.MMC);
        assertThat(sd.removable()).isTrue();
        assertThat(sd.model()).isEqualTo("SC32G");
        assertThat(sd.partitions()).singleElement().satisfies(p -> {
            assertThat(p.fsType()).as("from mountinfo: no udev database").isEqualTo("vfat");
            assertThat(p.label()).isEmpty();
            assertThat(p.mountPoints()).containsExactly("/media/sd");
        });

        Drive emmc = drives.get("/dev/mmcblk1");
        assertThat(emmc.bus()).isEqualTo(Bus.MMC);
        assertThat(emmc.fixed()).isTrue();

        Drive sata = drives.get("/dev/sda");
        assertThat(sata.bus()).isEqualTo(Bus.ATA);
        assertThat(sata.systemReason()).as("mounted as /dev/root: major:minor decides")
                .hasValue("holds the root filesystem /");

        Drive reader = drives.get("/dev/sdc");
        assertThat(reader.removableFlag()).isTrue();
        assertThat(reader.bus()).isEqualTo(Bus.USB);
        assertThat(reader.model()).as("escape, bidi override and zero-width space removed").isEqualTo("Evil[2JReader");
    }

    @Test
    void rootOnLvmAndVarOnMdMarkEveryDiskBeneathThemButNotTheDataDisk() throws IOException {
        Map<String, Drive> drives = scan("lvm-md", "/opt/jdk");

        assertThat(drives).containsOnlyKeys("/dev/sda", "/dev/sdb", "/dev/sdc", "/dev/nvme0n1", "/dev/sdd");
        assertThat(drives.get("/dev/sda").systemReason()).hasValue("holds the root filesystem /");
        assertThat(drives.get("/dev/sdb").systemReason()).hasValue("holds /var");
        assertThat(drives.get("/dev/sdc").systemReason()).hasValue("holds /var");

        Drive data = drives.get("/dev/nvme0n1");
        assertThat(data.system()).isFalse();
        assertThat(data.fixed()).isTrue();
        assertThat(data.hiddenByDefault()).isTrue();

        Drive enclosure = drives.get("/dev/sdd");
        assertThat(enclosure.removableFlag()).isFalse();
        assertThat(enclosure.bus()).as("USB judged by the device path alone").isEqualTo(Bus.USB);
        assertThat(enclosure.hiddenByDefault()).isFalse();
    }

    @Test
    void swapOnLvmAloneMakesItsDiskASystemDisk() throws IOException {
        RecordedTree.build("lvm-md", root);
        // Same machine, but / and /boot live elsewhere: only the swap volume on sda2 remains.
        java.nio.file.Files.writeString(root.resolve("proc/self/mountinfo"),
                "28 1 9:0 / / rw,relatime shared:3 - xfs /dev/md0 rw\n");
        Map<String, Drive> drives = new LinuxDriveScanner(root, "/opt/jdk").drives().stream()
                .collect(Collectors.toMap(Drive::path, Function.identity()));
        assertThat(drives.get("/dev/sda").systemReason()).hasValue("holds active swap /dev/dm-1");
        assertThat(drives.get("/dev/nvme0n1").system()).isFalse();
    }

    @Test
    void loopDevicesAreListedOnlyWithAllAndAFileBackedLoopIsNotASystemDisk() throws IOException {
        Map<String, Drive> drives = scan("loop-virtio", "/usr/lib/jvm/java-17-openjdk-amd64");

        assertThat(drives).as("zram and the detached loop1 are not disks").containsOnlyKeys("/dev/vda", "/dev/loop0");
        Drive vda = drives.get("/dev/vda");
        assertThat(vda.bus()).isEqualTo(Bus.VIRTIO);
        assertThat(vda.vendor()).as("a PCI vendor id is not a name").isEmpty();
        assertThat(vda.serial()).isEqualTo("overlayblk");
        assertThat(vda.mountPoints()).containsExactly("/");
        assertThat(vda.systemReason()).hasValue("holds the root filesystem /");

        Drive loop = drives.get("/dev/loop0");
        assertThat(loop.loop()).isTrue();
        assertThat(loop.bus()).isEqualTo(Bus.LOOP);
        assertThat(loop.system()).isFalse();
        assertThat(loop.model()).isEqualTo("loop device /var/tmp/stick.img");
        assertThat(loop.mounted()).extracting(DrivePartition::path).containsExactly("/dev/loop0p1");

        assertThat(DriveListing.visible(List.copyOf(drives.values()), false)).isEmpty();
        assertThat(DriveListing.visible(List.copyOf(drives.values()), true)).extracting(Drive::path)
                .containsExactly("/dev/vda", "/dev/loop0");
    }

    @Test
    void javaHomeOnAnotherDiskMakesThatDiskASystemDisk() throws IOException {
        Map<String, Drive> drives = scan("lvm-md", "/data/jdk-17");
        assertThat(drives.get("/dev/nvme0n1").systemReason()).hasValue("holds the running Java runtime (/data/jdk-17)");
    }

    @Test
    void liveSessionProtectsItsBootStickAndSquashfsLoopAndBtrfsSwapFile() throws IOException {
        Map<String, Drive> drives = scan("live-btrfs", "/usr/lib/jvm/java-17");

        assertThat(drives.get("/dev/sdb").systemReason())
                .hasValue("holds the medium the running live system booted from (/run/live/medium)");
        assertThat(drives.get("/dev/loop0").systemReason())
                .hasValue("holds a layer of the root filesystem (/run/live/rootfs/filesystem.squashfs/)");
        assertThat(drives.get("/dev/nvme0n1").systemReason()).as("btrfs: 0:N device, judged by its source")
                .hasValue("holds active swap /mnt/home/swapfile");
        assertThat(drives.get("/dev/nvme0n1").partitions().get(1).mountPoints()).containsExactly("/mnt/home");

        Drive target = drives.get("/dev/sdc");
        assertThat(target.system()).isFalse();
        assertThat(DriveListing.visible(List.copyOf(drives.values()), false)).extracting(Drive::path)
                .containsExactly("/dev/sdc");
    }

    @Test
    void anEmptyRootYieldsNoDrives(@TempDir Path empty) throws IOException {
        assertThat(new LinuxDriveScanner(empty, "/usr").drives()).isEmpty();
    }
}
