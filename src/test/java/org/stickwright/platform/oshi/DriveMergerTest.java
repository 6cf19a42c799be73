package org.stickwright.platform.oshi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.stickwright.platform.Bus;
import org.stickwright.platform.Drive;
import org.stickwright.platform.DrivePartition;

class DriveMergerTest {
    private static final Drive SCANNED = new Drive("/dev/sdb", "SanDisk", "Cruzer Blade", "", 1L << 30, false, Bus.USB,
            false, Optional.empty(), List.of(), List.of(
                    new DrivePartition("/dev/sdb1", "", "", 1L << 29, List.of("/media/x")),
                    new DrivePartition("/dev/sdb2", "KEEP", "ext4", 1L << 29, List.of())));

    @Test
    void oshiFillsOnlyWhatTheSysfsScanLeftBlankAndNeverTheClassification() {
        DiskFacts facts = new DiskFacts("/dev/sdb", "Cruzer_Blade", "4C53\u001b0001", 1L << 30, "HDD", List.of(
                new DiskFacts.PartitionFacts("/dev/sdb1", "MY\u202eSTICK", "vfat", 1L << 29, "/media/x"),
                new DiskFacts.PartitionFacts("/dev/sdb2", "OTHER", "btrfs", 1L << 29, "")));
        Drive merged = DriveMerger.fillFromOshi(List.of(SCANNED), List.of(facts)).get(0);

        assertThat(merged.model()).as("sysfs model kept: udev's ID_MODEL has underscores").isEqualTo("Cruzer Blade");
        assertThat(merged.serial()).as("filled and sanitised").isEqualTo("4C530001");
        assertThat(merged.partitions().get(0).label()).isEqualTo("MYSTICK");
        assertThat(merged.partitions().get(0).fsType()).isEqualTo("vfat");
        assertThat(merged.partitions().get(1).label()).isEqualTo("KEEP");
        assertThat(merged.partitions().get(1).fsType()).isEqualTo("ext4");
        assertThat(merged.bus()).isEqualTo(Bus.USB);
        assertThat(merged.removable()).isTrue();
    }

    @Test
    void oshiUnknownPlaceholdersAreNotShownAsNames() {
        DiskFacts facts = new DiskFacts("/dev/sdb", "unknown", "unknown", 1L << 30, "HDD", List.of());
        Drive scanned = new Drive("/dev/sdb", "", "", "", 1L << 30, false, Bus.VIRTIO, false, Optional.empty(),
                List.of(), List.of());
        Drive merged = DriveMerger.fillFromOshi(List.of(scanned), List.of(facts)).get(0);
        assertThat(merged.model()).isEmpty();
        assertThat(merged.serial()).isEmpty();
        assertThat(merged.displayName()).isEqualTo("/dev/sdb");
    }

    @Test
    void genericClassificationUsesOshisRemovableTypeAndTheRootMount() {
        DiskFacts mac = new DiskFacts("disk0", "APPLE SSD", "X", 500L << 30, "SSD",
                List.of(new DiskFacts.PartitionFacts("disk0s2", "Macintosh HD", "apfs", 400L << 30, "/")));
        DiskFacts stick = new DiskFacts("disk4", "Flash Disk", "Y", 16L << 30, "Removable",
                List.of(new DiskFacts.PartitionFacts("disk4s1", "UNTITLED", "msdos", 16L << 30, "/Volumes/UNTITLED")));
        Drive system = DriveMerger.classifyGeneric(mac);
        assertThat(system.systemReason()).hasValue("holds the root filesystem /");
        assertThat(system.fixed()).isTrue();
        Drive removable = DriveMerger.classifyGeneric(stick);
        assertThat(removable.removable()).isTrue();
        assertThat(removable.system()).isFalse();
        assertThat(removable.mounted()).extracting(DrivePartition::mountPoints)
                .containsExactly(List.of("/Volumes/UNTITLED"));
    }
}
