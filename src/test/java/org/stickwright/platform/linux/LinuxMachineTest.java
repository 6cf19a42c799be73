package org.stickwright.platform.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.platform.Drive;
import org.stickwright.platform.DriveListing;
import org.stickwright.platform.DrivePartition;
import org.stickwright.platform.DriveSource;
import org.stickwright.platform.PlatformTargets;
import org.stickwright.platform.TargetKind;
import org.stickwright.platform.TargetPolicy;
import org.stickwright.platform.TargetVerdict;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The same classification on the real machine: a loop device with a partition table and a
 * mounted ext4 partition (made by sfdisk and mkfs.ext4, mounted by the kernel), next to the
 * real system disk.
 */
class LinuxMachineTest {
    private static Drive find(List<Drive> drives, Path device) {
        return drives.stream().filter(d -> d.path().equals(device.toString())).findFirst()
                .orElseThrow(() -> new AssertionError(device + " not among " + drives));
    }

    @Test
    void theDiskHoldingRootIsTheSystemDiskAndNeverATarget() throws IOException {
        String rootDisk = RootDisk.path();
        Capabilities.require(rootDisk != null, "/ is not on a block device here (overlay or tmpfs root)");
        List<Drive> drives = DriveSource.forThisMachine().drives();
        Drive system = drives.stream().filter(d -> d.path().equals(rootDisk)).findFirst().orElseThrow();
        assertThat(system.systemReason()).hasValue("holds the root filesystem /");
        assertThat(DriveListing.visible(drives, false)).doesNotContain(system);
        assertThat(TargetPolicy.forThisMachine().vet(rootDisk, true)).isInstanceOfSatisfying(TargetVerdict.Refused.class,
                r -> assertThat(r.exitCode()).isEqualTo(3));
    }

    @Test
    void theResolverTellsFilesDirectoriesAndCharacterDevicesApart(@TempDir Path dir) throws IOException {
        LinuxTargetResolver resolver = new LinuxTargetResolver(Path.of("/"));
        Path image = Files.writeString(dir.resolve("a.img"), "x");
        assertThat(resolver.resolve(image.toString())).isEqualTo(new TargetKind.ImageFile(image));
        assertThat(resolver.resolve(dir.resolve("new.img").toString())).isInstanceOf(TargetKind.ImageFile.class);
        assertThat(resolver.resolve(dir.toString())).isInstanceOf(TargetKind.Unusable.class);
        assertThat(resolver.resolve("/dev/null")).isEqualTo(new TargetKind.Unusable("is not a block device"));
        assertThat(resolver.resolve("/dev/sdzz9")).isEqualTo(new TargetKind.Unusable("no such device"));
        assertThat(resolver.resolve("/dev/disk/by-id/usb-Nothing-0:0")).isEqualTo(new TargetKind.Unusable("no such device"));
        if (Files.isDirectory(Path.of("/dev/shm"))) {
            assertThat(resolver.resolve("/dev/shm/stickwright-new.img")).isInstanceOf(TargetKind.ImageFile.class);
        }
    }

    @Test
    @Tag(Tags.ROOT)
    @Tag(Tags.LOOP)
    void aLoopDeviceWithAMountedPartitionIsListedOnlyWithAllVettedAndUnmounted(@TempDir Path dir) throws IOException {
        Capabilities.requireLoopDevices();
        Capabilities.requireTools("sfdisk", "partx", "mkfs.ext4", "mount", "umount");
        Path image = dir.resolve("stick.img");
        ImageFile.create(image, 64L << 20).close();
        Tool.run(null, 60, List.of("sh", "-c", "printf 'label: dos\\n,24M,L\\n,,L\\n' | sfdisk -q " + image)).ok();
        Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
        try (LoopDevice loop = LoopDevice.attach(image)) {
            if (!Files.exists(loop.partition(1))) {
                // This host's kernel finds no partitions on loop devices by itself (losetup -P
                // scans nothing here); partx adds them with BLKPG from the table sfdisk wrote.
                Tool.run("partx", "--add", loop.device().toString()).ok();
            }
            Tool.run("mkfs.ext4", "-q", loop.partition(1).toString()).ok();
            Tool.run("mount", loop.partition(1).toString(), mountPoint.toString()).ok();
            try {
                List<Drive> drives = DriveSource.forThisMachine().drives();
                Drive drive = find(drives, loop.device());
                assertThat(drive.loop()).isTrue();
                assertThat(drive.system()).as("backed by a file on the system disk, yet not the system disk").isFalse();
                assertThat(drive.size()).isEqualTo(64L << 20);
                assertThat(drive.model()).isEqualTo("loop device " + image);
                assertThat(drive.partitions()).extracting(DrivePartition::path)
                        .containsExactly(loop.partition(1).toString(), loop.partition(2).toString());
                assertThat(drive.partitions().get(0).size()).isEqualTo(24L << 20);
                assertThat(drive.partitions().get(0).fsType()).isEqualTo("ext4");
                assertThat(drive.mounted()).singleElement()
                        .satisfies(p -> assertThat(p.mountPoints()).containsExactly(mountPoint.toString()));
                assertThat(DriveListing.visible(drives, false)).doesNotContain(drive);
                assertThat(DriveListing.visible(drives, true)).contains(drive);

                LinuxTargetResolver resolver = new LinuxTargetResolver(Path.of("/"));
                assertThat(resolver.resolve(loop.device().toString())).isEqualTo(new TargetKind.WholeDisk(loop.device().toString()));
                assertThat(resolver.resolve(loop.partition(1).toString()))
                        .isEqualTo(new TargetKind.Partition(loop.partition(1).toString(), loop.device().toString()));

                TargetPolicy policy = TargetPolicy.forThisMachine();
                assertThat(policy.vet(loop.device(), false)).isInstanceOfSatisfying(TargetVerdict.Allowed.class, a -> {
                    assertThat(a.toUnmount()).extracting(DrivePartition::path).containsExactly(loop.partition(1).toString());
                    assertThat(a.description()).contains(loop.device().toString(), "64.0 MiB", "mounted at " + mountPoint);
                });
                assertThat(policy.vet(loop.partition(1), false)).isInstanceOf(TargetVerdict.Refused.class);

                LinuxUnmounter unmounter = new LinuxUnmounter();
                try (SeekableByteChannel open = Files.newByteChannel(mountPoint.resolve("busy"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    assertThat(open.isOpen()).isTrue(); // an open file is what keeps the mount busy
                    assertThatThrownBy(() -> unmounter.unmountAll(drive))
                            .isInstanceOf(IOException.class)
                            .hasMessage("cannot unmount " + loop.partition(1) + " from " + mountPoint
                                    + ": it is busy: a program has files open there; close them and try again");
                }
                unmounter.unmountAll(drive);
                assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(" " + mountPoint + " ");
                assertThat(find(DriveSource.forThisMachine().drives(), loop.device()).mounted()).isEmpty();
            } finally {
                if (Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + mountPoint + " ")) {
                    Tool.run("umount", mountPoint.toString());
                }
            }
        }
    }
}
