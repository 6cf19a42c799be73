package org.stickwright.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.iso.IsoPatcher;
import org.stickwright.engine.part.PartitionTables;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The overlay toolkit against overlayfs stores written by a booted kernel, on sticks made by
 * {@code stickwright create --mode extract} as users make them: the Fedora flat fixture (dracut,
 * an ext4 image {@code LiveOS/overlay-<LABEL>-<UUID>} on the FAT32 partition holding
 * {@code /overlayfs} and {@code /ovlwork}) and the Debian fixture (live-boot, an ext4 partition
 * labelled {@code persistence}, upper {@code /rw}). Per family, OVMF, the two families booting
 * side by side:
 * <ol>
 * <li>boot 1 (the boot lines get {@code stickwright.overlaytest=write}): the guest creates,
 * overwrites and deletes known files and replaces the empty {@code /mnt} (an opaque directory);
 * {@code overlay inspect} finds each of them in the upper, and the used bytes it reads offline
 * are the guest's {@code df} used figure plus the file system's own metadata;</li>
 * <li>{@code overlay export}, a fresh stick from the same ISO, {@code overlay import}; Fedora's
 * embedded image then grows 64 to 128 MiB in place ({@code overlay resize});
 * live-boot's partition, which ends the stick, is refused until the stick is 64 MiB larger and
 * then grows in place, partition entry and ext4 (e2fsck -fn on both results): boot 2 on the
 * fresh stick sees the same files, the same {@code /mnt}, boot 1's root marker and a {@code df}
 * total grown by 64 MiB;</li>
 * <li>{@code overlay merge} gives a new ISO (Debian: from a hybrid stick holding boot 1's store,
 * imported; Fedora: from boot 1's extract stick with {@code --base-iso}, the fixture ISO); written
 * raw to a fresh disk with no persistence and booted with SeaBIOS, it shows boot 1's files, its
 * opaque {@code /mnt} and its root marker;</li>
 * <li>{@code overlay reset}: boot 3 boots with the fixture's own files and no marker.</li>
 * </ol>
 * Serial logs in target/boot-logs/.
 */
@Tag(Tags.BOOT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OverlayFamiliesBootTest {
    private static final Pattern DF_LINE = Pattern.compile("STICKWRIGHT-DF (\\S+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+\\S+\\s+/\\s*$");
    private static final Pattern MNT_LINE = Pattern.compile("STICKWRIGHT-MNT ?(.*)$");
    private static final Pattern STEP = Pattern.compile("( stickwright\\.overlaytest=\\S+)?( console=ttyS0)");
    private static final String NEW = "/stickwright-ovl/new.txt";
    private static final String OVERWRITE = "/usr/share/stickwright/overwrite.txt";
    private static final String DELETE = "/usr/share/stickwright/delete.txt";
    private static final String KEEP = "/usr/share/stickwright/keep.txt";
    /** make-images.sh: 5000 lines "overwrite %08g"; the guest's dd overwrites inside it. */
    private static final long OVERWRITE_BYTES = 5000L * "overwrite 00000001\n".length();

    private final BootRunner runner = BootRunner.withDefaultLogs();
    private final Path sticks = Path.of("target", "overlay-family-sticks").toAbsolutePath();
    private final List<String> timings = Collections.synchronizedList(new ArrayList<>());
    private Future<Void> flat;
    private Future<Void> debian;
    private Future<Void> directory;
    private ExecutorService workers;
    private long start;

    @BeforeAll
    void startBoots() throws IOException {
        Capabilities.requireRoot();
        Capabilities.requireTools("qemu-system-x86_64", "debootstrap", "flock", "syslinux", "e2fsck");
        Capabilities.require(Firmware.OVMF.installed(), "OVMF is not installed (Debian package ovmf)");
        start = System.nanoTime();
        LiveFixture.builtDirectory();
        BootRunner.accelerator();
        Files.createDirectories(sticks);
        workers = Executors.newFixedThreadPool(2);
        flat = workers.submit(() -> scenario(LiveFixture.FEDORA_FLAT, "flat", "embedded_overlay_image"));
        debian = workers.submit(() -> scenario(LiveFixture.DEBIAN_LIVE, "debian", "live_boot_persistence"));
        directory = workers.submit(this::directoryStoreScenario);
        workers.shutdown();
    }

    @AfterAll
    void stopBoots() throws IOException {
        if (workers != null) {
            workers.shutdownNow();
        }
        if (start != 0) {
            timings.add(String.format("overlay family boot tests: %d s", (System.nanoTime() - start) / 1_000_000_000L));
            Files.createDirectories(Path.of("target", "boot-logs"));
            Files.write(Path.of("target", "boot-logs", "overlay-family-timings.txt"), timings);
            timings.forEach(System.out::println);
        }
        if (Files.isDirectory(sticks)) {
            try (Stream<Path> files = Files.walk(sticks)) {
                files.sorted(Collections.reverseOrder()).forEach(OverlayFamiliesBootTest::delete);
            }
        }
    }

    @Test
    void fedoraFlatEmbeddedImageInspectExportImportReset() throws Exception {
        get(flat);
    }

    @Test
    void debianPersistencePartitionInspectExportImportReset() throws Exception {
        get(debian);
    }

    @Test
    void fedoraHybridDirectoryStoreExportedAndImportedOntoAFreshStick() throws Exception {
        get(directory);
    }

    /**
     * A hybrid Fedora stick keeps its changes as a directory in an ext4 partition: boot 1
     * (SeaBIOS) leaves its root marker there; {@code overlay export} writes the directory as a
     * pax tar.xz, {@code overlay import} creates it inside a fresh stick's ext4 in place, and
     * boot 2 of the fresh stick finds boot 1's marker.
     */
    private Void directoryStoreScenario() throws Exception {
        Path first = createHybrid(LiveFixture.FEDORA_FLAT, "flat-hybrid-first");
        BootResult one = runner.boot(first, Firmware.SEABIOS);
        timings.add("flat hybrid boot 1: " + one.summary());
        assertThat(one.outcome()).as(one.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
        assertThat(one.root().state()).as(one.summary()).isEqualTo(Marker.State.FIRST_BOOT);
        Path backup = sticks.resolve("flat-hybrid.store.tar.xz");
        delete(backup);
        JsonObject exported = CliProcess.lastJson(CliProcess.run("overlay", "export", first.toString(), "--output",
                backup.toString(), "--json").ok());
        assertThat(exported.get("format").getAsString()).isEqualTo("pax tar.xz");
        delete(first);
        Path second = createHybrid(LiveFixture.FEDORA_FLAT, "flat-hybrid-second");
        JsonObject imported = CliProcess.lastJson(CliProcess.run("overlay", "import", second.toString(),
                backup.toString(), "--yes", "--json").ok());
        assertThat(imported.get("restoredEntries").getAsLong()).isEqualTo(exported.get("entries").getAsLong() - 1);
        BootResult two = runner.boot(second, Firmware.SEABIOS);
        timings.add("flat hybrid boot 2 (after import on a fresh stick): " + two.summary());
        assertThat(two.outcome()).as(two.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
        assertThat(two.root().state()).as(two.summary()).isEqualTo(Marker.State.PERSIST_OK);
        assertThat(two.root().token()).as(two.summary()).isEqualTo(one.root().token());
        return null;
    }

    private Path createHybrid(LiveFixture fixture, String name) {
        Path stick = sticks.resolve(name + ".img");
        delete(stick);
        CliProcess.run("create", fixture.iso().toString(), stick.toString(), "--size", "512M", "--persistence", "64M",
                "--yes").ok();
        return stick;
    }

    private Void scenario(LiveFixture fixture, String name, String kind) throws Exception {
        // boot 1: the guest changes known files
        Path first = create(fixture, name + "-first");
        setStep(first, "write");
        BootResult one = boot(first, name + " boot 1 (write)");
        Map<String, String> files = OverlayStick.files(one);
        assertThat(files).as(one.summary()).hasSize(4)
                .containsEntry(NEW, OverlayBootTest.md5(OverlayBootTest.newFileContent()))
                .containsEntry(DELETE, "MISSING");
        assertThat(files.get(OVERWRITE)).isNotEqualTo("MISSING");
        assertThat(files.get(KEEP)).isNotEqualTo("MISSING");
        assertThat(mnt(one)).as(one.summary()).isEqualTo("stickwright-opaque.txt");
        assertThat(one.root().state()).as(one.summary()).isEqualTo(Marker.State.FIRST_BOOT);
        long[] df = df(one);

        JsonObject store = inspect(first, kind);
        assertThat(store.get("state").getAsString()).isEqualTo("valid");
        Map<String, Long> largest = largest(store);
        assertThat(largest).as(store.toString()).containsEntry(NEW, (long) OverlayBootTest.newFileContent().length)
                .containsEntry(OVERWRITE, OVERWRITE_BYTES).doesNotContainKey(KEEP);
        assertThat(strings(store.getAsJsonArray("deleted"))).as(store.toString()).contains(DELETE);
        // the guest's new /mnt; live-boot marks a few directories of its own opaque as it sets up
        assertThat(store.get("opaqueDirectories").getAsLong()).as(store.toString())
                .isBetween(1L, kind.equals("embedded_overlay_image") ? 1L : 5L);
        // new.txt, overwrite.txt, the opaque /mnt's file and the init's marker (plus whatever the
        // live system itself writes: live-boot and dracut add none to the upper here)
        assertThat(store.get("changedFiles").getAsLong()).as(store.toString()).isGreaterThanOrEqualTo(4);
        // df on an overlayfs root reports the upper's file system: blocks minus ext4's metadata
        // overhead; offline we count every block in use, overhead included.
        long sizeBytes = store.get("sizeBytes").getAsLong();
        long usedBytes = store.get("usedBytes").getAsLong();
        long overhead = sizeBytes - df[0] * 1024;
        long expected = df[1] * 1024 + overhead;
        System.out.printf("%s boot 1: guest df total %d KiB used %d KiB; offline used %d bytes (df used + %d bytes"
                + " of metadata = %d)%n", name, df[0], df[1], usedBytes, overhead, expected);
        assertThat(overhead).isBetween(0L, sizeBytes / 10);
        assertThat(usedBytes).as("offline used bytes vs the guest's df").isBetween(expected - 256 * 1024,
                expected + 256 * 1024);

        // export, a fresh stick from the same ISO, import: boot 2 sees the same files
        Path backup = sticks.resolve(name + ".store.xz");
        delete(backup);
        JsonObject exported = CliProcess.lastJson(CliProcess.run("overlay", "export", first.toString(), "--output",
                backup.toString(), "--json").ok());
        assertThat(exported.get("fileBytes").getAsLong()).isLessThan(sizeBytes / 4);
        mergedIsoBoot(name, kind.equals("live_boot_persistence") ? mergedFromHybrid(fixture, name, backup)
                : mergedFromBase(fixture, name, first), files, one);
        Path second = create(fixture, name + "-second");
        JsonObject imported = CliProcess.lastJson(CliProcess.run("overlay", "import", second.toString(), backup.toString(),
                "--yes", "--json").ok());
        assertThat(imported.get("sameBaseImage").getAsBoolean()).isTrue();
        if (kind.equals("embedded_overlay_image")) {
            // the embedded image grows 64 -> 128 MiB in place; e2fsck accepts it
            JsonObject resized = CliProcess.lastJson(CliProcess.run("overlay", "resize", second.toString(), "--to", "128M", "--yes",
                    "--json").ok());
            assertThat(resized.get("newSizeBytes").getAsLong()).isEqualTo(128L << 20);
            fsckStore(second, inspect(second, kind).get("path").getAsString());
        } else {
            // the persistence partition ends the stick: no room, refused and nothing written ...
            String before = org.stickwright.testing.TestImages.sha256(second);
            Tool.Result refused = CliProcess.run("overlay", "resize", second.toString(), "--to", "128M", "--yes");
            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
            assertThat(refused.stderr()).contains("can grow to at most", "the end of the disk");
            assertThat(org.stickwright.testing.TestImages.sha256(second)).isEqualTo(before);
            // ... until the stick is larger (a 1 GiB image written to a bigger stick): the partition and its
            // ext4 grow 64 -> 128 MiB in place
            try (ImageFile disk = ImageFile.openReadWrite(second)) {
                disk.setSize(disk.size() + (64L << 20));
            }
            JsonObject resized = CliProcess.lastJson(CliProcess.run("overlay", "resize", second.toString(), "--to", "128M",
                    "--yes", "--json").ok());
            assertThat(resized.get("newSizeBytes").getAsLong()).isEqualTo(128L << 20);
            fsckPartition(second, inspect(second, kind).get("partition").getAsInt());
        }
        setStep(second, "check");
        BootResult two = boot(second, name + " boot 2 (after import on a fresh stick, grown)");
        assertThat(OverlayStick.files(two)).as(two.summary()).isEqualTo(files);
        long[] dfTwo = df(two);
        System.out.printf("%s boot 2: guest df total %d KiB used %d KiB%n", name, dfTwo[0], dfTwo[1]);
        assertThat(dfTwo[0]).as("the guest sees the grown store").isGreaterThan(df[0] + 50 * 1024);
        assertThat(mnt(two)).as(two.summary()).isEqualTo("stickwright-opaque.txt");
        assertThat(two.root().state()).as(two.summary()).isEqualTo(Marker.State.PERSIST_OK);
        assertThat(two.root().token()).as(two.summary()).isEqualTo(one.root().token());

        // reset: boot 3 sees the fixture's files again and no marker
        CliProcess.run("overlay", "reset", second.toString(), "--yes").ok();
        assertThat(inspect(second, kind).get("changedFiles").getAsLong()).isZero();
        BootResult three = boot(second, name + " boot 3 (after reset)");
        Map<String, String> fresh = OverlayStick.files(three);
        assertThat(fresh).as(three.summary()).containsEntry(NEW, "MISSING").containsEntry(KEEP, files.get(KEEP));
        assertThat(fresh.get(DELETE)).isNotEqualTo("MISSING");
        assertThat(fresh.get(OVERWRITE)).isNotEqualTo(files.get(OVERWRITE));
        assertThat(mnt(three)).as(three.summary()).isEmpty();
        assertThat(three.root().state()).as(three.summary()).isEqualTo(Marker.State.FIRST_BOOT);
        return null;
    }

    /**
     * Debian: {@code overlay merge} of a hybrid stick holding boot 1's store (imported from the
     * backup), so the ISO comes from the stick itself.
     */
    private Path mergedFromHybrid(LiveFixture fixture, String name, Path backup) throws IOException {
        Path hybrid = sticks.resolve(name + "-hybrid.img");
        delete(hybrid);
        CliProcess.run("create", fixture.iso().toString(), hybrid.toString(), "--size", "512M", "--persistence",
                "96M", "--yes").ok();
        CliProcess.run("overlay", "import", hybrid.toString(), backup.toString(), "--yes", "--json").ok();
        Path iso = merge(name, hybrid);
        delete(hybrid);
        return iso;
    }

    /**
     * Fedora flat: {@code overlay merge --base-iso} of boot 1's own extract stick, whose FAT
     * partition holds no ISO to rebuild: the fixture ISO is rebuilt with the stick's changes.
     */
    private Path mergedFromBase(LiveFixture fixture, String name, Path extractStick) throws IOException {
        return merge(name, extractStick, "--base-iso", fixture.iso().toString());
    }

    private Path merge(String name, Path stick, String... options) {
        Path iso = sticks.resolve(name + "-merged.iso");
        delete(iso);
        List<String> args = new ArrayList<>(List.of("overlay", "merge", stick.toString(), "--output", iso.toString(),
                "--json"));
        args.addAll(List.of(options));
        long started = System.nanoTime();
        JsonObject merged = CliProcess.lastJson(CliProcess.run(args.toArray(String[]::new)).ok());
        timings.add(String.format("%s merge: %d ms, squashfs %d bytes, ISO %d bytes", name,
                (System.nanoTime() - started) / 1_000_000, merged.get("squashfsBytes").getAsLong(),
                merged.get("isoBytes").getAsLong()));
        assertThat(merged.get("whiteouts").getAsLong()).as(merged.toString()).isPositive();
        return iso;
    }

    /**
     * The merged ISO written raw to a fresh disk with no persistence volume, booted with SeaBIOS
     * (isolinux reads its configuration from the ISO tree, where the test step is patched in):
     * the guest sees boot 1's files, its opaque /mnt and its root marker from the merged squashfs
     * alone.
     */
    private void mergedIsoBoot(String name, Path iso, Map<String, String> files, BootResult one) throws IOException {
        Path disk = sticks.resolve(name + "-merged.img");
        delete(disk);
        Files.move(iso, disk);
        try (ImageFile image = ImageFile.openReadWrite(disk)) {
            image.setSize(256L << 20);
            IsoImage tree = IsoImage.open(image);
            List<String> configs = new ArrayList<>();
            for (IsoEntry entry : tree.walk()) {
                if (entry.isFile() && entry.path().toLowerCase(java.util.Locale.ROOT).endsWith(".cfg")) {
                    configs.add(entry.path());
                }
            }
            int edited = 0;
            for (String path : configs) {
                String text = new String(IsoImage.open(image).readAll(IsoImage.open(image).find(path).orElseThrow()),
                        StandardCharsets.UTF_8);
                String changed = STEP.matcher(text).replaceAll(" stickwright.overlaytest=check$2");
                if (!changed.equals(text)) {
                    IsoPatcher.replace(image, path, changed.getBytes(StandardCharsets.UTF_8));
                    edited++;
                }
            }
            assertThat(edited).as("boot configurations in the merged ISO: " + configs).isPositive();
            image.flush();
        }
        BootResult result = runner.boot(disk, Firmware.SEABIOS);
        String what = name + " boot of the merged ISO (SeaBIOS, no persistence)";
        timings.add(what + ": " + result.summary());
        assertThat(result.outcome()).as(what + ": " + result.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
        assertThat(OverlayStick.files(result)).as(result.summary()).isEqualTo(files);
        assertThat(mnt(result)).as(result.summary()).isEqualTo("stickwright-opaque.txt");
        assertThat(result.root().state()).as("boot 1's marker is in the merged root: " + result.summary())
                .isEqualTo(Marker.State.PERSIST_OK);
        assertThat(result.root().token()).as(result.summary()).isEqualTo(one.root().token());
        assertThat(lines(result)).as("no persistence volume is mounted").noneMatch(l -> l.startsWith("STICKWRIGHT-MOUNT")
                && l.contains(" ext4 "));
        delete(disk);
    }

    /** e2fsck -fn on a copy of the store image file {@code path} of the stick's FAT partition. */
    /** e2fsck -fn of partition {@code number}, 128 MiB after the resize. */
    private void fsckPartition(Path stick, int number) throws IOException {
        Path copy = sticks.resolve(stick.getFileName() + ".partition.img");
        try (ImageFile disk = ImageFile.openReadOnly(stick)) {
            PartitionTables.Partition p = PartitionTables.read(disk).partitions().stream()
                    .filter(q -> q.number() == number).findFirst().orElseThrow();
            assertThat(p.sectorCount() * 512).isEqualTo(128L << 20);
            Files.write(copy, disk.readBytes(p.firstLba() * 512, (int) (p.sectorCount() * 512)));
        }
        try {
            Tool.run("e2fsck", "-fn", copy.toString()).ok();
        } finally {
            Files.delete(copy);
        }
    }

    private void fsckStore(Path stick, String path) throws IOException {
        Path copy = sticks.resolve(stick.getFileName() + ".store.img");
        try (ImageFile disk = ImageFile.openReadOnly(stick)) {
            PartitionTables.Partition p = PartitionTables.read(disk).partitions().get(0);
            try (BlockDevice volume = disk.slice(p.firstLba() * 512, p.sectorCount() * 512);
                    FatFileSystem fs = FatFileSystem.open(volume);
                    var in = fs.openInputStream(path)) {
                Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try {
            assertThat(Files.size(copy)).isEqualTo(128L << 20);
            Tool.run("e2fsck", "-fn", copy.toString()).ok();
        } finally {
            Files.delete(copy);
        }
    }

    private BootResult boot(Path stick, String what) {
        BootResult result = runner.boot(stick, Firmware.OVMF);
        timings.add(what + ": " + result.summary());
        assertThat(result.outcome()).as(what + ": " + result.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
        try {
            assertThat(lines(result)).as(what + ": the test init's own errors").noneMatch(l -> l.contains("STICKWRIGHT-ERROR"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    private Path create(LiveFixture fixture, String name) {
        Path stick = sticks.resolve(name + ".img");
        delete(stick);
        CliProcess.run("create", fixture.iso().toString(), stick.toString(), "--mode", "extract", "--size", "1G",
                "--persistence", "64M", "--yes").ok();
        return stick;
    }

    /**
     * Puts {@code stickwright.overlaytest=STEP} on every kernel line of the boot configurations
     * on the stick's FAT32 partition (the test init acts on it; users never see it).
     */
    static void setStep(Path stick, String step) throws IOException {
        try (ImageFile disk = ImageFile.openReadWrite(stick)) {
            PartitionTables.Partition p = PartitionTables.read(disk).partitions().get(0);
            try (BlockDevice volume = disk.slice(p.firstLba() * 512, p.sectorCount() * 512);
                    FatFileSystem fs = FatFileSystem.open(volume)) {
                List<String> configs = new ArrayList<>();
                fs.walk((path, entry) -> {
                    if (!entry.isDirectory() && path.toLowerCase().endsWith(".cfg")) {
                        configs.add(path);
                    }
                });
                int edited = 0;
                for (String path : configs) {
                    String text = new String(fs.readAllBytes(path), StandardCharsets.UTF_8);
                    String changed = STEP.matcher(text).replaceAll(" stickwright.overlaytest=" + step + "$2");
                    if (!changed.equals(text)) {
                        byte[] bytes = changed.getBytes(StandardCharsets.UTF_8);
                        fs.replaceFile(path, bytes.length, new ByteArrayInputStream(bytes));
                        edited++;
                    }
                }
                assertThat(edited).as("boot configurations on " + stick + ": " + configs).isPositive();
                fs.flush();
            }
            disk.flush();
        }
    }

    /** The guest's {@code df -P -k /}: total and used KiB. */
    private static long[] df(BootResult boot) throws IOException {
        for (String line : lines(boot)) {
            Matcher m = DF_LINE.matcher(line);
            if (m.find()) {
                return new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
            }
        }
        throw new AssertionError("no df line from the guest: " + boot.summary());
    }

    private static String mnt(BootResult boot) throws IOException {
        for (String line : lines(boot)) {
            Matcher m = MNT_LINE.matcher(line);
            if (m.find()) {
                return m.group(1).strip();
            }
        }
        throw new AssertionError("no /mnt line from the guest: " + boot.summary());
    }

    private static List<String> lines(BootResult boot) throws IOException {
        return BootResult.plainLines(Files.readString(boot.log(), StandardCharsets.ISO_8859_1));
    }

    static JsonObject inspect(Path stick, String kind) {
        JsonObject result = CliProcess.lastJson(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok());
        JsonArray stores = result.getAsJsonArray("stores");
        for (JsonElement element : stores) {
            JsonObject store = element.getAsJsonObject();
            if (store.get("kind").getAsString().equals(kind)) {
                return store;
            }
        }
        throw new AssertionError("no " + kind + " store in " + result);
    }

    private static Map<String, Long> largest(JsonObject store) {
        Map<String, Long> largest = new java.util.LinkedHashMap<>();
        for (JsonElement element : store.getAsJsonArray("largest")) {
            JsonObject change = element.getAsJsonObject();
            largest.put(change.get("path").getAsString(), change.get("bytes").getAsLong());
        }
        return largest;
    }

    private static List<String> strings(JsonArray array) {
        List<String> list = new ArrayList<>();
        if (array != null) {
            array.forEach(e -> list.add(e.getAsString()));
        }
        return list;
    }

    private static void get(Future<Void> future) throws InterruptedException {
        try {
            future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError failure) {
                throw failure;
            }
            throw new AssertionError("scenario failed to run", e.getCause());
        }
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
