package org.stickwright.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The serial-console parser, on text as QEMU delivers it (escapes, CRLF, interleaved printk). */
class BootResultTest {
    private static final String TOKEN = "3c36a6ba-43b2-46c0-8528-cddacc198df9";

    private static BootResult parse(String serial, boolean exited, boolean timedOut) {
        return BootResult.parse(Path.of("stick.img"), Firmware.SEABIOS, Path.of("x.log"), Duration.ofSeconds(1),
                Duration.ofSeconds(1), serial, exited, timedOut);
    }

    @Test
    void readsMarkersCommandLineAndMountsOfAFinishedBoot() {
        BootResult boot = parse("\u001B[2J\u001B[1;1HSTICKWRIGHT-CMDLINE BOOT_IMAGE=/live/vmlinuz boot=live\r\n"
                + "STICKWRIGHT-MOUNT /dev/sda1 /run/live/medium iso9660 ro 0 0\r\n"
                + "STICKWRIGHT-MOUNT overlay / overlay rw,upperdir=/run/live/overlay/rw 0 0\r\n"
                + "[   41.9] sd 6:0:0:0: [sda] SynchronizingPERSIST-OK " + TOKEN + "\r\n"
                + "HOME-FIRSTBOOT 11111111-2222-3333-4444-555555555555\r\n"
                + "STICKWRIGHT-POWEROFF\r\n[   42.0] reboot: Power down\r\n", true, false);
        assertThat(boot.outcome()).isEqualTo(BootResult.Outcome.POWERED_OFF);
        assertThat(boot.cmdline()).isEqualTo("BOOT_IMAGE=/live/vmlinuz boot=live");
        assertThat(boot.mounts()).hasSize(2);
        assertThat(boot.rootMount()).startsWith("overlay / overlay");
        assertThat(boot.root()).isEqualTo(new Marker(Marker.State.PERSIST_OK, TOKEN));
        assertThat(boot.home()).isEqualTo(new Marker(Marker.State.FIRST_BOOT, "11111111-2222-3333-4444-555555555555"));
    }

    @Test
    void aHomeMarkerIsNotTakenForTheRootMarker() {
        BootResult boot = parse("HOME-PERSIST-OK " + TOKEN + "\nSTICKWRIGHT-POWEROFF\n", true, false);
        assertThat(boot.root().state()).isEqualTo(Marker.State.MISSING);
        assertThat(boot.home().state()).isEqualTo(Marker.State.PERSIST_OK);
    }

    @Test
    void knownFailuresEndTheBootAsFailed() {
        BootResult boot = parse("dracut-initqueue[312]: Unable to find a persistent overlay; using a temporary one.\n"
                + "Press [Enter] to continue.", false, false);
        assertThat(boot.outcome()).isEqualTo(BootResult.Outcome.FAILED);
        assertThat(boot.failure()).isEqualTo("Unable to find a persistent overlay");
        assertThat(parse("(initramfs) ", false, false).outcome()).isEqualTo(BootResult.Outcome.FAILED);
    }

    @Test
    void theStarvedTimerPanicIsToldApartFromOtherPanics() {
        String starved = "[    0.052000] Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug";
        assertThat(parse(starved, false, false).failure()).isEqualTo(BootResult.TIMER_CHECK_PANIC);
        assertThat(parse("Kernel panic - not syncing: VFS: Unable to mount root fs", false, false).failure())
                .isEqualTo("Kernel panic");
    }

    @Test
    void aBootWithoutThePowerOffLineIsNotAPowerOff() {
        assertThat(parse("FIRSTBOOT " + TOKEN + "\n", true, false).outcome()).isEqualTo(BootResult.Outcome.EXITED);
        assertThat(parse("FIRSTBOOT " + TOKEN + "\n", false, true).outcome()).isEqualTo(BootResult.Outcome.TIMED_OUT);
    }

    @Test
    void persistenceNeedsTheSameTokenInBothBoots() {
        BootResult first = parse("FIRSTBOOT " + TOKEN + "\nSTICKWRIGHT-POWEROFF\n", true, false);
        BootResult kept = parse("PERSIST-OK " + TOKEN + "\nSTICKWRIGHT-POWEROFF\n", true, false);
        BootResult other = parse("PERSIST-OK 00000000-0000-0000-0000-000000000000\nSTICKWRIGHT-POWEROFF\n",
                true, false);
        BootResult fresh = parse("FIRSTBOOT 00000000-0000-0000-0000-000000000000\nSTICKWRIGHT-POWEROFF\n", true, false);
        assertThat(new PersistenceCheck(first, kept).persisted()).isTrue();
        assertThat(new PersistenceCheck(first, other).persisted()).isFalse();
        assertThat(new PersistenceCheck(first, fresh).persisted()).isFalse();
        assertThat(new PersistenceCheck(kept, kept).persisted()).isFalse();
    }
}
