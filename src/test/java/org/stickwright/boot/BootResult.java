package org.stickwright.boot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One boot of a stick in QEMU, as read from its serial console. The fixture's test init prints
 * lines such as
 * <pre>
 * STICKWRIGHT-CMDLINE BOOT_IMAGE=/live/vmlinuz boot=live components console=ttyS0
 * STICKWRIGHT-MOUNT overlay / overlay rw,lowerdir=...,upperdir=... 0 0
 * FIRSTBOOT 3c36a6ba-43b2-46c0-8528-cddacc198df9
 * HOME-NOT-SEPARATE
 * STICKWRIGHT-POWEROFF
 * </pre>
 * Kernel messages may land in the middle of them, so markers are searched anywhere in a line,
 * after terminal escape sequences are removed.
 */
public record BootResult(Path image, Firmware firmware, Path log, Duration duration, Duration untilInit,
        Outcome outcome, String failure, String cmdline, List<String> mounts, Marker root, Marker home) {

    /** How the boot ended. */
    public enum Outcome {
        /** The test init ran to its end and the machine powered off. */
        POWERED_OFF,
        /** The serial console showed a known failure (emergency shell, panic, a prompt). */
        FAILED,
        /** Nothing conclusive before the hard time limit. */
        TIMED_OUT,
        /** QEMU ended without the init's power-off (a reset, a crash of QEMU). */
        EXITED
    }

    /**
     * Text that means the boot cannot reach the test init: waiting for the time limit would
     * only cost minutes. dracut's overlay prompt appears even with {@code quiet}.
     */
    static final List<String> FAILURE_SIGNS = List.of(
            BootResult.TIMER_CHECK_PANIC,
            "Unable to find a persistent overlay",
            "Press [Enter] to continue",
            "Entering emergency mode",
            "Give root password for maintenance",
            "Press Enter for maintenance",
            "dracut Warning: Could not boot",
            "Starting Dracut Emergency Shell",
            "Kernel panic",
            "(initramfs)",
            "Unable to find a medium containing a live file system",
            "No bootable device",
            "UEFI Interactive Shell",
            "error: file `",
            "You need to load the kernel first");

    /**
     * The kernel's early IO-APIC timer check (at ~0.05 s, before it reads the stick) panics
     * when the host deschedules the emulated CPU too long: a fault of a busy TCG host, not of
     * the stick. {@link BootRunner} boots again once when it sees it.
     */
    static final String TIMER_CHECK_PANIC = "IO-APIC + timer doesn't work";

    private static final Pattern ESCAPES = Pattern.compile("\u001B(\\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>])");
    private static final Pattern ROOT_MARKER = Pattern.compile("(?<![A-Z-])(FIRSTBOOT|PERSIST-OK) ([0-9a-f-]{36})");
    private static final Pattern HOME_MARKER = Pattern.compile("HOME-(FIRSTBOOT|PERSIST-OK) ([0-9a-f-]{36})");

    /** Serial output as plain lines: escape sequences and carriage returns removed. */
    static List<String> plainLines(String serial) {
        String plain = ESCAPES.matcher(serial).replaceAll("").replace("\r", "");
        return List.of(plain.split("\n", -1));
    }

    /** The first failure sign in {@code serial}, or null. */
    static String failureIn(String serial) {
        for (String sign : FAILURE_SIGNS) {
            if (serial.contains(sign)) {
                return sign;
            }
        }
        return null;
    }

    static BootResult parse(Path image, Firmware firmware, Path log, Duration duration, Duration untilInit,
            String serial, boolean qemuExited, boolean timedOut) {
        String cmdline = null;
        List<String> mounts = new ArrayList<>();
        Marker root = Marker.MISSING;
        Marker home = Marker.MISSING;
        boolean poweredOff = false;
        for (String line : plainLines(serial)) {
            int at = line.indexOf("STICKWRIGHT-CMDLINE ");
            if (at >= 0 && cmdline == null) {
                cmdline = line.substring(at + "STICKWRIGHT-CMDLINE ".length()).trim();
            }
            at = line.indexOf("STICKWRIGHT-MOUNT ");
            if (at >= 0) {
                mounts.add(line.substring(at + "STICKWRIGHT-MOUNT ".length()).trim());
            }
            Matcher m = HOME_MARKER.matcher(line);
            if (m.find()) {
                home = marker(m.group(1), m.group(2));
            } else if (line.contains("HOME-NOT-SEPARATE")) {
                home = new Marker(Marker.State.NOT_SEPARATE, null);
            } else if (line.contains("HOME-MARKER-FAILED")) {
                home = new Marker(Marker.State.WRITE_FAILED, null);
            } else {
                m = ROOT_MARKER.matcher(line);
                if (m.find()) {
                    root = marker(m.group(1), m.group(2));
                } else if (line.contains("MARKER-FAILED")) {
                    root = new Marker(Marker.State.WRITE_FAILED, null);
                }
            }
            if (line.contains("STICKWRIGHT-POWEROFF")) {
                poweredOff = true;
            }
        }
        String failure = failureIn(serial);
        Outcome outcome;
        if (poweredOff && qemuExited) {
            outcome = Outcome.POWERED_OFF;
        } else if (failure != null) {
            outcome = Outcome.FAILED;
        } else if (timedOut) {
            outcome = Outcome.TIMED_OUT;
        } else {
            outcome = Outcome.EXITED;
        }
        return new BootResult(image, firmware, log, duration, untilInit, outcome, failure, cmdline,
                List.copyOf(mounts), root, home);
    }

    private static Marker marker(String word, String token) {
        return new Marker("FIRSTBOOT".equals(word) ? Marker.State.FIRST_BOOT : Marker.State.PERSIST_OK, token);
    }

    /** The mount line of {@code /} (the last one: later mounts hide earlier ones). */
    public String rootMount() {
        String found = null;
        for (String mount : mounts) {
            String[] fields = mount.split(" ");
            if (fields.length > 2 && "/".equals(fields[1])) {
                found = mount;
            }
        }
        return found;
    }

    /** One line for reports: where, how, how long, what was found. */
    public String summary() {
        return String.format("%s %s: %s%s in %d s (test init after %s), root marker %s, home marker %s, log %s",
                image.getFileName(), firmware, outcome, failure == null ? "" : " (" + failure + ")",
                duration.toSeconds(), untilInit == null ? "-" : untilInit.toSeconds() + " s", root.state(),
                home.state(), log.getFileName());
    }
}
