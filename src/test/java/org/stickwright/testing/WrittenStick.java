/*
 * Reads a stick image back the way other software sees it, never through our own writer's
 * assumptions: sfdisk for the partition table, blkid for labels, dd + e2fsck/e2label/debugfs for
 * an ext4 partition, xorriso and isoinfo for the ISO 9660 tree (both from the disk's start, as
 * firmware and a CD drive would, and from partition 1, as the kernel mounting /dev/sdX1 does on a
 * -partition_offset ISO), and mtools for files inside a FAT image at a byte offset.
 */
package org.stickwright.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A written stick image and the reference tools' view of it. */
public final class WrittenStick {
    /** The programs this class runs. */
    public static final String[] TOOLS = {"sfdisk", "sgdisk", "blkid", "dd", "e2fsck", "debugfs", "xorriso",
            "isoinfo", "mtype", "mdir"};

    /** A partition as sfdisk lists it: number, first byte, length in bytes, type (GUID or MBR hex). */
    public record Part(int number, long start, long size, String type, boolean bootable) {
    }

    private final Path image;
    private final Path scratch;

    /** @param scratch a directory for extracted partitions and files */
    public WrittenStick(Path image, Path scratch) {
        this.image = image;
        this.scratch = scratch;
    }

    public Path image() {
        return image;
    }

    /** "gpt" or "dos". */
    public String tableKind() {
        return table().get("label").getAsString();
    }

    public List<Part> partitions() {
        List<Part> parts = new ArrayList<>();
        for (JsonElement element : table().getAsJsonArray("partitions")) {
            JsonObject p = element.getAsJsonObject();
            String node = p.get("node").getAsString();
            int number = Integer.parseInt(node.substring(node.length() - (node.matches(".*\\D\\d\\d$") ? 2 : 1)));
            boolean bootable = p.has("bootable") && p.get("bootable").getAsBoolean();
            parts.add(new Part(number, p.get("start").getAsLong() * 512, p.get("size").getAsLong() * 512,
                    p.get("type").getAsString(), bootable));
        }
        return parts;
    }

    public Part partition(int number) {
        return partitions().stream().filter(p -> p.number() == number).findFirst()
                .orElseThrow(() -> new AssertionError("no partition " + number + " in " + partitions()));
    }

    /** The partition whose filesystem label blkid reports as {@code label}. */
    public Optional<Part> partitionLabelled(String label) {
        return partitions().stream().filter(p -> label.equals(blkid(p, "LABEL"))).findFirst();
    }

    private JsonObject table() {
        String json = Tool.run("sfdisk", "--json", image.toString()).ok().stdout();
        return JsonParser.parseString(json).getAsJsonObject().getAsJsonObject("partitiontable");
    }

    /** A blkid tag (LABEL, TYPE, UUID) of the filesystem at the partition's start, or null. */
    public String blkid(Part part, String tag) {
        Tool.Result r = Tool.run("blkid", "-p", "-O", Long.toString(part.start()), "-o", "value", "-s", tag,
                image.toString());
        String value = r.stdout().strip();
        return r.exitCode() == 0 && !value.isEmpty() ? value : null;
    }

    /** The partition's bytes as a (sparse) file of its own. */
    public Path extract(Part part) {
        Path out = scratch.resolve("partition-" + part.number() + ".img");
        Tool.run(null, 300, List.of("dd", "if=" + image, "of=" + out, "bs=1M", "iflag=skip_bytes,count_bytes",
                "skip=" + part.start(), "count=" + part.size(), "conv=sparse", "status=none")).ok();
        return out;
    }

    /** {@code e2fsck -fn} of an extracted ext4 partition: its output when clean, an AssertionError otherwise. */
    public static String e2fsckClean(Path ext4) {
        return Tool.run("e2fsck", "-fn", ext4.toString()).ok().output();
    }

    /** debugfs' long listing of {@code dir} in an extracted ext4 partition. */
    public static String debugfs(Path ext4, String request) {
        return Tool.run("debugfs", "-R", request, ext4.toString()).ok().stdout();
    }

    /** Names in {@code dir} of an extracted ext4 partition, as debugfs lists them (without . and ..). */
    public static List<String> ext4Names(Path ext4, String dir) {
        return Tool.run("debugfs", "-R", "ls -p " + dir, ext4.toString()).ok().stdout().lines()
                .filter(l -> l.startsWith("/"))
                .map(l -> l.split("/", -1)[5])
                .filter(n -> !n.equals(".") && !n.equals(".."))
                .toList();
    }

    /** A file of the ISO 9660 tree read by xorriso from the stick's first byte (Rock Ridge names). */
    public String isoFileByXorriso(String path) {
        return xorrisoExtract(image, path, "xorriso");
    }

    /**
     * A file of the ISO 9660 tree that partition {@code number} holds, read by xorriso from that
     * partition's first byte: on a -partition_offset ISO this is the second descriptor set, the one
     * the kernel reads when it mounts /dev/sdX1.
     */
    public String isoFileInPartition(int number, String path) {
        Part part = partition(number);
        Path copy = scratch.resolve("iso-partition-" + number + ".img");
        if (!Files.exists(copy)) {
            Tool.run(null, 300, List.of("dd", "if=" + image, "of=" + copy, "bs=1M", "iflag=skip_bytes,count_bytes",
                    "skip=" + part.start(), "count=" + part.size(), "conv=sparse", "status=none")).ok();
        }
        return xorrisoExtract(copy, path, "xorriso-p" + number);
    }

    private String xorrisoExtract(Path from, String path, String tag) {
        Path out = scratch.resolve(tag + path.replace('/', '_'));
        try {
            Files.deleteIfExists(out);
            Tool.run("xorriso", "-osirrox", "on", "-indev", from.toString(), "-extract", path, out.toString()).ok();
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("xorriso did not extract " + path + " from " + from, e);
        }
    }

    /** A file of the ISO 9660 tree read by isoinfo through Rock Ridge. */
    public String isoFileByIsoinfo(String path) {
        return Tool.run("isoinfo", "-R", "-i", image.toString(), "-x", path).ok().stdout();
    }

    /** Whether xorriso still lists the tree: its `-find /` output, one path a line. */
    public List<String> isoTreeByXorriso() {
        return Tool.run("xorriso", "-indev", image.toString(), "-find", "/", "-type", "f").ok().stdout().lines()
                .map(l -> l.replaceAll("^'|'$", "")).toList();
    }

    /** A file inside the FAT image that starts {@code offset} bytes into the stick, read by mtools. */
    public String fatFile(long offset, String path) {
        return Tool.run("mtype", "-i", image + "@@" + offset, "::" + path).ok().stdout();
    }

    /** File names in a directory of the FAT image at {@code offset}, as mdir -b lists them (full paths). */
    public List<String> fatDirectory(long offset, String dir) {
        return Tool.run("mdir", "-b", "-i", image + "@@" + offset, "::" + dir).ok().stdout().lines()
                .map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /**
     * What sfdisk --verify finds wrong ("Partition 1: overlaps partition 2.", "1 error detected."):
     * its exit code says nothing, so the lines are what to compare.
     */
    public List<String> sfdiskProblems() {
        return Tool.run("sfdisk", "--verify", image.toString()).output().lines().map(String::strip)
                .filter(l -> l.matches("Partition \\d+: .*") || l.matches("\\d+ errors? detected\\."))
                .toList();
    }

    /** sgdisk -v's report; an AssertionError when it exits non-zero. */
    public String sgdiskVerify() {
        return Tool.run("sgdisk", "-v", image.toString()).ok().output();
    }
}
