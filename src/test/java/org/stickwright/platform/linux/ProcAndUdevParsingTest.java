package org.stickwright.platform.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.platform.Drive;
import org.stickwright.platform.linux.MountInfo.Mount;

class ProcAndUdevParsingTest {
    @Test
    void mountinfoKeepsDeviceNumbersUnescapesPathsAndSkipsGarbage() {
        List<Mount> mounts = MountInfo.parse("""
                27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
                88 45 8:17 / /media/a/MY\\040STICK\\011tab rw shared:40 master:2 - vfat /dev/sdb1 rw,uid=1000
                garbage line
                12 1 x:y / /bad rw - ext4 /dev/x rw
                13 1 8:1 / /nosep rw ext4 /dev/sda1 rw
                60 30 0:45 /@home /mnt/home rw - btrfs /dev/nvme0n1p2 rw,subvol=/@home
                """);
        assertThat(mounts).containsExactly(
                new Mount(254, 0, "/", "ext4", "/dev/vda", "rw,discard"),
                new Mount(8, 17, "/media/a/MY STICK\ttab", "vfat", "/dev/sdb1", "rw,uid=1000"),
                new Mount(0, 45, "/mnt/home", "btrfs", "/dev/nvme0n1p2", "rw,subvol=/@home"));
        assertThat(MountInfo.unescape("a\\134b\\04")).isEqualTo("a\\b\\04");
    }

    @Test
    void longestMountPointPrefixHoldsAPathAndLaterMountsHideEarlierOnes() {
        List<Mount> mounts = List.of(new Mount(8, 1, "/", "ext4", "/dev/sda1", ""),
                new Mount(8, 2, "/boot", "ext4", "/dev/sda2", ""),
                new Mount(8, 3, "/boot", "ext4", "/dev/sda3", ""),
                new Mount(8, 4, "/bo", "ext4", "/dev/sda4", ""));
        assertThat(LinuxDriveScanner.mountHolding(mounts, "/boot/efi").source()).isEqualTo("/dev/sda3");
        assertThat(LinuxDriveScanner.mountHolding(mounts, "/bootx").source()).isEqualTo("/dev/sda1");
        assertThat(LinuxDriveScanner.mountHolding(mounts, "/bo").source()).isEqualTo("/dev/sda4");
        assertThat(LinuxDriveScanner.mountHolding(List.of(), "/")).isNull();
    }

    @Test
    void swapsListPartitionsAndFiles() {
        assertThat(SwapTable.parse("""
                Filename				Type		Size		Used		Priority
                /dev/dm-1                               partition	8388604		0		-2
                /swap\\040file                           file		4194300		0		-3
                """)).containsExactly(new SwapTable.Swap("/dev/dm-1", false), new SwapTable.Swap("/swap file", true));
        assertThat(SwapTable.parse("")).isEmpty();
    }

    @Test
    void overlayLayersComeFromLowerUpperAndWorkDirs() {
        assertThat(LinuxDriveScanner.overlayLayers("rw,lowerdir=/a:/b/c,upperdir=/u/rw,workdir=/u/work,xino=off"))
                .containsExactly("/a", "/b/c", "/u/rw", "/u/work");
        assertThat(LinuxDriveScanner.overlayLayers("rw")).isEmpty();
    }

    @Test
    void udevEncodedValuesDecodeAsUtf8() {
        assertThat(UdevDatabase.decode("MY\\x20STICK")).isEqualTo("MY STICK");
        assertThat(UdevDatabase.decode("caf\\xc3\\xa9\\x2fx")).isEqualTo("café/x");
        assertThat(UdevDatabase.decode("broken\\x4")).isEqualTo("broken\\x4");
        assertThat(UdevDatabase.decode("\ud83d\udcbe\\x21")).isEqualTo("\ud83d\udcbe!");
        assertThat(UdevDatabase.decode(null)).isNull();
    }

    @Test
    void partitionsAreListedByPartitionNumberNotDirectoryOrder(@TempDir Path root) throws IOException {
        RecordedTree.build("lvm-md", root);
        Path sdd = root.resolve("sys/block/sdd");
        for (int n = 2; n <= 12; n++) {
            Path part = Files.createDirectories(sdd.resolve("sdd" + n));
            Files.writeString(part.resolve("partition"), n + "\n");
            Files.writeString(part.resolve("dev"), "8:" + (48 + n) + "\n");
            Files.writeString(part.resolve("size"), "2048\n");
        }
        Drive disk = new LinuxDriveScanner(root, "/opt/jdk").drives().stream()
                .filter(d -> d.path().equals("/dev/sdd")).findFirst().orElseThrow();
        assertThat(disk.partitions()).extracting(p -> p.path().substring("/dev/sdd".length()))
                .containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12");
    }

    @Test
    void aSlavesCycleInACorruptTreeEndsInsteadOfHanging(@TempDir Path root) throws IOException {
        RecordedTree.build("lvm-md", root);
        Path dm0 = root.resolve("sys/devices/virtual/block/dm-0/slaves");
        Path dm1 = root.resolve("sys/devices/virtual/block/dm-1/slaves");
        Files.delete(dm0.resolve("sda2"));
        Files.delete(dm1.resolve("sda2"));
        Files.createDirectory(dm0.resolve("dm-1"));
        Files.createDirectory(dm1.resolve("dm-0"));
        List<Drive> drives = new LinuxDriveScanner(root, "/opt/jdk").drives();
        assertThat(drives).filteredOn(d -> d.path().equals("/dev/sda")).singleElement()
                .satisfies(sda -> assertThat(sda.systemReason()).as("still holds /boot").hasValue("holds /boot"));
    }
}
