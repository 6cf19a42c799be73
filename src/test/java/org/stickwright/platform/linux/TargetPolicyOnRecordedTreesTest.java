package org.stickwright.platform.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.platform.DrivePartition;
import org.stickwright.platform.TargetKind;
import org.stickwright.platform.TargetPolicy;
import org.stickwright.platform.TargetVerdict;

/**
 * The safety rules of design §5 on recorded machines. The resolver is a table here (the
 * recorded trees have no device nodes); {@link LinuxTargetResolverTest} checks the real one.
 */
class TargetPolicyOnRecordedTreesTest {
    @TempDir
    Path root;

    private TargetPolicy policy(String layout) throws IOException {
        RecordedTree.build(layout, root);
        Map<String, TargetKind> kinds = Map.of(
                "/dev/sda", new TargetKind.WholeDisk("/dev/sda"),
                "/dev/sda1", new TargetKind.Partition("/dev/sda1", "/dev/sda"),
                "/dev/sdb", new TargetKind.WholeDisk("/dev/sdb"),
                "/dev/sdb1", new TargetKind.Partition("/dev/sdb1", "/dev/sdb"),
                "/dev/sdd", new TargetKind.WholeDisk("/dev/sdd"),
                "/dev/nvme0n1", new TargetKind.WholeDisk("/dev/nvme0n1"),
                "/dev/loop0", new TargetKind.WholeDisk("/dev/loop0"),
                "/dev/vda", new TargetKind.WholeDisk("/dev/vda"),
                "/dev/sdz", new TargetKind.WholeDisk("/dev/sdz"),
                "/srv/images", new TargetKind.Unusable("is a directory, not a disk or an image file"));
        return new TargetPolicy(new LinuxDriveScanner(root, "/usr/lib/jvm/java-17"),
                target -> kinds.getOrDefault(target, new TargetKind.ImageFile(Path.of(target))));
    }

    @Test
    void theSystemDiskIsRefusedWhateverFlagsAndHoweverItIsNamed() throws IOException {
        TargetPolicy policy = policy("lvm-md");
        for (boolean allowFixed : new boolean[] {false, true}) {
            assertThat(policy.vet("/dev/sda", allowFixed)).isInstanceOfSatisfying(TargetVerdict.Refused.class, r -> {
                assertThat(r.exitCode()).isEqualTo(3);
                assertThat(r.reason()).contains("system disk /dev/sda").contains("holds the root filesystem /");
            });
            assertThat(policy.vet("/dev/sda1", allowFixed)).isInstanceOfSatisfying(TargetVerdict.Refused.class,
                    r -> assertThat(r.reason()).contains("system disk /dev/sda"));
        }
    }

    @Test
    void aFixedDiskNeedsTheFlagAndAUsbEnclosureDoesNot() throws IOException {
        TargetPolicy policy = policy("lvm-md");
        assertThat(policy.vet("/dev/nvme0n1", false)).isInstanceOfSatisfying(TargetVerdict.Refused.class, r -> {
            assertThat(r.exitCode()).isEqualTo(3);
            assertThat(r.reason()).contains("fixed internal disk").contains("--allow-fixed-disk");
        });
        assertThat(policy.vet("/dev/nvme0n1", true)).isInstanceOf(TargetVerdict.Allowed.class);
        assertThat(policy.vet("/dev/sdd", false)).isInstanceOfSatisfying(TargetVerdict.Allowed.class, a -> {
            assertThat(a.description()).contains("/dev/sdd", "932 GiB", "usb", "JMicron Generic", "/dev/sdd1");
            assertThat(a.toUnmount()).isEmpty();
        });
    }

    @Test
    void aMountedStickIsAllowedWithItsMountsListedForConsent() throws IOException {
        TargetVerdict verdict = policy("usb-stick-nvme").vet("/dev/sdb", false);
        assertThat(verdict).isInstanceOfSatisfying(TargetVerdict.Allowed.class, a -> {
            assertThat(a.imageFile()).isFalse();
            assertThat(a.target()).isEqualTo("/dev/sdb");
            assertThat(a.toUnmount()).extracting(DrivePartition::path).containsExactly("/dev/sdb1");
            assertThat(a.description()).contains("SanDisk Cruzer Blade", "29.3 GiB", "\"MY STICK\"",
                    "mounted at /media/anna/MY STICK");
        });
    }

    @Test
    void aPartitionOfAStickIsRefusedNamingTheDisk() throws IOException {
        assertThat(policy("usb-stick-nvme").vet("/dev/sdb1", false)).isInstanceOfSatisfying(TargetVerdict.Refused.class,
                r -> assertThat(r.reason()).contains("partition").contains("(/dev/sdb)"));
    }

    @Test
    void loopDevicesNamedExplicitlyAreAllowedAndImageFilesAlways() throws IOException {
        TargetPolicy policy = policy("loop-virtio");
        assertThat(policy.vet("/dev/loop0", false)).isInstanceOfSatisfying(TargetVerdict.Allowed.class,
                a -> assertThat(a.toUnmount()).extracting(DrivePartition::path).containsExactly("/dev/loop0p1"));
        assertThat(policy.vet("/dev/vda", true)).isInstanceOf(TargetVerdict.Refused.class);
        assertThat(policy.vet("/srv/new-stick.img", false)).isInstanceOfSatisfying(TargetVerdict.Allowed.class, a -> {
            assertThat(a.imageFile()).isTrue();
            assertThat(a.description()).isEmpty();
        });
    }

    @Test
    void unknownDisksAndDirectoriesAreRefused() throws IOException {
        TargetPolicy policy = policy("loop-virtio");
        assertThat(policy.vet("/dev/sdz", true)).isInstanceOfSatisfying(TargetVerdict.Refused.class,
                r -> assertThat(r.exitCode()).isEqualTo(3));
        assertThat(policy.vet("/srv/images", true)).isInstanceOfSatisfying(TargetVerdict.Refused.class,
                r -> assertThat(r.exitCode()).isEqualTo(2));
    }

    @Test
    void theLiveSystemsOwnBootStickIsRefused() throws IOException {
        TargetPolicy policy = policy("live-btrfs");
        assertThat(policy.vet("/dev/sdb", false)).isInstanceOfSatisfying(TargetVerdict.Refused.class,
                r -> assertThat(r.reason()).contains("live system booted from"));
        assertThat(policy.vet("/dev/loop0", true)).as("the squashfs under the live root")
                .isInstanceOfSatisfying(TargetVerdict.Refused.class,
                        r -> assertThat(r.reason()).contains("layer of the root filesystem"));
    }
}
