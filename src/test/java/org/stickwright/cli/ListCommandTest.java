package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.platform.DriveSource;
import org.stickwright.platform.linux.LinuxDriveScanner;
import org.stickwright.platform.linux.RecordedTree;
import picocli.CommandLine;

/** {@code stickwright list} on recorded machines, in process, stdout captured. */
class ListCommandTest {
    @TempDir
    Path root;

    record Run(int exitCode, String stdout) {
        List<JsonObject> json() {
            return stdout.lines().map(line -> JsonParser.parseString(line).getAsJsonObject()).toList();
        }
    }

    private Run list(String layout, String... args) throws IOException {
        Path tree = RecordedTree.build(layout, java.nio.file.Files.createTempDirectory(root, layout));
        return run(new LinuxDriveScanner(tree, "/usr/lib/jvm/java-17"), args);
    }

    static Run run(DriveSource source, String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new ListCommand(source)).execute(args);
            return new Run(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void tableShowsOnlyTheStickWithItsPartitionAndSaysWhatIsHidden() throws IOException {
        Run run = list("usb-stick-nvme");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout().lines().toList()).containsExactly(
                "DEVICE        SIZE  BUS  DRIVE",
                "/dev/sdb  29.3 GiB  usb  SanDisk Cruzer Blade",
                "    /dev/sdb1  29.2 GiB  vfat  \"MY STICK\"  mounted at /media/anna/MY STICK",
                "1 more disk (fixed, loop or system) hidden; `stickwright list --all` shows them.");
    }

    @Test
    void allShowsTheSystemDiskMarkedAsNeverWritable() throws IOException {
        Run run = list("usb-stick-nvme", "--all");
        assertThat(run.stdout()).contains(
                "/dev/nvme0n1   466 GiB  nvme  Samsung SSD 970 EVO Plus 500GB  [system]  [fixed]",
                "    system disk — never writable: it holds the root filesystem /",
                "    /dev/nvme0n1p2  465 GiB  ext4  \"root\"  mounted at /");
        assertThat(run.stdout()).doesNotContain("hidden");
    }

    @Test
    void jsonPrintsOneDriveEventPerLineThenTheResult() throws IOException {
        Run run = list("loop-virtio", "--all", "--json");
        assertThat(run.exitCode()).isZero();
        List<JsonObject> events = run.json();
        assertThat(events).hasSize(3);
        JsonObject vda = events.get(0);
        assertThat(vda.get("event").getAsString()).isEqualTo("drive");
        assertThat(vda.get("path").getAsString()).isEqualTo("/dev/vda");
        assertThat(vda.get("system").getAsBoolean()).isTrue();
        assertThat(vda.get("writable").getAsBoolean()).isFalse();
        assertThat(vda.get("systemReason").getAsString()).isEqualTo("holds the root filesystem /");
        assertThat(vda.get("bus").getAsString()).isEqualTo("virtio");
        assertThat(vda.get("size").getAsLong()).isEqualTo(256L << 30);
        JsonObject loop = events.get(1);
        assertThat(loop.get("loop").getAsBoolean()).isTrue();
        assertThat(loop.get("system").getAsBoolean()).isFalse();
        JsonObject partition = loop.getAsJsonArray("partitions").get(0).getAsJsonObject();
        assertThat(partition.get("path").getAsString()).isEqualTo("/dev/loop0p1");
        assertThat(partition.get("fsType").getAsString()).isEqualTo("ext4");
        assertThat(partition.getAsJsonArray("mountPoints").get(0).getAsString()).isEqualTo("/mnt/stick");
        JsonObject result = events.get(2);
        assertThat(result.get("event").getAsString()).isEqualTo("result");
        assertThat(result.get("drives").getAsInt()).isEqualTo(2);
        assertThat(result.get("hidden").getAsInt()).isZero();
    }

    @Test
    void withoutAllNoLoopAndNoSystemDiskAppear() throws IOException {
        Run run = list("loop-virtio", "--json");
        assertThat(run.json()).singleElement().satisfies(result -> {
            assertThat(result.get("event").getAsString()).isEqualTo("result");
            assertThat(result.get("drives").getAsInt()).isZero();
            assertThat(result.get("hidden").getAsInt()).isEqualTo(2);
        });
        assertThat(list("loop-virtio").stdout()).startsWith("No removable or USB drives found.");
        assertThat(list("loop-virtio", "--all").stdout()).contains(
                "/dev/vda     256 GiB  virtio  (no name reported)  [system]  [fixed]",
                "/dev/loop0  64.0 MiB  loop    loop device /var/tmp/stick.img  [loop]",
                "    (whole disk)  mounted at /");
    }

    @Test
    void aFailingDriveSourceGivesAnErrorEventAndExitFour() {
        Run run = run(() -> {
            throw new IOException("/sys/block: permission denied");
        }, "--json");
        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.json()).singleElement().satisfies(error -> {
            assertThat(error.get("event").getAsString()).isEqualTo("error");
            assertThat(error.get("code").getAsInt()).isEqualTo(4);
            assertThat(error.get("message").getAsString()).contains("permission denied");
        });
    }
}
