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
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;

/**
 * Proves the boot-test kit can judge both ways. Each fixture ISO, written to a stick, boots
 * under SeaBIOS and under OVMF, and {@code persists} is false for it (nothing on a plain ISO
 * keeps changes); a Debian stick made persistent by hand with standard tools makes
 * {@code persists} true. The runner also picks a non-default menu entry in GRUB and isolinux.
 *
 * <p>All boots are queued in {@link #startBoots()} on two workers (two QEMU processes at a
 * time, one per core); each test waits for its own boots. Serial logs: target/boot-logs/.
 */
@Tag(Tags.BOOT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BootKitTest {
    private final BootRunner runner = BootRunner.withDefaultLogs();
    private final Path sticks = Path.of("target", "boot-sticks").toAbsolutePath();
    private final Map<String, Future<PersistenceCheck>> persistence = new LinkedHashMap<>();
    private final Map<String, Future<BootResult>> single = new LinkedHashMap<>();
    private final List<String> timings = Collections.synchronizedList(new ArrayList<>());
    private final Map<Firmware, Integer> handMadeEdits = new LinkedHashMap<>();
    private ExecutorService workers;
    private long kitStart;

    @BeforeAll
    void startBoots() throws IOException {
        Capabilities.requireRoot();
        Capabilities.requireTools("qemu-system-x86_64", "debootstrap", "flock", "sfdisk", "sgdisk", "mkfs.ext4",
                "e2fsck", "dd", "mtype", "mcopy");
        Capabilities.require(Firmware.OVMF.installed(), "OVMF is not installed (Debian package ovmf)");
        kitStart = System.nanoTime();
        long buildStart = System.nanoTime();
        LiveFixture.builtDirectory();
        timings.add(String.format("fixtures ready (cache hit or build): %d s",
                (System.nanoTime() - buildStart) / 1_000_000_000L));
        BootRunner.accelerator();
        Files.createDirectories(sticks);
        workers = Executors.newFixedThreadPool(2);

        for (Firmware firmware : Firmware.values()) {
            Path stick = sticks.resolve("handmade-debian-" + firmware + ".img");
            handMadeEdits.put(firmware, HandMadeStick.debianWithPersistence(LiveFixture.DEBIAN_LIVE.iso(), stick,
                    sticks.resolve("scratch-" + firmware)));
            persistence.put("handmade " + firmware, workers.submit(() -> timed(
                    runner.checkPersistence(stick, firmware, BootOptions.defaults()))));
        }
        Path homeStick = sticks.resolve("handmade-fedora-home-OVMF.img");
        HandMadeStick.fedoraWithPersistentHome(LiveFixture.FEDORA_NESTED.iso(), homeStick,
                sticks.resolve("scratch-home"));
        persistence.put("handmade home", workers.submit(() -> timed(
                runner.checkPersistence(homeStick, Firmware.OVMF, BootOptions.defaults()))));
        for (LiveFixture fixture : LiveFixture.values()) {
            for (Firmware firmware : Firmware.values()) {
                Path stick = stickWith(fixture, firmware.toString());
                persistence.put(fixture + " " + firmware, workers.submit(() -> timed(
                        runner.checkPersistence(stick, firmware, BootOptions.defaults()))));
            }
        }
        Path grubStick = stickWith(LiveFixture.FEDORA_FLAT, "menu");
        single.put("grub menu", workers.submit(() -> timed(
                runner.boot(grubStick, Firmware.OVMF, BootOptions.GRUB_SECOND_ENTRY))));
        Path isolinuxStick = stickWith(LiveFixture.DEBIAN_LIVE, "menu");
        single.put("isolinux menu", workers.submit(() -> timed(
                runner.boot(isolinuxStick, Firmware.SEABIOS, BootOptions.ISOLINUX_SECOND_ENTRY))));
        workers.shutdown();
    }

    @AfterAll
    void stopBoots() throws IOException {
        if (workers != null) {
            workers.shutdownNow();
        }
        if (kitStart != 0) {
            timings.add(String.format("total kit time: %d s", (System.nanoTime() - kitStart) / 1_000_000_000L));
            Files.createDirectories(Path.of("target", "boot-logs"));
            Files.write(Path.of("target", "boot-logs", "timings.txt"), timings);
            timings.forEach(System.out::println);
        }
        if (Files.isDirectory(sticks)) {
            try (Stream<Path> files = Files.walk(sticks)) {
                files.sorted(Collections.reverseOrder()).forEach(BootKitTest::delete);
            }
        }
    }

    static Stream<Arguments> cells() {
        return Stream.of(LiveFixture.values())
                .flatMap(fixture -> Stream.of(Firmware.values()).map(firmware -> Arguments.of(fixture, firmware)));
    }

    @ParameterizedTest(name = "{0} under {1} boots but does not persist")
    @MethodSource("cells")
    void fixtureBootsAndForgetsItsChanges(LiveFixture fixture, Firmware firmware) throws Exception {
        PersistenceCheck check = get(persistence.get(fixture + " " + firmware));
        for (BootResult boot : List.of(check.first(), check.second())) {
            assertThat(boot.outcome()).as(check.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
            assertThat(boot.root().state()).as(check.summary()).isEqualTo(Marker.State.FIRST_BOOT);
            assertThat(boot.home().state()).as(check.summary()).isEqualTo(Marker.State.NOT_SEPARATE);
            assertThat(boot.cmdline()).as("default menu entry").doesNotContain("stickwright.entry=second");
            assertThat(boot.rootMount()).as("the root is a throwaway layer over the live image")
                    .startsWith(expectedRootMount(fixture));
            if (fixture == LiveFixture.DEBIAN_LIVE) {
                assertThat(boot.cmdline()).contains("boot=live components quiet splash");
            } else {
                assertThat(boot.cmdline()).contains("root=live:CDLABEL=" + fixture.volumeLabel(), "rd.live.image");
            }
        }
        assertThat(check.second().root().token()).as("a fresh token each boot")
                .isNotEqualTo(check.first().root().token());
        assertThat(check.persisted()).as(check.summary()).isFalse();
    }

    @ParameterizedTest(name = "a Debian stick made persistent by hand keeps its changes under {0}")
    @EnumSource(Firmware.class)
    void handMadePersistentStickPersists(Firmware firmware) throws Exception {
        assertThat(handMadeEdits.get(firmware)).as("kernel lines edited (isolinux 2, GRUB 2)").isEqualTo(4);
        PersistenceCheck check = get(persistence.get("handmade " + firmware));
        assertThat(check.first().cmdline()).as(check.summary()).contains("boot=live components persistence");
        assertThat(check.second().rootMount()).as(check.summary()).contains("upperdir=/run/live/persistence/");
        assertThat(check.persisted()).as(check.summary()).isTrue();
        assertThat(check.second().outcome()).isEqualTo(BootResult.Outcome.POWERED_OFF);
    }

    @Test
    void aHomePartitionAddedByHandKeepsHomeButNotTheRoot() throws Exception {
        PersistenceCheck check = get(persistence.get("handmade home"));
        assertThat(check.first().cmdline()).as(check.summary()).contains("persistenthome=LABEL=SWHOME");
        assertThat(check.first().mounts()).as(check.summary()).anyMatch(mount -> mount.contains(" /home ext4 "));
        assertThat(check.homePersisted()).as(check.summary()).isTrue();
        assertThat(check.persisted()).as("the root has no overlay: " + check.summary()).isFalse();
    }

    @Test
    void grubMenuEntryIsPickedOverTheSerialConsole() throws Exception {
        BootResult boot = get(single.get("grub menu"));
        assertThat(boot.outcome()).as(boot.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
        assertThat(boot.cmdline()).as(boot.summary()).contains("stickwright.entry=second");
    }

    @Test
    void isolinuxMenuEntryIsPickedOverTheSerialConsole() throws Exception {
        BootResult boot = get(single.get("isolinux menu"));
        assertThat(boot.outcome()).as(boot.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
        assertThat(boot.cmdline()).as(boot.summary()).contains("stickwright.entry=second");
    }

    /**
     * What each live system puts on {@code /} without persistence: live-boot and dracut's
     * flat-image path an overlayfs with a RAM upper; dracut's nested path a temporary
     * dm-snapshot ({@code live-rw}) over {@code LiveOS/rootfs.img}.
     */
    private static String expectedRootMount(LiveFixture fixture) {
        switch (fixture) {
            case DEBIAN_LIVE:
                return "overlay / overlay";
            case FEDORA_FLAT:
                return "LiveOS_rootfs / overlay";
            default:
                return "/dev/mapper/live-rw / ext4";
        }
    }

    private Path stickWith(LiveFixture fixture, String use) {
        Path stick = StickWriter.blankStick(sticks.resolve(fixture.name().toLowerCase() + "-" + use + ".img"),
                StickWriter.STICK_SIZE);
        StickWriter.write(fixture.iso(), stick);
        return stick;
    }

    private PersistenceCheck timed(PersistenceCheck check) {
        timed(check.first());
        timed(check.second());
        return check;
    }

    private BootResult timed(BootResult boot) {
        timings.add(boot.summary());
        return boot;
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
