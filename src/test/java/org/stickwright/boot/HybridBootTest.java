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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;

/**
 * Sticks made by {@code stickwright create} (hybrid mode) boot under SeaBIOS and OVMF and keep
 * their changes: each fixture with {@code --persistence 256M} boots twice per firmware and the
 * second boot finds the first boot's marker (for Fedora flat under SeaBIOS these are the first
 * two boots of the profile stick). The Fedora-nested and Debian sticks also carry
 * {@code --home 64M}, whose marker must survive too. A Fedora stick with {@code --profile
 * work=64M} boots its default entry twice, then the work entry twice (a fresh store: first boot
 * there finds nothing, the second finds its own marker), then the plain entry once (nothing
 * kept). The work store is the directory /profiles/work/overlay-persistent on the same
 * persistence partition as the default store, so this also proves dracut keeps two overlays on
 * one filesystem apart.
 *
 * <p>Each stick's boots run in order on one of two workers (two QEMU processes at a time, as in
 * {@link BootKitTest}). Serial logs: target/boot-logs/.
 */
@Tag(Tags.BOOT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HybridBootTest {
    private static final String PERSISTENCE = "256M";
    private static final String HOME = "64M";
    /** GRUB reads VT100 keys on the serial console: one down from the default entry, then Enter. */
    private static final String DOWN_ENTER = "\u001b[B\r";

    private final BootRunner runner = BootRunner.withDefaultLogs();
    private final Path sticks = Path.of("target", "hybrid-sticks").toAbsolutePath();
    private final Map<String, Future<PersistenceCheck>> checks = new LinkedHashMap<>();
    private final List<String> timings = Collections.synchronizedList(new ArrayList<>());
    private Future<List<BootResult>> profileChain;
    private ExecutorService workers;
    private long start;

    @BeforeAll
    void startBoots() throws IOException {
        Capabilities.requireRoot();
        Capabilities.requireTools("qemu-system-x86_64", "debootstrap", "flock");
        Capabilities.require(Firmware.OVMF.installed(), "OVMF is not installed (Debian package ovmf)");
        start = System.nanoTime();
        LiveFixture.builtDirectory();
        BootRunner.accelerator();
        Files.createDirectories(sticks);
        workers = Executors.newFixedThreadPool(2);

        // The longest chain first, so it overlaps the rest.
        Path profiles = create(LiveFixture.FEDORA_FLAT, "profiles", "--profile", "work=" + HOME);
        profileChain = workers.submit(() -> {
            List<BootResult> boots = new ArrayList<>();
            BootOptions work = BootOptions.defaults().selectingMenuEntry("(persistent: work)", DOWN_ENTER);
            BootOptions plain = BootOptions.defaults().selectingMenuEntry("(no persistence)", "\u001b[B\u001b[B\r");
            boots.add(runner.boot(profiles, Firmware.SEABIOS));
            boots.add(runner.boot(profiles, Firmware.SEABIOS));
            boots.add(runner.boot(profiles, Firmware.SEABIOS, work));
            boots.add(runner.boot(profiles, Firmware.SEABIOS, work));
            boots.add(runner.boot(profiles, Firmware.SEABIOS, plain));
            boots.forEach(b -> timings.add(b.summary()));
            return boots;
        });
        for (LiveFixture fixture : LiveFixture.values()) {
            boolean home = fixture != LiveFixture.FEDORA_FLAT;
            for (Firmware firmware : Firmware.values()) {
                if (fixture == LiveFixture.FEDORA_FLAT && firmware == Firmware.SEABIOS) {
                    continue; // the profile stick's first two boots (default entry, SeaBIOS) are this cell
                }
                Path stick = home ? create(fixture, firmware.toString(), "--home", HOME)
                        : create(fixture, firmware.toString());
                checks.put(fixture + " " + firmware, workers.submit(() -> timed(
                        runner.checkPersistence(stick, firmware, BootOptions.defaults()))));
            }
        }
        workers.shutdown();
    }

    /** A 512 MiB stick made by the CLI, as a user would. */
    private Path create(LiveFixture fixture, String use, String... options) {
        Path stick = sticks.resolve(fixture.name().toLowerCase() + "-" + use + ".img");
        delete(stick);
        List<String> args = new ArrayList<>(List.of("create", fixture.iso().toString(), stick.toString(),
                "--size", "512M", "--persistence", PERSISTENCE, "--yes"));
        args.addAll(List.of(options));
        CliProcess.run(args.toArray(String[]::new)).ok();
        return stick;
    }

    @AfterAll
    void stopBoots() throws IOException {
        if (workers != null) {
            workers.shutdownNow();
        }
        if (start != 0) {
            timings.add(String.format("hybrid boot tests: %d s", (System.nanoTime() - start) / 1_000_000_000L));
            Files.createDirectories(Path.of("target", "boot-logs"));
            Files.write(Path.of("target", "boot-logs", "hybrid-timings.txt"), timings);
            timings.forEach(System.out::println);
        }
        if (Files.isDirectory(sticks)) {
            try (Stream<Path> files = Files.walk(sticks)) {
                files.sorted(Collections.reverseOrder()).forEach(HybridBootTest::delete);
            }
        }
    }

    static Stream<Arguments> cells() {
        return Stream.of(LiveFixture.values())
                .flatMap(fixture -> Stream.of(Firmware.values()).map(firmware -> Arguments.of(fixture, firmware)));
    }

    @ParameterizedTest(name = "a hybrid {0} stick keeps its changes under {1}")
    @MethodSource("cells")
    void hybridStickPersists(LiveFixture fixture, Firmware firmware) throws Exception {
        PersistenceCheck check;
        if (fixture == LiveFixture.FEDORA_FLAT && firmware == Firmware.SEABIOS) {
            List<BootResult> boots = get(profileChain);
            check = new PersistenceCheck(boots.get(0), boots.get(1));
        } else {
            check = get(checks.get(fixture + " " + firmware));
        }
        for (BootResult boot : List.of(check.first(), check.second())) {
            assertThat(boot.outcome()).as(check.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
            if (fixture == LiveFixture.DEBIAN_LIVE) {
                assertThat(boot.cmdline()).as(check.summary()).contains("persistence");
                assertThat(boot.rootMount()).as(check.summary()).contains("upperdir=/run/live/persistence/");
            } else {
                assertThat(boot.cmdline()).as(check.summary()).contains("rd.live.overlay=UUID=",
                        "rd.live.overlay.overlayfs");
                assertThat(boot.rootMount()).as(check.summary()).startsWith("LiveOS_rootfs / overlay");
            }
        }
        assertThat(check.persisted()).as(check.summary()).isTrue();
        if (fixture != LiveFixture.FEDORA_FLAT) {
            assertThat(check.first().mounts()).as(check.summary()).anyMatch(m -> m.contains(" /home "));
            assertThat(check.homePersisted()).as(check.summary()).isTrue();
        }
    }

    @Test
    void aSecondProfileUsesItsOwnStoreAndThePlainEntryKeepsNothing() throws Exception {
        List<BootResult> boots = get(profileChain);
        String all = String.join("\n", boots.stream().map(BootResult::summary).toList());
        boots.forEach(b -> assertThat(b.outcome()).as(all).isEqualTo(BootResult.Outcome.POWERED_OFF));
        PersistenceCheck main = new PersistenceCheck(boots.get(0), boots.get(1));
        PersistenceCheck work = new PersistenceCheck(boots.get(2), boots.get(3));
        assertThat(main.persisted()).as("default entry: " + all).isTrue();
        assertThat(boots.get(2).root().state()).as("the work store starts empty: " + all)
                .isEqualTo(Marker.State.FIRST_BOOT);
        assertThat(boots.get(2).cmdline()).as(all).isNotEqualTo(boots.get(0).cmdline())
                .contains(":/profiles/work/overlay-persistent");
        assertThat(work.persisted()).as("work entry: " + all).isTrue();
        assertThat(boots.get(2).root().token()).isNotEqualTo(boots.get(0).root().token());
        BootResult plain = boots.get(4);
        assertThat(plain.cmdline()).as(all).doesNotContain("rd.live.overlay");
        assertThat(plain.root().state()).as("the plain entry sees no store: " + all).isEqualTo(Marker.State.FIRST_BOOT);
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
