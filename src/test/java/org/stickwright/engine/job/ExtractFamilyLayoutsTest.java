package org.stickwright.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.FamilyLayoutIsos;
import org.stickwright.testing.FamilyLayoutIsos.Layout;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * {@code stickwright create IMAGE TARGET --mode extract} (run as a process) on the Arch and
 * SystemRescue stand-ins of {@link FamilyLayoutIsos}, which this machine cannot boot: the FAT32
 * live partition and the ext4 cow partition after it, judged by sfdisk/sgdisk, fsck.fat -n, an
 * mtools copy of the whole tree compared with xorriso's extraction of the ISO, mattrib, e2fsck -fn,
 * e2label and debugfs; and the rewritten lines every loader reads from the FAT32 partition
 * (systemd-boot's loader/entries, GRUB's grubsrcd.cfg, our syslinux.cfg), as exact text, against
 * mkinitcpio-archiso's hooks/archiso: archisolabel= / archisodevice= find the medium, cow_label=
 * the ext4 partition and cow_directory= the directory on it.
 */
@Tag(Tags.ORACLE)
class ExtractFamilyLayoutsTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;
    private FamilyLayoutIsos isos;

    @BeforeEach
    void tools() {
        FamilyLayoutIsos.requireTools();
        Capabilities.requireTools("sfdisk", "sgdisk", "fsck.fat", "mcopy", "mattrib", "e2fsck", "e2label", "debugfs",
                "dd", "syslinux");
        isos = new FamilyLayoutIsos(dir);
    }

    @Test
    void archStickBootsSystemdBootAndSyslinuxFromTheFatAndKeepsItsCowOnExt4() throws Exception {
        Layout arch = isos.arch();
        Path stick = create(arch, "--persistence", "128M", "--profile", "work=32M", "--size", "1G", "--seed", "7");
        assertThat(Tool.run("sfdisk", "--verify", stick.toString()).ok().output()).contains("No errors detected");
        String table = Tool.run("sfdisk", "-d", stick.toString()).ok().stdout();
        assertThat(table).contains("type=c, bootable").contains("type=83");
        Path fat = partition(stick, 1);
        fsckFat(fat);
        assertThat(Tool.run("mattrib", "-i", fat.toString(), "::/ldlinux.sys").ok().stdout()).contains("SHR");
        String serial = Tool.run("blkid", "-p", "-s", "UUID", "-o", "value", fat.toString()).ok().stdout().trim();
        assertThat(serial).matches("[0-9A-F]{4}-[0-9A-F]{4}");

        Path tree = copyTree(fat);
        String entries = "/loader/entries/01-archiso-x86_64-linux";
        Map<String, String> extras = compareWithIso(arch, tree, List.of(entries + ".conf",
                "/loader/entries/02-archiso-x86_64-speech-linux.conf", "/loader/loader.conf",
                "/boot/syslinux/syslinux.cfg", "/boot/syslinux/archiso_sys-linux.cfg"));
        assertThat(extras.keySet()).containsExactlyInAnyOrder(entries + "-stickwright-persistent.conf",
                entries + "-stickwright-persistent-work.conf", "/shellx64.efi", "/ldlinux.sys", "/ldlinux.c32",
                "/boot/syslinux/ldlinux.c32", StickManifest.PATH);

        String medium = "archisobasedir=arch archisodevice=UUID=" + serial;
        assertThat(read(tree, entries + "-stickwright-persistent.conf")).isEqualTo("""
                title    Arch Linux install medium (x86_64, UEFI) (persistent)
                sort-key 01
                linux    /arch/boot/x86_64/vmlinuz-linux
                initrd   /arch/boot/x86_64/initramfs-linux.img
                options  %s cow_label=persistence cow_directory=persistent
                """.formatted(medium));
        assertThat(read(tree, entries + "-stickwright-persistent-work.conf"))
                .contains("options  " + medium + " cow_label=persistence cow_directory=work\n");
        assertThat(read(tree, entries + ".conf")).contains("(no persistence)\n", "options  " + medium + "\n");
        assertThat(read(tree, "/loader/loader.conf")).contains("default 01-archiso-x86_64-linux-stickwright-persistent.conf\n");
        String syslinux = read(tree, "/boot/syslinux/syslinux.cfg");
        assertThat(syslinux).startsWith("prompt 1\n").contains("default persistent\n",
                "append initrd=/arch/boot/x86_64/initramfs-linux.img " + medium
                        + " cow_label=persistence cow_directory=persistent\n",
                "append initrd=/arch/boot/x86_64/initramfs-linux.img " + medium + " cow_label=persistence cow_directory=work\n",
                "label live\n");
        assertThat(read(tree, "/boot/syslinux/ldlinux.c32")).isEqualTo(read(tree, "/ldlinux.c32"));
        for (String config : List.of(entries + ".conf", "/boot/syslinux/archiso_sys-linux.cfg", "/boot/syslinux/syslinux.cfg")) {
            assertThat(read(tree, config)).as(config).doesNotContain("archisosearchuuid");
        }

        Path cow = partition(stick, 2);
        Tool.run("e2fsck", "-fn", cow.toString()).ok();
        assertThat(Tool.run("e2label", cow.toString()).ok().stdout().trim()).isEqualTo("persistence");
        assertThat(Files.size(cow)).isEqualTo(160 * MIB);
        for (String directory : List.of("persistent", "work")) {
            assertThat(Tool.run("debugfs", "-R", "ls /" + directory, cow.toString()).ok().stdout())
                    .contains("upperdir", "workdir");
        }
    }

    @Test
    void systemRescueGptStickFindsItsMediumByTheFatLabel() throws Exception {
        Layout rescue = isos.systemRescue();
        Path stick = create(rescue, "--persistence", "64M", "--gpt", "--label", "sr-stick", "--size", "1G");
        assertThat(Tool.run("sgdisk", "-v", stick.toString()).ok().stdout()).contains("No problems found");
        byte[] gptMbr = Files.readAllBytes(Path.of("/usr/lib/syslinux/mbr/gptmbr.bin"));
        byte[] sector0 = new byte[gptMbr.length];
        try (var in = Files.newInputStream(stick)) {
            assertThat(in.readNBytes(sector0, 0, sector0.length)).isEqualTo(gptMbr.length);
        }
        assertThat(sector0).isEqualTo(gptMbr);
        Path fat = partition(stick, 1);
        fsckFat(fat);
        assertThat(Tool.run("blkid", "-p", "-s", "LABEL", "-o", "value", fat.toString()).ok().stdout().trim())
                .isEqualTo("SR-STICK");
        Path tree = copyTree(fat);
        Map<String, String> extras = compareWithIso(rescue, tree, List.of("/boot/grub/grubsrcd.cfg",
                "/sysresccd/boot/syslinux/sysresccd_sys.cfg"));
        assertThat(extras.keySet()).containsExactlyInAnyOrder("/ldlinux.sys", "/ldlinux.c32", "/syslinux/syslinux.cfg",
                StickManifest.PATH);

        String grub = read(tree, "/boot/grub/grubsrcd.cfg");
        assertThat(grub).contains("  set archiso_param=\"archisolabel=SR-STICK\"\n",
                "linux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd $archiso_param iomem=relaxed "
                        + "cow_label=persistence cow_directory=persistent\n",
                "menuentry \"Boot SystemRescue using default options (no persistence)\"").doesNotContain("RESCUE1100");
        assertThat(read(tree, "/sysresccd/boot/syslinux/sysresccd_sys.cfg"))
                .contains("APPEND archisobasedir=sysresccd archisolabel=SR-STICK iomem=relaxed cow_label=persistence "
                        + "cow_directory=persistent\n").doesNotContain("RESCUE1100");
        // BIOS: GRUB's $archiso_param expanded, since syslinux has no variables
        assertThat(read(tree, "/syslinux/syslinux.cfg")).contains("default persistent\n",
                "  append initrd=/sysresccd/boot/intel_ucode.img,/sysresccd/boot/amd_ucode.img,"
                        + "/sysresccd/boot/x86_64/sysresccd.img archisobasedir=sysresccd archisolabel=SR-STICK "
                        + "iomem=relaxed cow_label=persistence cow_directory=persistent\n").doesNotContain("$");

        Path cow = partition(stick, 2);
        Tool.run("e2fsck", "-fn", cow.toString()).ok();
        assertThat(Tool.run("e2label", cow.toString()).ok().stdout().trim()).isEqualTo("persistence");
        assertThat(Tool.run("debugfs", "-R", "ls /persistent", cow.toString()).ok().stdout()).contains("upperdir", "workdir");
    }

    @Test
    void keepPersistenceOnAnArchStickKeepsTheCowPartitionAndRewritesTheEntries() throws Exception {
        Layout arch = isos.arch();
        Path stick = create(arch, "--persistence", "64M", "--size", "512M");
        Path cowBefore = partition(stick, 2);
        // a change made while booted: a file in the upper directory
        Path change = dir.resolve("change");
        Files.writeString(change, "kept across upgrades\n");
        Path commands = dir.resolve("debugfs-commands");
        Files.writeString(commands, "cd /persistent/upperdir\nwrite " + change + " change\n");
        Tool.run("debugfs", "-w", "-f", commands.toString(), cowBefore.toString()).ok();
        assertThat(Tool.run("debugfs", "-R", "cat /persistent/upperdir/change", cowBefore.toString()).ok().stdout())
                .as("written into the copy").isEqualTo("kept across upgrades\n");
        Tool.run("dd", "if=" + cowBefore, "of=" + stick, "bs=1M", "seek=" + (Files.size(partition(stick, 1)) / MIB + 1),
                "conv=notrunc,sparse", "status=none").ok();
        String fatBefore = Tool.run("blkid", "-p", "-s", "UUID", "-o", "value", partition(stick, 1).toString()).ok()
                .stdout().trim();

        Tool.Result result = CliProcess.run("create", arch.iso().toString(), stick.toString(), "--mode", "extract",
                "--keep-persistence", "--yes");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("warning:");
        Path fat = partition(stick, 1);
        fsckFat(fat);
        assertThat(Tool.run("blkid", "-p", "-s", "UUID", "-o", "value", fat.toString()).ok().stdout().trim())
                .isEqualTo(fatBefore);
        Path cow = partition(stick, 2);
        Tool.run("e2fsck", "-fn", cow.toString()).ok();
        assertThat(Tool.run("debugfs", "-R", "cat /persistent/upperdir/change", cow.toString()).ok().stdout())
                .isEqualTo("kept across upgrades\n");
        Path tree = copyTree(fat);
        assertThat(read(tree, "/loader/entries/01-archiso-x86_64-linux-stickwright-persistent.conf"))
                .contains("options  archisobasedir=arch archisodevice=UUID=" + fatBefore
                        + " cow_label=persistence cow_directory=persistent\n");
        assertThat(read(tree, "/boot/syslinux/syslinux.cfg")).contains("default persistent\n");
        assertThat(Tool.run("mattrib", "-i", fat.toString(), "::/ldlinux.sys").ok().stdout()).contains("SHR");
    }

    @Test
    void whatArchisoCannotDoAndAnotherDataFilesystemExit2AndWriteNothing() throws Exception {
        Layout arch = isos.arch();
        Path existing = dir.resolve("existing.img");
        byte[] before = new byte[4 << 20];
        for (int i = 0; i < before.length; i++) {
            before[i] = (byte) (i * 7);
        }
        Files.write(existing, before);
        for (List<String> options : List.of(List.of("--persistence", "64M", "--home", "64M"),
                List.of("--persistence", "64M", "--data-fs", "exfat"), List.of("--data-fs", "none"))) {
            List<String> args = new ArrayList<>(List.of("create", arch.iso().toString(), existing.toString(), "--mode",
                    "extract", "--yes"));
            args.addAll(options);
            Tool.Result result = CliProcess.run(args.toArray(String[]::new));
            assertThat(result.exitCode()).as(options + ": " + result.output()).isEqualTo(2);
            assertThat(result.output()).contains(options.get(options.size() - 2));
            assertThat(Files.readAllBytes(existing)).as("target untouched").isEqualTo(before);
        }
        // fat32 is what extract mode makes anyway
        create(arch, "--data-fs", "fat32", "--size", "512M");
    }

    // ------------------------------------------------------------------------------ helpers

    private Path create(Layout layout, String... options) {
        Path stick = dir.resolve(layout.iso().getFileName() + ".stick");
        List<String> args = new ArrayList<>(List.of("create", layout.iso().toString(), stick.toString(), "--mode",
                "extract", "--yes"));
        args.addAll(List.of(options));
        CliProcess.run(args.toArray(String[]::new)).ok();
        return stick;
    }

    private static String read(Path tree, String path) throws IOException {
        return Files.readString(tree.resolve(path.substring(1)), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Partition {@code number} copied out (sparse) with dd, at the offsets sfdisk reports. */
    private Path partition(Path stick, int number) {
        String json = Tool.run("sfdisk", "-J", stick.toString()).ok().stdout();
        List<long[]> parts = new ArrayList<>();
        var m = java.util.regex.Pattern.compile("\"start\":\\s*(\\d+),\\s*\"size\":\\s*(\\d+)").matcher(json);
        while (m.find()) {
            parts.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
        }
        long[] p = parts.get(number - 1);
        assertThat(p[0] % 2048).as("MiB-aligned start").isZero();
        Path out = dir.resolve(stick.getFileName() + ".p" + number);
        Tool.run("dd", "if=" + stick, "of=" + out, "bs=1M", "skip=" + p[0] / 2048, "count=" + (p[1] + 2047) / 2048,
                "conv=sparse", "status=none").ok();
        return out;
    }

    private static void fsckFat(Path fat) {
        Tool.Result result = Tool.run("fsck.fat", "-n", fat.toString());
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContainIgnoringCase("dirty").doesNotContain("Free cluster summary wrong");
    }

    private Path copyTree(Path fat) throws IOException {
        Path tree = dir.resolve(fat.getFileName() + ".tree");
        Files.createDirectories(tree);
        Tool.run("mcopy", "-s", "-n", "-i", fat.toString(), "::*", tree + "/").ok();
        return tree;
    }

    /**
     * Every file of the ISO (extracted by xorriso) is on the stick with the same bytes, except
     * {@code edited}, which must differ; returns the files only the stick has.
     */
    private Map<String, String> compareWithIso(Layout layout, Path tree, List<String> edited) throws IOException {
        Path iso = dir.resolve(layout.iso().getFileName() + ".iso-tree");
        Tool.run("xorriso", "-osirrox", "on", "-indev", layout.iso().toString(), "-extract", "/", iso.toString()).ok();
        Map<String, Path> isoFiles = files(iso);
        Map<String, Path> stickFiles = files(tree);
        for (Map.Entry<String, Path> e : isoFiles.entrySet()) {
            Path onStick = stickFiles.get(e.getKey());
            assertThat(onStick).as("on the stick: " + e.getKey()).isNotNull();
            if (edited.contains(e.getKey())) {
                assertThat(Files.readAllBytes(onStick)).as("rewritten: " + e.getKey())
                        .isNotEqualTo(Files.readAllBytes(e.getValue()));
            } else {
                assertThat(onStick).as(e.getKey()).hasSameBinaryContentAs(e.getValue());
            }
        }
        Map<String, String> extras = new TreeMap<>();
        for (String path : stickFiles.keySet()) {
            if (!isoFiles.containsKey(path)) {
                extras.put(path, path);
            }
        }
        return extras;
    }

    private static Map<String, Path> files(Path root) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile).forEach(p -> out.put("/" + root.relativize(p).toString().replace('\\', '/'), p));
        }
        return out;
    }
}
