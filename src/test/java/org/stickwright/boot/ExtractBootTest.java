package org.stickwright.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;

/**
 * Extract-mode sticks made by {@code stickwright create --mode extract} boot and keep their
 * changes: the Fedora flat fixture (embedded ext4 overlay file, home.img, a second profile), the
 * nested one (dm-snapshot store file on a GPT stick, recognised by blkid after the first boot) and
 * Debian (ext4 partitions labelled persistence and home-rw), under OVMF, and each fixture under
 * SeaBIOS through the SYSLINUX the job installs (Debian's on a GPT stick, through gptmbr.bin);
 * then --keep-persistence re-creates the flat stick and its next boot still finds the markers of
 * its first one. Ubuntu (casper) cannot be boot-tested here: Debian has no casper to build a
 * fixture with. Boots run two at a time as in {@link BootKitTest}; serial logs in target/boot-logs/.
 */
@Tag(Tags.BOOT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExtractBootTest {
    /** GRUB on the serial console: the second menu entry is "persistent: work"; arrow down, enter. */
    private static final BootOptions WORK_PROFILE = BootOptions.defaults()
            .selectingMenuEntry("(persistent: work)", "\u001b[B\r");

    private final BootRunner runner = BootRunner.withDefaultLogs();
    private final Path sticks = Path.of("target", "extract-sticks").toAbsolutePath();
    private final Map<String, Future<PersistenceCheck>> checks = new LinkedHashMap<>();
    private final List<String> timings = Collections.synchronizedList(new ArrayList<>());
    private ExecutorService workers;
    private Future<BootResult> kept;
    private volatile org.stickwright.testing.Tool.Result keepRun;
    private long start;

    @BeforeAll
    void startBoots() throws IOException {
        Capabilities.requireRoot();
        Capabilities.requireTools("qemu-system-x86_64", "debootstrap", "flock", "syslinux", "sgdisk", "mdir", "mcopy",
                "blkid");
        Capabilities.require(Firmware.OVMF.installed(), "OVMF is not installed (Debian package ovmf)");
        start = System.nanoTime();
        LiveFixture.builtDirectory();
        BootRunner.accelerator();
        Files.createDirectories(sticks);
        workers = Executors.newFixedThreadPool(2);

        Path flat = make(LiveFixture.FEDORA_FLAT, "flat", "--persistence", "64M", "--home", "32M",
                "--profile", "work=64M");
        checks.put("flat default", workers.submit(() -> timed(runner.checkPersistence(flat, Firmware.OVMF,
                BootOptions.defaults()))));
        Path nested = make(LiveFixture.FEDORA_NESTED, "nested", "--persistence", "64M", "--gpt");
        checks.put("nested", workers.submit(() -> timed(runner.checkPersistence(nested, Firmware.OVMF,
                BootOptions.defaults()))));
        Path debian = make(LiveFixture.DEBIAN_LIVE, "debian", "--persistence", "64M", "--home", "32M");
        checks.put("debian", workers.submit(() -> timed(runner.checkPersistence(debian, Firmware.OVMF,
                BootOptions.defaults()))));
        for (LiveFixture fixture : LiveFixture.values()) {
            // Debian's under GPT: gptmbr.bin finds the legacy-BIOS-bootable partition
            String[] options = fixture == LiveFixture.DEBIAN_LIVE ? new String[] {"--persistence", "64M", "--gpt"}
                    : new String[] {"--persistence", "64M"};
            Path bios = make(fixture, fixture.name().toLowerCase() + "-seabios", options);
            checks.put(fixture + " SEABIOS", workers.submit(() -> timed(runner.checkPersistence(bios, Firmware.SEABIOS,
                    BootOptions.defaults()))));
        }
        // After the default profile's boots on the same stick (the single-thread order below is
        // not guaranteed across two workers, so this one waits for them itself).
        Future<PersistenceCheck> flatDefault = checks.get("flat default");
        Future<PersistenceCheck> flatWork = workers.submit(() -> {
            flatDefault.get();
            return timed(runner.checkPersistence(flat, Firmware.OVMF, WORK_PROFILE));
        });
        checks.put("flat work", flatWork);
        // --keep-persistence on the same stick once both profiles hold changes: the live files
        // are replaced, the overlay and home images stay, and the next boot finds the old markers
        kept = workers.submit(() -> {
            flatWork.get();
            keepRun = CliProcess.run("create", LiveFixture.FEDORA_FLAT.iso().toString(), flat.toString(), "--mode",
                    "extract", "--keep-persistence", "--yes");
            keepRun.ok();
            BootResult boot = runner.boot(flat, Firmware.OVMF);
            timings.add(boot.summary());
            return boot;
        });
        workers.shutdown();
    }

    @AfterAll
    void stopBoots() throws IOException {
        if (workers != null) {
            workers.shutdownNow();
        }
        if (start != 0) {
            timings.add(String.format("extract boot tests: %d s", (System.nanoTime() - start) / 1_000_000_000L));
            Files.createDirectories(Path.of("target", "boot-logs"));
            Files.write(Path.of("target", "boot-logs", "extract-timings.txt"), timings);
            timings.forEach(System.out::println);
        }
        if (Files.isDirectory(sticks)) {
            try (Stream<Path> files = Files.walk(sticks)) {
                files.sorted(Collections.reverseOrder()).forEach(ExtractBootTest::delete);
            }
        }
    }

    @Test
    void fedoraFlatKeepsRootAndHomeInItsImageFiles() throws Exception {
        PersistenceCheck check = get(checks.get("flat default"));
        assertThat(check.first().cmdline()).as(check.summary())
                .contains("root=live:UUID=", "rd.live.overlay=UUID=", "rd.live.overlay.overlayfs");
        assertThat(check.persisted()).as(check.summary()).isTrue();
        assertThat(check.homePersisted()).as("home.img on /home: " + check.summary()).isTrue();
    }

    @Test
    void aSecondProfileKeepsItsOwnChanges() throws Exception {
        get(checks.get("flat default"));
        PersistenceCheck work = get(checks.get("flat work"));
        assertThat(work.first().cmdline()).as(work.summary()).contains(":/LiveOS/overlay-work");
        assertThat(work.first().root().state()).as("the work profile does not see the default profile's marker: "
                + work.summary()).isEqualTo(Marker.State.FIRST_BOOT);
        assertThat(work.persisted()).as(work.summary()).isTrue();
    }

    @Test
    void keepPersistenceReplacesTheLiveFilesAndTheNextBootFindsTheOldChanges() throws Exception {
        PersistenceCheck before = get(checks.get("flat default"));
        BootResult after = get(kept);
        assertThat(keepRun.output()).doesNotContain("warning:");
        assertThat(after.root().state()).as(after.summary()).isEqualTo(Marker.State.PERSIST_OK);
        assertThat(after.root().token()).as("the marker of the stick's first boot").isEqualTo(before.first().root().token());
        assertThat(after.home().state()).as(after.summary()).isEqualTo(Marker.State.PERSIST_OK);
        assertThat(after.home().token()).isEqualTo(before.first().home().token());
    }

    @Test
    void fedoraNestedKeepsItsChangesInADmSnapshotStoreOnAGptStickThatBlkidRecognises() throws Exception {
        PersistenceCheck check = get(checks.get("nested"));
        assertThat(check.first().cmdline()).as(check.summary()).contains("rd.live.overlay=UUID=")
                .doesNotContain("rd.live.overlay.overlayfs");
        assertThat(check.persisted()).as(check.summary()).isTrue();
        Path nested = sticks.resolve("nested.img");
        assertThat(org.stickwright.testing.Tool.run("sgdisk", "-v", nested.toString()).ok().stdout())
                .contains("No problems found");
        // the store file as mtools reads it from the FAT32 partition (1 MiB in), probed by blkid:
        // dracut's snapshot target wrote its header ("SnAp", persistent) on the first boot
        Path store = sticks.resolve("nested-store");
        Files.createDirectories(store);
        String fat = nested + "@@1048576";
        String name = org.stickwright.testing.Tool.run("mdir", "-b", "-i", fat, "::/LiveOS").ok().stdout().lines()
                .filter(line -> line.contains("/overlay-")).findFirst().orElseThrow().trim();
        org.stickwright.testing.Tool.run("mcopy", "-n", "-i", fat, name, store.toString() + "/").ok();
        Path copy = store.resolve(name.substring(name.lastIndexOf('/') + 1));
        assertThat(org.stickwright.testing.Tool.run("blkid", "-p", "-o", "value", "-s", "TYPE", copy.toString()).ok()
                .stdout().trim()).isEqualTo("DM_snapshot_cow");
    }

    @Test
    void debianKeepsRootAndHomeOnTheirPartitions() throws Exception {
        PersistenceCheck check = get(checks.get("debian"));
        assertThat(check.first().cmdline()).as(check.summary())
                .contains("boot=live components quiet splash console=ttyS0 persistence persistence-label=persistence,home-rw");
        assertThat(check.second().rootMount()).as(check.summary()).contains("upperdir=/run/live/persistence/");
        assertThat(check.persisted()).as(check.summary()).isTrue();
        assertThat(check.homePersisted()).as("home-rw on /home: " + check.summary()).isTrue();
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} boots through our SYSLINUX under SeaBIOS and persists")
    @org.junit.jupiter.params.provider.EnumSource(LiveFixture.class)
    void seaBiosBootsThroughSyslinuxAndPersists(LiveFixture fixture) throws Exception {
        PersistenceCheck check = get(checks.get(fixture + " SEABIOS"));
        assertThat(check.first().cmdline()).as(check.summary()).contains("initrd=");
        assertThat(check.persisted()).as(check.summary()).isTrue();
        if (fixture == LiveFixture.DEBIAN_LIVE) {
            assertThat(org.stickwright.testing.Tool.run("sgdisk", "-v", sticks.resolve("debian_live-seabios.img").toString())
                    .ok().stdout()).as("a GPT stick").contains("No problems found");
        }
    }

    private Path make(LiveFixture fixture, String name, String... options) {
        Path stick = sticks.resolve(name + ".img");
        delete(stick);
        List<String> args = new ArrayList<>(List.of("create", fixture.iso().toString(), stick.toString(), "--mode",
                "extract", "--size", "1G", "--yes"));
        args.addAll(List.of(options));
        CliProcess.run(args.toArray(String[]::new)).ok();
        return stick;
    }

    private PersistenceCheck timed(PersistenceCheck check) {
        timings.add(check.first().summary());
        timings.add(check.second().summary());
        return check;
    }

    private static <T> T get(Future<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new AssertionError("boot failed to run", e.getCause());
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
