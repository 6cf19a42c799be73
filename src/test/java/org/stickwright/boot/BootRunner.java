package org.stickwright.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Boots a disk image as a USB stick in QEMU and reads what the live system printed on its
 * serial console.
 *
 * <p>The machine: {@code qemu-system-x86_64 -machine q35 -cpu max -m 1024}, an xHCI controller
 * with the image as a {@code usb-storage} disk ({@code bootindex=0}), SeaBIOS or OVMF (code
 * read-only, a throwaway copy of the variable store per boot), no display, the first serial
 * port on QEMU's stdin/stdout. Every byte of serial output goes to a log file under the log
 * directory (by default {@code target/boot-logs/}, kept with the test reports).
 *
 * <p>A boot ends when QEMU exits (the fixture's init powers off; {@code -no-reboot} turns a
 * reset into an exit too), when the serial console shows a known failure
 * ({@link BootResult#FAILURE_SIGNS}: an emergency shell, dracut's "Press [Enter]" prompt, a
 * kernel panic) or at the hard time limit. One failure is not the stick's: the kernel's early
 * IO-APIC timer check panics when a loaded host starves the emulated CPU (before the stick is
 * read); such a boot is run once more, with its own log ({@code ...-retry.log}).
 *
 * <p>Acceleration: TCG unless KVM really runs firmware. KVM is probed once per JVM by
 * starting OVMF under it with no disk and waiting for its boot manager's first serial message
 * ({@code BdsDxe}); a nested KVM that stops at OVMF's first x87 instruction never prints it.
 * {@code -Dstickwright.boot.accel=tcg|kvm} skips the probe.
 */
public final class BootRunner {
    private static final String QEMU = "qemu-system-x86_64";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static volatile String accelerator;

    private final Path logDirectory;

    public BootRunner(Path logDirectory) {
        this.logDirectory = logDirectory;
    }

    /** Logs under {@code target/boot-logs/}. */
    public static BootRunner withDefaultLogs() {
        return new BootRunner(Path.of("target", "boot-logs").toAbsolutePath());
    }

    /** Boots the default menu entry. */
    public BootResult boot(Path image, Firmware firmware) {
        return boot(image, firmware, BootOptions.defaults());
    }

    /**
     * Boots {@code image} once. {@code name} (from the image's file name and firmware) and a
     * sequence number make the log file name, e.g. {@code 07-debian-stick.img-OVMF.log}.
     */
    public BootResult boot(Path image, Firmware firmware, BootOptions options) {
        try {
            Files.createDirectories(logDirectory);
            String name = String.format("%02d-%s-%s", SEQUENCE.incrementAndGet(), image.getFileName(), firmware);
            Path log = logDirectory.resolve(name + ".log");
            Path vars = null;
            List<String> command = new ArrayList<>(List.of(QEMU,
                    "-nodefaults", "-machine", "q35", "-accel", accelerator(), "-cpu", "max", "-m", "1024",
                    "-display", "none", "-no-reboot",
                    "-chardev", "stdio,id=console,signal=off", "-serial", "chardev:console",
                    "-device", "qemu-xhci,id=xhci",
                    "-drive", "if=none,id=stick,format=raw,file=" + image.toAbsolutePath(),
                    "-device", "usb-storage,bus=xhci.0,drive=stick,bootindex=0"));
            if (firmware == Firmware.OVMF) {
                vars = Files.createTempFile(logDirectory, name + "-", ".vars.fd");
                Files.copy(Firmware.OVMF_VARS, vars, StandardCopyOption.REPLACE_EXISTING);
                command.addAll(List.of(
                        "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + Firmware.OVMF_CODE,
                        "-drive", "if=pflash,format=raw,unit=1,file=" + vars));
            }
            try {
                BootResult result = run(command, image, firmware, options, log);
                if (BootResult.TIMER_CHECK_PANIC.equals(result.failure())) {
                    Path retryLog = logDirectory.resolve(name + "-retry.log");
                    if (vars != null) {
                        Files.copy(Firmware.OVMF_VARS, vars, StandardCopyOption.REPLACE_EXISTING);
                    }
                    System.out.println("boot again after the emulator's timer-check panic: " + result.summary());
                    result = run(command, image, firmware, options, retryLog);
                }
                return result;
            } finally {
                if (vars != null) {
                    Files.deleteIfExists(vars);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while booting " + image, e);
        }
    }

    /**
     * Boots twice and compares the markers: {@link PersistenceCheck#persisted()} is true only
     * when boot 1 printed {@code FIRSTBOOT t} and boot 2 {@code PERSIST-OK t}.
     */
    public PersistenceCheck checkPersistence(Path image, Firmware firmware, BootOptions options) {
        BootResult first = boot(image, firmware, options);
        BootResult second = boot(image, firmware, options);
        return new PersistenceCheck(first, second);
    }

    /** {@link #checkPersistence} reduced to its verdict. */
    public boolean persists(Path image, Firmware firmware) {
        return checkPersistence(image, firmware, BootOptions.defaults()).persisted();
    }

    private BootResult run(List<String> command, Path image, Firmware firmware, BootOptions options, Path log)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + options.timeout().toNanos();
        Process qemu = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder serial = new StringBuilder();
        boolean keysSent = !options.selectsMenuEntry();
        Duration untilInit = null;
        boolean exited = false;
        boolean timedOut = false;
        try (OutputStream logFile = Files.newOutputStream(log);
                InputStream out = qemu.getInputStream();
                OutputStream keyboard = qemu.getOutputStream()) {
            logFile.write(("# " + String.join(" ", command) + "\n").getBytes(StandardCharsets.UTF_8));
            byte[] buffer = new byte[8192];
            while (true) {
                int available = out.available();
                if (available > 0) {
                    int n = out.read(buffer, 0, Math.min(buffer.length, available));
                    logFile.write(buffer, 0, n);
                    logFile.flush();
                    int scanFrom = Math.max(0, serial.length() - 256);
                    serial.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    if (untilInit == null && serial.indexOf("STICKWRIGHT-CMDLINE", scanFrom) >= 0) {
                        untilInit = Duration.ofNanos(System.nanoTime() - start);
                    }
                    if (!keysSent && serial.indexOf(options.menuTrigger(), scanFrom) >= 0) {
                        keyboard.write(options.menuKeys().getBytes(StandardCharsets.US_ASCII));
                        keyboard.flush();
                        keysSent = true;
                    }
                    if (BootResult.failureIn(serial.substring(scanFrom)) != null) {
                        break;
                    }
                    continue;
                }
                if (!qemu.isAlive()) {
                    drain(out, logFile, serial);
                    exited = true;
                    break;
                }
                if (System.nanoTime() > deadline) {
                    timedOut = true;
                    break;
                }
                // Nothing to read yet: wait for QEMU a little instead of spinning.
                if (qemu.waitFor(50, TimeUnit.MILLISECONDS)) {
                    drain(out, logFile, serial);
                    exited = true;
                    break;
                }
            }
        } finally {
            if (qemu.isAlive()) {
                qemu.destroyForcibly();
                qemu.waitFor(30, TimeUnit.SECONDS);
            }
        }
        Duration duration = Duration.ofNanos(System.nanoTime() - start);
        BootResult result = BootResult.parse(image, firmware, log, duration, untilInit, serial.toString(), exited,
                timedOut);
        Files.writeString(log, "\n# " + result.summary() + "\n", java.nio.file.StandardOpenOption.APPEND);
        return result;
    }

    private static void drain(InputStream out, OutputStream logFile, StringBuilder serial) throws IOException {
        byte[] rest = out.readAllBytes();
        logFile.write(rest);
        serial.append(new String(rest, StandardCharsets.ISO_8859_1));
    }

    /** "kvm" when KVM runs firmware here, else "tcg"; decided once per JVM. */
    public static String accelerator() {
        String chosen = accelerator;
        if (chosen == null) {
            synchronized (BootRunner.class) {
                chosen = accelerator;
                if (chosen == null) {
                    String forced = System.getProperty("stickwright.boot.accel");
                    chosen = forced != null ? forced : (kvmRunsFirmware() ? "kvm" : "tcg");
                    accelerator = chosen;
                }
            }
        }
        return chosen;
    }

    /**
     * Starts OVMF under KVM without a disk and waits up to 20 s for "BdsDxe" on the serial
     * port. /dev/kvm existing is not enough: a nested KVM can hang at the firmware's first
     * x87 instruction.
     */
    static boolean kvmRunsFirmware() {
        if (!Files.isReadable(Path.of("/dev/kvm")) || !Firmware.OVMF.installed()) {
            return false;
        }
        Path vars = null;
        Process qemu = null;
        try {
            vars = Files.createTempFile("stickwright-kvm-probe", ".fd");
            Files.copy(Firmware.OVMF_VARS, vars, StandardCopyOption.REPLACE_EXISTING);
            qemu = new ProcessBuilder(QEMU, "-nodefaults", "-machine", "q35", "-accel", "kvm", "-cpu", "host",
                    "-m", "256", "-display", "none", "-no-reboot", "-serial", "stdio",
                    "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + Firmware.OVMF_CODE,
                    "-drive", "if=pflash,format=raw,unit=1,file=" + vars)
                    .redirectErrorStream(true).start();
            qemu.getOutputStream().close();
            InputStream out = qemu.getInputStream();
            StringBuilder seen = new StringBuilder();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            byte[] buffer = new byte[4096];
            while (System.nanoTime() < deadline && qemu.isAlive()) {
                if (out.available() > 0) {
                    int n = out.read(buffer);
                    seen.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    if (seen.indexOf("BdsDxe") >= 0) {
                        return true;
                    }
                } else {
                    qemu.waitFor(100, TimeUnit.MILLISECONDS);
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (qemu != null) {
                qemu.destroyForcibly();
            }
            if (vars != null) {
                try {
                    Files.deleteIfExists(vars);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless
                }
            }
        }
    }
}
