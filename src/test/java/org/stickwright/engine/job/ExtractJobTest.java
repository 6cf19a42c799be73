package org.stickwright.engine.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.boot.LiveFixture;
import org.stickwright.engine.fat.Fat32Formatter;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.fat.FileExtent;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * {@code stickwright create ISO TARGET --mode extract} run as a process on the fixture ISOs,
 * judged by the reference tools: sfdisk/sgdisk for the tables, fsck.fat and an mtools copy of
 * the whole FAT32 tree (compared file by file with xorriso's extraction of the ISO), e2fsck and
 * debugfs for every ext4 image and partition; a seeded run twice gives identical bytes; bad
 * input exits 2 and leaves the target as it was.
 */
@Tag(Tags.ORACLE)
class ExtractJobTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        Capabilities.requireTools("sfdisk", "sgdisk", "fsck.fat", "mcopy", "mdir", "mattrib", "e2fsck", "debugfs", "xorriso", "dd",
                "syslinux");
    }

    @Test
    void fedoraFlatStickHoldsTheIsoTreeTheOverlayImageAndHome() throws Exception {
        Path stick = create(LiveFixture.FEDORA_FLAT, "--persistence", "256M", "--home", "64M", "--profile", "work=32M",
                "--size", "2G", "--seed", "11");
        assertThat(Tool.run("sfdisk", "--verify", stick.toString()).ok().output()).contains("No errors detected");
        Path fat = partition(stick, 1);
        fsckFat(fat);
        String serial;
        String label;
        try (ImageFile image = ImageFile.openReadOnly(fat); FatFileSystem volume = FatFileSystem.open(image)) {
            serial = volume.volumeSerialText();
            label = volume.volumeLabel().trim();
        }
        assertThat(label).isEqualTo("FEDORA-SWFL");
        Path tree = copyTree(fat);
        Map<String, String> extras = compareWithIso(LiveFixture.FEDORA_FLAT, tree,
                List.of("/EFI/BOOT/grub.cfg", "/boot/grub2/grub.cfg"));
        String overlay = "/LiveOS/overlay-" + label + "-" + serial;
        assertThat(extras.keySet()).containsExactlyInAnyOrder(overlay, "/LiveOS/overlay-work", "/LiveOS/home.img",
                "/ldlinux.sys", "/ldlinux.c32", "/syslinux/syslinux.cfg", StickManifest.PATH);
        assertThat(Files.readString(tree.resolve("syslinux/syslinux.cfg")))
                .contains("default persistent\n", "label persistent-work\n", "label live\n",
                        "append initrd=/images/pxeboot/initrd.img root=live:UUID=" + serial);
        // BIOS chain: SYSLINUX's MBR code, the FAT boot sector carrying SYSLINUX's code
        byte[] mbrCode = Files.readAllBytes(Path.of("/usr/lib/syslinux/mbr/mbr.bin"));
        try (ImageFile image = ImageFile.openReadOnly(stick)) {
            assertThat(image.readBytes(0, mbrCode.length)).isEqualTo(mbrCode);
        }
        // SYSLINUX's installer marks its loader so that nothing moves the sectors patched into it
        assertThat(Tool.run("mattrib", "-i", fat.toString(), "::/ldlinux.sys").ok().stdout()).contains("SHR");
        try (ImageFile image = ImageFile.openReadOnly(fat)) {
            assertThat(new String(image.readBytes(3, 8), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("SYSLINUX");
            assertThat(image.readBytes(6 * 512, 512)).as("backup boot sector").isEqualTo(image.readBytes(0, 512));
        }

        String grub = Files.readString(tree.resolve("EFI/BOOT/grub.cfg"));
        assertThat(grub).contains("search --no-floppy --set=root --fs-uuid " + serial)
                .contains("root=live:UUID=" + serial + " rd.live.image console=ttyS0 rd.live.overlay=UUID=" + serial
                        + " rd.live.overlay.overlayfs")
                .contains("rd.live.overlay=UUID=" + serial + ":/LiveOS/overlay-work rd.live.overlay.overlayfs")
                .doesNotContain("CDLABEL", "-l 'Fedora");
        assertThat(Files.readString(tree.resolve("boot/grub2/grub.cfg"))).isEqualTo(grub);

        for (String image : List.of(overlay, "/LiveOS/overlay-work", "/LiveOS/home.img")) {
            Path copy = tree.resolve(image.substring(1));
            Tool.run("e2fsck", "-fn", copy.toString()).ok();
        }
        assertThat(Files.size(tree.resolve(overlay.substring(1)))).isEqualTo(256 * MIB);
        String upper = Tool.run("debugfs", "-R", "ls -l /", tree.resolve(overlay.substring(1)).toString()).ok().stdout();
        assertThat(upper).contains("overlayfs", "ovlwork");
    }

    @Test
    void fedoraNestedStoreIsADmSnapshotFileWithAZeroHeader() throws Exception {
        Path stick = create(LiveFixture.FEDORA_NESTED, "--persistence", "100M", "--size", "1G", "--gpt",
                "--label", "nestedlive");
        assertThat(Tool.run("sgdisk", "-v", stick.toString()).ok().stdout()).contains("No problems found");
        Path fat = partition(stick, 1);
        fsckFat(fat);
        try (ImageFile image = ImageFile.openReadOnly(fat); FatFileSystem volume = FatFileSystem.open(image)) {
            assertThat(volume.volumeLabel().trim()).isEqualTo("NESTEDLIVE");
            String store = "/LiveOS/overlay-NESTEDLIVE-" + volume.volumeSerialText();
            List<FileExtent> extents = volume.extents(store);
            assertThat(extents).as("one contiguous run").hasSize(1);
            assertThat(extents.get(0).length()).isEqualTo(100 * MIB).matches(n -> n % 4096 == 0);
            assertThat(image.readBytes(extents.get(0).deviceOffset(), 64 * 1024)).containsOnly(0);
        }
        Path tree = copyTree(fat);
        compareWithIso(LiveFixture.FEDORA_NESTED, tree, List.of("/EFI/BOOT/grub.cfg", "/boot/grub2/grub.cfg"));
        assertThat(Files.readString(tree.resolve("EFI/BOOT/grub.cfg"))).doesNotContain("rd.live.overlay.overlayfs")
                .contains("rd.live.overlay=UUID=");
    }

    @Test
    void debianStoreIsAnExt4PartitionAndTheEfiLoaderComesOutOfTheEfiImage() throws Exception {
        Path stick = create(LiveFixture.DEBIAN_LIVE, "--persistence", "128M", "--profile", "work=32M", "--size", "1G");
        String table = Tool.run("sfdisk", "-d", stick.toString()).ok().stdout();
        assertThat(table).contains("type=c, bootable").contains("type=83");
        Path fat = partition(stick, 1);
        fsckFat(fat);
        Path tree = copyTree(fat);
        Map<String, String> extras = compareWithIso(LiveFixture.DEBIAN_LIVE, tree,
                List.of("/boot/grub/grub.cfg", "/isolinux/live.cfg"));
        assertThat(extras).containsOnlyKeys("/EFI/boot/bootx64.efi", "/ldlinux.sys", "/ldlinux.c32",
                "/syslinux/syslinux.cfg", StickManifest.PATH);
        assertThat(Files.readString(tree.resolve("isolinux/live.cfg")))
                .contains("quiet splash console=ttyS0 persistence\n")
                .contains("persistence persistence-label=work");
        assertThat(Files.readString(tree.resolve("boot/grub/grub.cfg"))).contains("console=ttyS0 persistence\n");
        // the loader from inside boot/grub/efi.img, byte for byte
        Path efiImage = tree.resolve("boot/grub/efi.img");
        Path loader = dir.resolve("loader.efi");
        Tool.run("mcopy", "-n", "-i", efiImage.toString(), "::/EFI/boot/bootx64.efi", loader.toString()).ok();
        assertThat(tree.resolve("EFI/boot/bootx64.efi")).hasSameBinaryContentAs(loader);

        for (int number : new int[] {2, 3}) {
            Path ext4 = partition(stick, number);
            Tool.run("e2fsck", "-fn", ext4.toString()).ok();
            String conf = Tool.run("debugfs", "-R", "cat /persistence.conf", ext4.toString()).ok().stdout();
            assertThat(conf).isEqualTo("/ union\n");
            String label = Tool.run("e2label", ext4.toString()).ok().stdout().trim();
            assertThat(label).isEqualTo(number == 2 ? "persistence" : "work");
        }
    }

    @Test
    void debianHomeIsItsOwnExt4PartitionNamedBesideThePersistenceLabel() throws Exception {
        Path stick = create(LiveFixture.DEBIAN_LIVE, "--persistence", "128M", "--home", "64M", "--size", "1G");
        assertThat(Tool.run("sfdisk", "--verify", stick.toString()).ok().output()).contains("No errors detected");
        Path fat = partition(stick, 1);
        fsckFat(fat);
        Path tree = copyTree(fat);
        // as hybrid mode does: live-boot reads only the labels listed, each volume's persistence.conf
        assertThat(Files.readString(tree.resolve("isolinux/live.cfg")))
                .contains("console=ttyS0 persistence persistence-label=persistence,home-rw\n");
        assertThat(Files.readString(tree.resolve("boot/grub/grub.cfg")))
                .contains("console=ttyS0 persistence persistence-label=persistence,home-rw\n");
        assertThat(Files.readString(tree.resolve("syslinux/syslinux.cfg")))
                .contains("persistence persistence-label=persistence,home-rw\n");
        Map<Integer, String[]> expected = Map.of(2, new String[] {"persistence", "/ union\n"}, 3,
                new String[] {"home-rw", "/home\n"});
        for (Map.Entry<Integer, String[]> e : expected.entrySet()) {
            Path ext4 = partition(stick, e.getKey());
            Tool.run("e2fsck", "-fn", ext4.toString()).ok();
            assertThat(Tool.run("e2label", ext4.toString()).ok().stdout().trim()).isEqualTo(e.getValue()[0]);
            assertThat(Tool.run("debugfs", "-R", "cat /persistence.conf", ext4.toString()).ok().stdout())
                    .isEqualTo(e.getValue()[1]);
        }
        assertThat(Files.size(partition(stick, 3))).isEqualTo(64 * MIB);
    }

    @Test
    void aStoreOf4GiBOrMoreBecomesAnExt4PartitionAndCostsNoMoreTime() throws Exception {
        Path stick = create(LiveFixture.FEDORA_FLAT, "--persistence", "5G", "--size", "8G");
        Path fat = partition(stick, 1);
        fsckFat(fat);
        Path ext4 = partition(stick, 2);
        Tool.run("e2fsck", "-fn", ext4.toString()).ok();
        String serial;
        try (ImageFile image = ImageFile.openReadOnly(fat); FatFileSystem volume = FatFileSystem.open(image)) {
            serial = volume.volumeSerialText();
        }
        String listing = Tool.run("debugfs", "-R", "ls -l /LiveOS", ext4.toString()).ok().stdout();
        assertThat(listing).contains("overlay-FEDORA-SWFL-" + serial, "ovlwork");
        assertThat(Tool.run("mtype", "-i", fat.toString(), "::/EFI/BOOT/grub.cfg").ok().stdout())
                .contains(":/LiveOS/overlay-FEDORA-SWFL-" + serial + " rd.live.overlay.overlayfs");
        // a sparse 8 GiB target: only metadata was written, so few blocks are allocated
        long allocated = Long.parseLong(Tool.run("stat", "-c", "%b", stick.toString()).ok().stdout().trim()) * 512;
        assertThat(allocated).as("bytes allocated in the sparse stick image").isLessThan(200 * MIB);
    }

    @Test
    void aSeededRunIsByteIdenticalAndAnUnseededOneIsNot() throws Exception {
        Path a = createNamed(LiveFixture.FEDORA_FLAT, "a.img", "--persistence", "64M", "--home", "32M", "--size", "1G",
                "--seed", "5");
        Path b = createNamed(LiveFixture.FEDORA_FLAT, "b.img", "--persistence", "64M", "--home", "32M", "--size", "1G",
                "--seed", "5");
        Path c = createNamed(LiveFixture.FEDORA_FLAT, "c.img", "--persistence", "64M", "--home", "32M", "--size", "1G");
        assertThat(Tool.run("cmp", a.toString(), b.toString()).exitCode()).as("seeded runs are identical").isZero();
        assertThat(Tool.run("cmp", a.toString(), c.toString()).exitCode()).as("unseeded: other identifiers").isNotZero();
    }

    @Test
    void verifyReadsBackEverythingWrittenAndFindsAChangedByte() throws Exception {
        CreateRequest request = new CreateRequest(LiveFixture.FEDORA_FLAT.iso(), CreateRequest.Mode.EXTRACT, 64 * MIB,
                0, List.of(), null, CreateRequest.DataFs.FAT32, false, false, null, true, java.util.OptionalLong.of(9));
        ExtractJob job = new ExtractJob(request, new org.stickwright.engine.io.Progress(),
                new org.stickwright.engine.io.Cancellation());
        try (ImageFile device = ImageFile.create(dir.resolve("verify.img"), 1L << 30)) {
            CreatePlan plan = job.plan(device.size(), device.logicalSectorSize());
            CreateJob.Created created = job.write(plan, device);
            job.verify(created, device);
            long at;
            try (FatFileSystem volume = FatFileSystem.open(device.slice(MIB, device.size() - MIB))) {
                FileExtent squashfs = volume.extents("/LiveOS/squashfs.img").get(0);
                at = MIB + squashfs.deviceOffset() + squashfs.length() / 2;
            }
            byte[] old = device.readBytes(at, 1);
            device.writeBytes(at, new byte[] {(byte) ~old[0]});
            assertThatThrownBy(() -> job.verify(created, device)).isInstanceOf(JobException.class)
                    .hasMessageContaining("differs")
                    .satisfies(e -> assertThat(((JobException) e).outcome()).isEqualTo(Outcome.VERIFY_MISMATCH));
        }
    }

    @Test
    void badInputExits2AndWritesNothing() throws Exception {
        Path existing = dir.resolve("existing.img");
        byte[] before = new byte[4 << 20];
        for (int i = 0; i < before.length; i++) {
            before[i] = (byte) (i * 31);
        }
        Files.write(existing, before);
        List<List<String>> cases = List.of(
                List.of("--persistence", "256M", "--label", "much-too-long-label"),
                List.of("--persistence", "256M", "--profile", "bad/name=64M"),
                List.of("--persistence", "1M"),
                List.of("--profile", "work=64M"),
                List.of("--persistence", "256M"));  // 4 MiB target: too small
        for (List<String> options : cases) {
            List<String> args = new ArrayList<>(List.of("create", LiveFixture.DEBIAN_LIVE.iso().toString(),
                    existing.toString(), "--mode", "extract", "--yes"));
            args.addAll(options);
            Tool.Result result = CliProcess.run(args.toArray(String[]::new));
            assertThat(result.exitCode()).as(String.join(" ", options) + ": " + result.output()).isEqualTo(2);
            assertThat(Files.readAllBytes(existing)).as("target untouched").isEqualTo(before);
        }
        Path missing = dir.resolve("missing.img");
        Tool.Result result = CliProcess.run("create", dir.resolve("no.iso").toString(), missing.toString(), "--mode",
                "extract", "--size", "1G", "--yes", "--persistence", "64M");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        assertThat(missing).doesNotExist();
    }

    @Test
    void derivedLabelsAreFatSafe() throws Exception {
        Path stick = create(LiveFixture.DEBIAN_LIVE, "--size", "1G");
        Path fat = partition(stick, 1);
        try (ImageFile image = ImageFile.openReadOnly(fat); FatFileSystem volume = FatFileSystem.open(image)) {
            // "d-live 12 sw amd64": upper case, spaces as '_', 11 characters at most
            assertThat(volume.volumeLabel().trim()).isEqualTo("D-LIVE_12_S");
            assertThat(Fat32Formatter.serialText(volume.volumeSerial())).isEqualTo(volume.volumeSerialText());
        }
        fsckFat(fat);
    }

    @Test
    void keepPersistenceReplacesTheLiveFilesAndKeepsTheStores() throws Exception {
        Path stick = create(LiveFixture.FEDORA_FLAT, "--persistence", "64M", "--home", "32M", "--size", "1G");
        String serial;
        Map<String, String> before = new TreeMap<>();
        List<String> stores = new ArrayList<>();
        try (ImageFile image = ImageFile.openReadWrite(stick)) {
            var fat = image.slice(MIB, image.size() - MIB);
            try (FatFileSystem volume = FatFileSystem.open(fat)) {
                serial = volume.volumeSerialText();
                stores.add("/LiveOS/overlay-FEDORA-SWFL-" + serial);
                stores.add("/LiveOS/home.img");
                // a change made while booted: a block in the middle of each store
                for (String store : stores) {
                    FileExtent extent = volume.extents(store).get(0);
                    fat.writeBytes(extent.deviceOffset() + 16 * MIB, "kept across upgrades".getBytes());
                }
            }
            try (FatFileSystem volume = FatFileSystem.open(fat)) {
                for (String store : stores) {
                    before.put(store, volume.extents(store) + " " + sha256(volume.readAllBytes(store)));
                }
            }
        }
        Tool.Result result = CliProcess.run("create", LiveFixture.FEDORA_NESTED.iso().toString(), stick.toString(),
                "--mode", "extract", "--keep-persistence", "--yes");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("warning:");
        Path fat = partition(stick, 1);
        fsckFat(fat);
        try (ImageFile image = ImageFile.openReadOnly(fat); FatFileSystem volume = FatFileSystem.open(image)) {
            assertThat(volume.volumeSerialText()).isEqualTo(serial);
            for (String store : stores) {
                assertThat(volume.extents(store) + " " + sha256(volume.readAllBytes(store))).as(store)
                        .isEqualTo(before.get(store));
            }
        }
        Path tree = copyTree(fat);
        Map<String, String> extras = compareWithIso(LiveFixture.FEDORA_NESTED, tree,
                List.of("/EFI/BOOT/grub.cfg", "/boot/grub2/grub.cfg"));
        assertThat(extras.keySet()).containsExactlyInAnyOrder(stores.get(0), stores.get(1), "/ldlinux.sys",
                "/ldlinux.c32", "/syslinux/syslinux.cfg", StickManifest.PATH);
        assertThat(Files.readString(tree.resolve("EFI/BOOT/grub.cfg"))).contains("search --no-floppy --set=root --fs-uuid "
                + serial, "rd.live.overlay=UUID=" + serial + " rd.live.overlay.overlayfs").doesNotContain("Fedora-SWFlat");
    }

    @Test
    void keepPersistenceWarnsWhenADmSnapshotStoreMeetsAnotherRootImage() throws Exception {
        Path stick = create(LiveFixture.FEDORA_NESTED, "--persistence", "64M", "--size", "1G");
        Tool.Result same = CliProcess.run("create", LiveFixture.FEDORA_NESTED.iso().toString(), stick.toString(),
                "--mode", "extract", "--keep-persistence", "--yes");
        assertThat(same.exitCode()).as(same.output()).isZero();
        assertThat(same.output()).doesNotContain("warning:");
        Tool.Result other = CliProcess.run("create", LiveFixture.FEDORA_FLAT.iso().toString(), stick.toString(),
                "--mode", "extract", "--keep-persistence", "--yes");
        assertThat(other.exitCode()).as(other.output()).isZero();
        assertThat(other.output()).contains("warning:", "dm-snapshot");
        fsckFat(partition(stick, 1));
    }

    @Test
    void keepPersistenceRefusesSticksItDidNotMakeAndOtherFamilies() throws Exception {
        Path fedora = create(LiveFixture.FEDORA_FLAT, "--persistence", "64M", "--size", "1G");
        String before = fileHash(fedora);
        Tool.Result debian = CliProcess.run("create", LiveFixture.DEBIAN_LIVE.iso().toString(), fedora.toString(),
                "--mode", "extract", "--keep-persistence", "--yes");
        assertThat(debian.exitCode()).as(debian.output()).isEqualTo(2);
        assertThat(fileHash(fedora)).as("untouched").isEqualTo(before);

        Path raw = dir.resolve("raw.img");
        Files.copy(LiveFixture.DEBIAN_LIVE.iso(), raw);
        byte[] rawBefore = Files.readAllBytes(raw);
        Tool.Result notOurs = CliProcess.run("create", LiveFixture.DEBIAN_LIVE.iso().toString(), raw.toString(),
                "--mode", "extract", "--keep-persistence", "--yes");
        assertThat(notOurs.exitCode()).as(notOurs.output()).isEqualTo(2);
        assertThat(Files.readAllBytes(raw)).as("untouched").isEqualTo(rawBefore);
    }

    /** SHA-256 of a (large, sparse) image file, streamed. */
    private static String fileHash(Path file) throws Exception {
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0;) {
                digest.update(buffer, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    // ------------------------------------------------------------------------------ helpers

    private Path create(LiveFixture fixture, String... options) {
        return createNamed(fixture, fixture.name().toLowerCase() + ".img", options);
    }

    private Path createNamed(LiveFixture fixture, String name, String... options) {
        Path stick = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("create", fixture.iso().toString(), stick.toString(), "--mode",
                "extract", "--yes"));
        args.addAll(List.of(options));
        CliProcess.run(args.toArray(String[]::new)).ok();
        return stick;
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

    /** The whole FAT32 tree copied out by mtools. */
    private Path copyTree(Path fat) throws IOException {
        Path tree = dir.resolve(fat.getFileName() + ".tree");
        Files.createDirectories(tree);
        Tool.run("mcopy", "-s", "-n", "-i", fat.toString(), "::*", tree + "/").ok();
        return tree;
    }

    /**
     * Compares the FAT tree with xorriso's extraction of the ISO: every ISO file is there with
     * the same bytes except {@code edited} (which must differ); returns the files only the stick has.
     */
    private Map<String, String> compareWithIso(LiveFixture fixture, Path tree, List<String> edited) throws IOException {
        Path iso = dir.resolve(fixture.name() + ".iso-tree");
        Tool.run("xorriso", "-osirrox", "on", "-indev", fixture.iso().toString(), "-extract", "/", iso.toString()).ok();
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
