package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.FailingDisk;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

/** write to real block devices (loop devices, some of them failing on purpose), as root. */
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
class WriteToDeviceTest {
    @TempDir
    Path dir;

    @Test
    void writesALoopDeviceAndVerifies() throws IOException {
        Path image = TestImages.diskImage(dir.resolve("disk.img"), 20L << 20, 21, 4);
        Path backing = dir.resolve("stick");
        Files.write(backing, new byte[0]);
        Tool.run("truncate", "-s", "64M", backing.toString()).ok();
        try (LoopDevice loop = LoopDevice.attach(backing)) {
            Tool.Result result = CliProcess.run("write", image.toString(), loop.device().toString(), "--yes");
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(TestImages.sha256(loop.device(), Files.size(image))).isEqualTo(TestImages.sha256(image));
            // libblkid (partx) reads the partition from the device itself. (BLKRRPART cannot be
            // observed on this host: its kernel is built without MBR and GPT parsers.)
            assertThat(Tool.run("partx", "--show", "-g", "-o", "START,SECTORS,TYPE", loop.device().toString()).ok()
                    .stdout().trim().split("\\s+")).containsExactly("2048", Long.toString((20L << 20) / 512 - 2048), "0x83");
        }
    }

    @Test
    void aDiskFailingWithEioEndsTheJobWithExitFourAndAWipedTable() throws IOException {
        Path image = TestImages.diskImage(dir.resolve("disk.img"), 24L << 20, 22, 0);
        try (FailingDisk disk = FailingDisk.create(dir, 32L << 20, 12L << 20, 0)) {
            Tool.Result result = CliProcess.run(120, "write", image.toString(), disk.device().toString(), "--yes");
            assertThat(result.exitCode()).as(result.output()).isEqualTo(4);
            // The medium fails past 12 MiB, so its last MiB cannot be wiped: the message says so.
            assertThat(result.stderr()).contains("Input/output error").contains("first MiB")
                    .contains("was wiped").contains("wiping its last MiB (backup GPT) failed");
            byte[] start = new byte[1 << 20];
            try (var in = Files.newInputStream(disk.device())) {
                assertThat(in.readNBytes(start, 0, start.length)).isEqualTo(start.length);
            }
            assertThat(start).containsOnly(0);
        }
    }

    @Test
    void aFullFilesystemEndsTheJobWithExitFour() throws IOException {
        Capabilities.requireRoot();
        Path image = TestImages.diskImage(dir.resolve("disk.img"), 24L << 20, 23, 0);
        Path mount = Files.createDirectories(dir.resolve("small"));
        Tool.run("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", mount.toString()).ok();
        try {
            Path target = mount.resolve("stick.img");
            Tool.Result result = CliProcess.run(120, "write", image.toString(), target.toString(), "--size", "32M");
            assertThat(result.exitCode()).as(result.output()).isEqualTo(4);
            assertThat(result.stderr()).contains("No space left on device").contains("wiped");
            byte[] start = new byte[1 << 20];
            try (var in = Files.newInputStream(target)) {
                in.readNBytes(start, 0, start.length);
            }
            assertThat(start).containsOnly(0);
        } finally {
            Tool.run("umount", mount.toString()).ok();
        }
    }

    @Test
    void ctrlCCancelsWithExit130AndAWipedTable() throws Exception {
        Path image = TestImages.diskImage(dir.resolve("disk.img"), 48L << 20, 24, 0);
        // Every write takes 250 ms, so the job is still writing when the signal comes even on a loaded CI
        // host (at 20 ms a write the whole 48 MiB was once written and verified before `kill` had run).
        try (FailingDisk disk = FailingDisk.create(dir, 64L << 20, Long.MAX_VALUE, 250_000)) {
            Process process = new ProcessBuilder(CliProcess.command("write", image.toString(),
                    disk.device().toString(), "--yes", "--json")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null) {
                JsonObject event = JsonParser.parseString(line).getAsJsonObject();
                if (event.get("phase") != null && event.get("phase").getAsString().equals("writing")
                        && event.get("done").getAsLong() > 0) {
                    break;
                }
            }
            Tool.run("kill", "-INT", Long.toString(process.pid())).ok();
            String rest = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(130);
            assertThat(rest).contains("\"event\":\"error\"").contains("cancelled while writing").contains("wiped");
            byte[] start = new byte[1 << 20];
            try (var in = Files.newInputStream(disk.device())) {
                in.readNBytes(start, 0, start.length);
            }
            assertThat(start).containsOnly(0);
        }
    }

    @Test
    void aMountedPartitionIsRefusedUntilTheUserConsentsToUnmounting() throws IOException {
        Path image = TestImages.diskImage(dir.resolve("disk.img"), 8L << 20, 25, 0);
        Path backing = dir.resolve("stick");
        Tool.run("truncate", "-s", "64M", backing.toString()).ok();
        Tool.run("sh", "-c", "echo 'start=2048, type=83' | sfdisk -q " + backing).ok();
        Path mount = Files.createDirectories(dir.resolve("mnt"));
        try (LoopDevice loop = LoopDevice.attach(backing)) {
            Tool.run("partx", "--add", loop.device().toString()).ok();
            Tool.run("mkfs.ext4", "-q", loop.partition(1).toString()).ok();
            Tool.run("mount", loop.partition(1).toString(), mount.toString()).ok();
            try {
                String before = TestImages.sha256(loop.device(), 64L << 20);
                Tool.Result refused = CliProcess.run("write", image.toString(), loop.device().toString(), "--yes");
                assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
                assertThat(refused.stderr()).contains("mounted partitions").contains(mount.toString()).contains("--unmount");
                assertThat(Tool.run("findmnt", mount.toString()).exitCode()).as("still mounted").isZero();
                assertThat(TestImages.sha256(loop.device(), 64L << 20)).isEqualTo(before);

                Tool.Result consented = CliProcess.run("write", image.toString(), loop.device().toString(), "--yes", "--unmount");
                assertThat(consented.exitCode()).as(consented.output()).isZero();
                assertThat(Tool.run("findmnt", mount.toString()).exitCode()).as("unmounted").isNotZero();
                assertThat(TestImages.sha256(loop.device(), Files.size(image))).isEqualTo(TestImages.sha256(image));
            } finally {
                Tool.run("umount", mount.toString());
            }
        }
    }

    @Test
    void theDiskHoldingRootIsRefusedWhateverTheFlags() throws IOException {
        Capabilities.requireTools("findmnt", "lsblk");
        String source = Tool.run("findmnt", "-n", "-o", "SOURCE", "/").ok().stdout().trim();
        Capabilities.require(source.startsWith("/dev/"), "/ is not on a block device here: " + source);
        String parent = Tool.run("lsblk", "-n", "-d", "-o", "PKNAME", source).ok().stdout().trim();
        Path disk = Path.of("/dev", parent.isEmpty() ? Path.of(source).getFileName().toString() : parent);
        Path image = TestImages.diskImage(dir.resolve("disk.img"), 4L << 20, 26, 0);
        Tool.Result result = CliProcess.run("write", image.toString(), disk.toString(), "--yes", "--unmount", "--allow-fixed-disk");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(3);
        assertThat(result.stderr()).contains("system disk").contains("never written");
        assertThat(Tool.run("findmnt", "/").exitCode()).as("/ still mounted").isZero();
        // Whether the disk's bytes stayed is not readable here: this sandbox denies even root a
        // read of the system disk. The refusal comes from the policy before any open for writing.
    }
}
