package org.stickwright.engine.part;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tool;

/**
 * The reference tools' view of a disk image: sgdisk and sfdisk verdicts (read from their
 * output: their exit codes say 0 while printing errors), sfdisk's JSON dump, and the partitions
 * the kernel created for a loop device.
 */
final class TableOracles {
    private static Boolean kernelScans;

    private TableOracles() {
    }

    /** A partition as an outside tool reported it. */
    record Seen(int number, long start, long size) {
    }

    static void assertSgdiskClean(Path image) {
        Tool.Result result = Tool.run("sgdisk", "-v", image.toString());
        String out = result.output();
        assertThat(out).as("sgdisk -v %s", image).contains("No problems found")
                .doesNotContain("Warning").doesNotContain("Problem:").doesNotContain("Caution");
    }

    /**
     * sgdisk reports nothing about the stick that it does not already report about the ISO
     * alone. Needed where sgdisk objects to the ISO's own partitions: on an MBR whose first
     * partition starts at LBA 1 (grub-mkrescue) its in-memory GPT conversion always "overlaps",
     * and xorriso's Gap partitions do not end on sgdisk's preferred boundary.
     */
    static void assertSgdiskFindsNothingNew(Path iso, Path image) {
        String before = Tool.run("sgdisk", "-v", iso.toString()).output();
        String after = Tool.run("sgdisk", "-v", image.toString()).output();
        assertThat(complaints(after)).as("sgdisk -v %s\n%s\nsgdisk -v %s\n%s", image, after, iso, before)
                .isSubsetOf(complaints(before));
        if (before.contains("No problems found")) {
            assertThat(after).as("sgdisk -v %s", image).contains("No problems found");
        }
    }

    private static List<String> complaints(String sgdiskOutput) {
        return sgdiskOutput.lines().map(String::trim)
                .filter(l -> l.startsWith("Warning") || l.startsWith("Caution") || l.startsWith("Problem"))
                .toList();
    }

    static void assertSfdiskClean(Path image) {
        Tool.Result result = Tool.run("sfdisk", "--verify", image.toString());
        assertThat(result.exitCode()).as("sfdisk --verify exit code\n%s", result.output()).isZero();
        assertThat(result.output()).as("sfdisk --verify %s", image).contains("No errors detected")
                .doesNotContainPattern("\\d+ errors? detected").doesNotContain("overlap").doesNotContain("misaligned");
    }

    static JsonObject sfdiskJson(Path image) {
        Tool.Result result = Tool.run("sfdisk", "--json", image.toString()).ok();
        return JsonParser.parseString(result.stdout()).getAsJsonObject().getAsJsonObject("partitiontable");
    }

    static List<JsonObject> sfdiskPartitions(JsonObject table) {
        List<JsonObject> partitions = new ArrayList<>();
        JsonArray array = table.getAsJsonArray("partitions");
        if (array != null) {
            for (JsonElement e : array) {
                partitions.add(e.getAsJsonObject());
            }
        }
        return partitions;
    }

    /** The number sfdisk gives a partition node: the digits after the image path. */
    static int number(JsonObject partition, Path image) {
        return Integer.parseInt(partition.get("node").getAsString().substring(image.toString().length()));
    }

    /**
     * Whether this kernel makes partition devices for loop devices at all; tested with a
     * control image partitioned by sfdisk, so that our own tables are not what is being doubted.
     */
    static synchronized boolean kernelScansPartitions(Path scratch) {
        if (kernelScans == null) {
            try {
                Path control = scratch.resolve("control.img");
                ImageFile.create(control, 4L << 20).close();
                Tool.run(null, 60, List.of("sh", "-c", "echo 'start=2048, size=2048, type=83' | sfdisk -q " + control)).ok();
                try (LoopDevice loop = LoopDevice.attach(control)) {
                    kernelScans = Files.exists(sysPartition(loop, 1));
                }
                Files.delete(control);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return kernelScans;
    }

    /**
     * Attaches {@code image} so the kernel has its partitions as block devices. A kernel built
     * without MBR/GPT parsers (this project's CI host: CONFIG_MSDOS_PARTITION and
     * CONFIG_EFI_PARTITION unset) makes none by itself; then libblkid reads the table
     * ({@code partx --add}) and the kernel creates the devices it found (BLKPG), so the check
     * still compares our table with an independent reader, through the kernel's view.
     */
    static LoopDevice attachPartitioned(Path image, Path scratch) {
        Capabilities.requireLoopDevices();
        Capabilities.requireTools("sfdisk", "partx");
        boolean kernelParses = kernelScansPartitions(scratch);
        LoopDevice loop = LoopDevice.attach(image);
        if (!kernelParses) {
            Tool.run("partx", "--add", loop.device().toString()).ok();
        }
        return loop;
    }

    /** libblkid's low-level probe of the whole image: PTTYPE and PTUUID. */
    static java.util.Map<String, String> blkidProbe(Path image) {
        java.util.Map<String, String> values = new java.util.HashMap<>();
        for (String line : Tool.run("blkid", "-p", "-o", "export", image.toString()).stdout().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }

    /**
     * The GPT name the kernel read for partition {@code number} (PARTNAME in its uevent), or null.
     * The kernel keeps only the low byte of each UTF-16 unit, so compare ASCII names only.
     */
    static String kernelPartitionName(LoopDevice loop, int number) throws IOException {
        for (String line : Files.readAllLines(sysPartition(loop, number).resolve("uevent"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("PARTNAME=")) {
                return line.substring("PARTNAME=".length());
            }
        }
        return null;
    }

    /** The partitions the kernel created: /sys/block/loopN/loopNpM/{start,size} in 512-byte units. */
    static List<Seen> kernelPartitions(LoopDevice loop) throws IOException {
        List<Seen> seen = new ArrayList<>();
        for (int n = 1; n <= 256; n++) {
            Path dir = sysPartition(loop, n);
            if (Files.isDirectory(dir)) {
                seen.add(new Seen(n, Long.parseLong(Files.readString(dir.resolve("start")).trim()),
                        Long.parseLong(Files.readString(dir.resolve("size")).trim())));
            }
        }
        return seen;
    }

    private static Path sysPartition(LoopDevice loop, int number) {
        String name = loop.device().getFileName().toString();
        return Path.of("/sys/block", name, name + "p" + number);
    }
}
