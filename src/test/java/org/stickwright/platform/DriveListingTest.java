package org.stickwright.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DriveListingTest {
    static Drive drive(String path, boolean removableFlag, Bus bus, String systemReason) {
        return new Drive(path, "V", "M", "S", 1L << 30, removableFlag, bus, bus == Bus.LOOP,
                Optional.ofNullable(systemReason), List.of(), List.of());
    }

    @Test
    void defaultListingHidesLoopFixedAndSystemDisksAndAllShowsThemMarked() {
        Drive usb = drive("/dev/sdb", false, Bus.USB, null);
        Drive card = drive("/dev/sdc", true, Bus.SCSI, null);
        Drive fixed = drive("/dev/sdd", false, Bus.ATA, null);
        Drive system = drive("/dev/sda", false, Bus.ATA, "holds the root filesystem /");
        Drive systemUsb = drive("/dev/sde", true, Bus.USB, "holds /boot");
        Drive loop = drive("/dev/loop10", false, Bus.LOOP, null);
        Drive loop2 = drive("/dev/loop2", false, Bus.LOOP, null);
        List<Drive> all = List.of(loop, usb, fixed, system, card, systemUsb, loop2);

        assertThat(DriveListing.visible(all, false)).containsExactly(usb, card);
        assertThat(DriveListing.visible(all, true)).containsExactly(system, usb, card, fixed, systemUsb, loop2, loop);
        assertThat(DriveListing.markers(system)).containsExactly("system", "fixed");
        assertThat(DriveListing.markers(systemUsb)).containsExactly("system");
        assertThat(DriveListing.markers(loop)).containsExactly("loop");
        assertThat(DriveListing.markers(usb)).isEmpty();
    }

    @Test
    void mountPointsNamedAfterAHostileLabelAreCleanedForDisplayButKeptRawInTheModel() {
        String raw = "/media/anna/\u202eGNP.exe\u001b[31m";
        Drive stick = new Drive("/dev/sdb", "V", "M", "S", 1L << 30, true, Bus.USB, false, Optional.empty(), List.of(),
                List.of(new DrivePartition("/dev/sdb1", "x", "vfat", 1L << 29, List.of(raw))));
        assertThat(stick.mounted().get(0).mountPoints()).containsExactly(raw);
        assertThat(DriveText.describe(stick)).contains("mounted at /media/anna/GNP.exe[31m")
                .doesNotContain("\u202e").doesNotContain("\u001b");
    }

    @Test
    void naturalOrderComparesDigitRunsByValue() {
        assertThat(DriveListing.naturalOrder("/dev/sdb", "/dev/sdaa")).isPositive();
        assertThat(DriveListing.naturalOrder("/dev/loop2", "/dev/loop10")).isNegative();
        assertThat(DriveListing.naturalOrder("/dev/nvme0n1", "/dev/nvme0n1")).isZero();
        assertThat(DriveListing.naturalOrder("/dev/sd", "/dev/sda")).isNegative();
    }
}
