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
 * nested one (dm-snapshot store file) and Debian (ext4 partition labelled persistence), under
 * OVMF, and each fixture under SeaBIOS through the SYSLINUX the job installs. Boots run two at a time as in {@link BootKitTest}; serial logs in target/boot-logs/.
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
    private long start;

    @BeforeAll
    void startBoots() throws IOException {
        Capabilities.requireRoot();
        Capabilities.requireTools("qemu-system-x86_64", "debootstrap", "flock", "syslinux");
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
        Path nested = make(LiveFixture.FEDORA_NESTED, "nested", "--persistence", "64M");
        checks.put("nested", workers.submit(() -> timed(runner.checkPersistence(nested, Firmware.OVMF,
                BootOptions.defaults()))));
        Path debian = make(LiveFixture.DEBIAN_LIVE, "debian", "--persistence", "64M");
        checks.put("debian", workers.submit(() -> timed(runner.checkPersistence(debian, Firmware.OVMF,
                BootOptions.defaults()))));
        for (LiveFixture fixture : LiveFixture.values()) {
            Path bios = make(fixture, fixture.name().toLowerCase() + "-seabios", "--persistence", "64M");
            checks.put(fixture + " SEABIOS", workers.submit(() -> timed(runner.checkPersistence(bios, Firmware.SEABIOS,
                    BootOptions.defaults()))));
        }
        // After the default profile's boots on the same stick (the single-thread order below is
        // not guaranteed across two workers, so this one waits for them itself).
        Future<PersistenceCheck> flatDefault = checks.get("flat default");
        checks.put("flat work", workers.submit(() -> {
            flatDefault.get();
            return timed(runner.checkPersistence(flat, Firmware.OVMF, WORK_PROFILE));
        }));
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
    void fedoraNestedKeepsItsChangesInADmSnapshotStore() throws Exception {
        PersistenceCheck check = get(checks.get("nested"));
        assertThat(check.first().cmdline()).as(check.summary()).contains("rd.live.overlay=UUID=")
                .doesNotContain("rd.live.overlay.overlayfs");
        assertThat(check.persisted()).as(check.summary()).isTrue();
    }

    @Test
    void debianKeepsItsChangesOnThePersistencePartition() throws Exception {
        PersistenceCheck check = get(checks.get("debian"));
        assertThat(check.first().cmdline()).as(check.summary()).contains("boot=live components quiet splash console=ttyS0 persistence");
        assertThat(check.second().rootMount()).as(check.summary()).contains("upperdir=/run/live/persistence/");
        assertThat(check.persisted()).as(check.summary()).isTrue();
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} boots through our SYSLINUX under SeaBIOS and persists")
    @org.junit.jupiter.params.provider.EnumSource(LiveFixture.class)
    void seaBiosBootsThroughSyslinuxAndPersists(LiveFixture fixture) throws Exception {
        PersistenceCheck check = get(checks.get(fixture + " SEABIOS"));
        assertThat(check.first().cmdline()).as(check.summary()).contains("initrd=");
        assertThat(check.persisted()).as(check.summary()).isTrue();
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
