package org.stickwright.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javafx.animation.AnimationTimer;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.boot.LiveFixture;
import org.stickwright.platform.DriveSource;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * Drives the real wizard (Monocle headless) with the mouse and keyboard robot, against the boot
 * kit's Fedora fixture ISO and image-file targets; the disk work is done by the real helper
 * process, as for a user.
 */
@Tag(Tags.GUI)
@ExtendWith(ApplicationExtension.class)
class WizardTest {
    private static final long MIB = 1 << 20;
    private static final Duration JOB = Duration.ofMinutes(3);
    private static final Duration SHORT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private AppContext context;
    private WizardController wizard;

    @Start
    void start(Stage stage) {
        System.setProperty("stickwright.seed", "42");
        Theme.LIGHT.apply();
        context = new AppContext(stage, App.strings(), DriveSource.forVetting());
        wizard = App.show(context);
    }

    @AfterEach
    void stopPolling() {
        System.clearProperty("stickwright.testTargets");
        System.clearProperty("stickwright.testDrives");
        Fx.run(() -> context.drives().pause());
    }

    @Test
    void aRawStickMadeThroughTheWizardEqualsStickwrightWriteByteForByte(FxRobot robot) throws Exception {
        Path iso = LiveFixture.FEDORA_FLAT.iso();
        Path target = sparse(dir.resolve("raw-target.img"), 128 * MIB);
        Path reference = sparse(dir.resolve("raw-reference.img"), 128 * MIB);
        offerTargets(target);
        chooseImage(robot, iso);
        assertThat(text(robot, "#familyValue")).contains("Fedora");
        Fx.waitUntil("the SHA-256 is shown", SHORT, () -> context.model().sha256.get() != null);
        assertThat(context.model().sha256.get()).isEqualTo(TestImages.sha256(iso));
        robot.clickOn("#nextButton");
        chooseTarget(robot, target);
        robot.clickOn("#nextButton");
        robot.clickOn("#rawRadio");
        robot.clickOn("#nextButton");
        assertThat(robot.lookup("#nextButton").queryButton().isDisabled()).as("writing needs the confirmation").isTrue();
        robot.clickOn("#confirm");
        robot.clickOn("#nextButton");
        Fx.waitUntil("the job ends", JOB, () -> wizard.current() == WizardController.Step.DONE);
        assertThat(text(robot, "#headline")).contains("ready");
        assertThat(text(robot, "#verification")).startsWith("Verified");
        CliProcess.run("write", iso.toString(), reference.toString(), "--yes").ok();
        assertThat(Files.mismatch(target, reference)).isEqualTo(-1);
    }

    @Test
    void aHybridStickFromTheWizardEqualsStickwrightCreateWithTheSameSeedByteForByte(FxRobot robot) throws Exception {
        Tool.Result cli = makeLikeCreate(robot, "hybrid", "#hybridRadio");
        assertThat(cli.exitCode()).as(cli.output()).isZero();
    }

    @Test
    void anExtractStickFromTheWizardEqualsStickwrightCreateWithTheSameSeed(FxRobot robot) throws Exception {
        Tool.Result cli = makeLikeCreate(robot, "extract", "#extractRadio");
        assertThat(cli.exitCode()).as(cli.output()).isZero();
    }

    /**
     * Makes a persistent stick in {@code mode} through the wizard and the same one with
     * {@code stickwright create --seed 42}: when the CLI makes it, the two files are equal byte for
     * byte; when the engine refuses, the wizard refuses before writing, in the engine's words.
     */
    private Tool.Result makeLikeCreate(FxRobot robot, String mode, String radio) throws Exception {
        Path iso = LiveFixture.FEDORA_FLAT.iso();
        Path target = sparse(dir.resolve(mode + "-target.img"), 256 * MIB);
        Path reference = sparse(dir.resolve(mode + "-reference.img"), 256 * MIB);
        offerTargets(target);
        chooseImage(robot, iso);
        robot.clickOn("#nextButton");
        chooseTarget(robot, target);
        robot.clickOn("#nextButton");
        robot.clickOn(radio);
        robot.doubleClickOn("#persistenceField").eraseText(12).write("96M");
        assertThat(context.model().persistence.get()).isEqualTo(96 * MIB);
        robot.clickOn("#nextButton");
        Tool.Result cli = CliProcess.run("create", iso.toString(), reference.toString(), "--mode", mode,
                "--persistence", "96M", "--data-fs", "fat32", "--seed", "42", "--yes", "--json");
        if (cli.exitCode() != 0) {
            Fx.waitUntil("the plan is refused", SHORT, () -> robot.lookup("#reviewProblem").query().isVisible());
            assertThat(robot.lookup("#nextButton").queryButton().isDisabled()).isTrue();
            robot.clickOn("#problemDetailsLink");
            String detail = robot.lookup("#problemDetail").queryTextInputControl().getText();
            assertThat(cli.stdout()).contains(detail);
            assertThat(HelperProcessZeros.allZero(target)).isTrue();
            return cli;
        }
        Fx.waitUntil("the plan is drawn", SHORT, () -> !((PartitionBar) robot.lookup("#bar").query()).getChildren().isEmpty());
        // The review names the persistence store: a partition (hybrid) or a file on the stick (extract).
        assertThat(text(robot, "#legend")).containsPattern(mode.equals("hybrid") ? "persistence +\\d" : "on #1: .*overlay|persistence");
        robot.clickOn("#confirm");
        robot.clickOn("#nextButton");
        Fx.waitUntil("the job ends", JOB, () -> wizard.current() == WizardController.Step.DONE);
        assertThat(text(robot, "#headline")).contains("ready");
        assertThat(text(robot, "#verification")).startsWith("Verified");
        assertThat(Files.mismatch(target, reference)).isEqualTo(-1);
        return cli;
    }

    @Test
    void theWizardWorksFromTheKeyboardAlone(FxRobot robot) throws Exception {
        Path target = sparse(dir.resolve("keyboard-target.img"), 256 * MIB);
        offerTargets(target);
        Path iso = LiveFixture.FEDORA_FLAT.iso();
        Fx.run(() -> robot.lookup("#pathField").query().requestFocus());
        robot.write(iso.toString()).type(KeyCode.ENTER);
        Fx.waitUntil("the image is read", SHORT, () -> context.model().image.get() != null);
        robot.push(KeyCode.ALT, KeyCode.N);
        assertThat(wizard.current()).isEqualTo(WizardController.Step.DRIVE);
        Fx.waitUntil(target + " is listed", SHORT, () -> listedPaths(robot).contains(target.toString()));
        ListView<TargetChoice> list = driveList(robot);
        Fx.run(list::requestFocus);
        int index = Fx.call(() -> list.getItems().stream().map(TargetChoice::path).toList().indexOf(target.toString()));
        robot.type(KeyCode.HOME);
        for (int i = 0; i < index; i++) {
            robot.type(KeyCode.DOWN);
        }
        assertThat(context.model().target.get().path()).isEqualTo(target.toString());
        robot.push(KeyCode.ALT, KeyCode.N);
        assertThat(wizard.current()).isEqualTo(WizardController.Step.PERSISTENCE);
        robot.push(KeyCode.ALT, KeyCode.B);
        assertThat(wizard.current()).isEqualTo(WizardController.Step.DRIVE);
        robot.push(KeyCode.ALT, KeyCode.N);
        robot.push(KeyCode.ALT, KeyCode.N);
        Fx.waitUntil("the review is planned", SHORT, () -> !((PartitionBar) robot.lookup("#bar").query()).getChildren().isEmpty());
        robot.push(KeyCode.ALT, KeyCode.E);
        assertThat(wizard.current()).as("writing needs the confirmation").isEqualTo(WizardController.Step.REVIEW);
        Fx.run(() -> robot.lookup("#confirm").query().requestFocus());
        robot.type(KeyCode.SPACE);
        robot.push(KeyCode.ALT, KeyCode.E);
        Fx.waitUntil("the job ends", JOB, () -> wizard.current() == WizardController.Step.DONE);
        assertThat(text(robot, "#headline")).contains("ready");
    }

    @Test
    void aDriveTooSmallIsExplainedAndCannotBeChosen(FxRobot robot) throws Exception {
        Path iso = LiveFixture.FEDORA_FLAT.iso();
        Path small = dir.resolve("small.img");
        byte[] before = new byte[(int) (2 * MIB)];
        new java.util.Random(1).nextBytes(before);
        Files.write(small, before);
        offerTargets(small);
        chooseImage(robot, iso);
        robot.clickOn("#nextButton");
        chooseTarget(robot, small);
        Label refusal = robot.lookup("#refusalLabel").queryAs(Label.class);
        assertThat(refusal.isVisible()).isTrue();
        assertThat(refusal.getText()).startsWith("Too small").contains("2.00 MiB");
        assertThat(robot.lookup("#nextButton").queryButton().isDisabled()).isTrue();
        robot.clickOn("#nextButton");
        assertThat(wizard.current()).isEqualTo(WizardController.Step.DRIVE);
        assertThat(Files.readAllBytes(small)).isEqualTo(before);
    }

    @Test
    void theSystemDiskAppearsOnlyBehindTheWarningAndIsNeverWritable(FxRobot robot) throws Exception {
        chooseImage(robot, LiveFixture.FEDORA_FLAT.iso());
        robot.clickOn("#nextButton");
        String systemDisk = systemDisk();
        assertThat(listedPaths(robot)).doesNotContain(systemDisk);
        robot.clickOn("#allDisksToggle");
        robot.clickOn("OK");
        Fx.waitUntil("the system disk is listed", SHORT, () -> listedPaths(robot).contains(systemDisk));
        ListView<TargetChoice> list = driveList(robot);
        Fx.run(() -> list.getSelectionModel().select(list.getItems().stream().filter(c -> c.path().equals(systemDisk)).findFirst().orElseThrow()));
        assertThat(text(robot, "#refusalLabel")).startsWith("Never writable");
        assertThat(robot.lookup("#nextButton").queryButton().isDisabled()).isTrue();
        assertThat(context.model().target.get()).isNull();
    }

    @Test
    void cancellingMidWayAsksFirstThenWipesTheTargetAndTheFxThreadNeverStalls(FxRobot robot) throws Exception {
        Path image = TestImages.diskImage(dir.resolve("long.img"), 16 * MIB, 4, 0);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(2048 * MIB);
        }
        Path target = sparse(dir.resolve("cancel-target.img"), 2048 * MIB);
        offerTargets(target);
        chooseImage(robot, image);
        robot.clickOn("#nextButton");
        chooseTarget(robot, target);
        robot.clickOn("#nextButton");
        assertThat(robot.lookup("#hybridRadio").queryAs(javafx.scene.control.RadioButton.class).isDisabled())
                .as("no persistence for a plain disk image").isTrue();
        robot.clickOn("#nextButton");
        robot.clickOn("#confirm");
        robot.clickOn("#nextButton");
        Fx.waitUntil("the bar shows write progress", JOB, () -> wizard.current() == WizardController.Step.DONE
                || ((ProgressBar) robot.lookup("#progressBar").query()).getProgress() > 0);
        // The FX thread is watched while the helper writes (dialogs and step changes are not a write).
        StallMeter meter = Fx.call(StallMeter::start);
        Fx.waitUntil("a third is written", JOB, () -> wizard.current() == WizardController.Step.DONE
                || ((ProgressBar) robot.lookup("#progressBar").query()).getProgress() >= 0.3);
        long[] stall = Fx.call(meter::stop);
        assertThat(wizard.current()).as("the write ended before it could be cancelled").isEqualTo(WizardController.Step.PROGRESS);
        assertThat(context.drives().paused()).as("drive polling is paused during the job").isTrue();
        // The helper is held (SIGSTOP) while the dialogs are clicked through, so the cancel lands
        // mid-way however fast this machine writes the rest: before, a quick CI run sometimes
        // finished the job between two clicks. It resumes with the cancel line waiting for it.
        ProcessHandle helper = helperProcess();
        Tool.run("kill", "-STOP", Long.toString(helper.pid())).ok();
        try {
            robot.clickOn("#cancelButton");
            robot.clickOn("No");
            assertThat(wizard.current()).isEqualTo(WizardController.Step.PROGRESS);
            robot.clickOn("#cancelButton");
            robot.clickOn("Yes");
        } finally {
            Tool.run("kill", "-CONT", Long.toString(helper.pid())).ok();
        }
        Fx.waitUntil("the job ends", JOB, () -> wizard.current() == WizardController.Step.DONE);
        String measured = String.format("during a write: longest FX pulse gap %d ms, most FX-thread CPU between two pulses %d ms, load average %s%n",
                stall[0] / 1_000_000, stall[1] / 1_000_000, Files.readString(Path.of("/proc/loadavg")).strip());
        Files.writeString(Path.of("target", "gui-fx-stall.txt"), measured);
        System.out.print(measured);
        assertThat(text(robot, "#headline")).isEqualTo("Cancelled.");
        assertThat(robot.lookup("#doneProblem").query().isVisible()).isTrue();
        robot.clickOn("#problemDetailsLink");
        // The click lands while writing or, on a fast machine, while reading back: both are mid-way
        // and the contract is the same for both — the tables are wiped.
        assertThat(robot.lookup("#problemDetail").queryTextInputControl().getText())
                .containsPattern("cancelled while (writing|verifying)").contains("wiped");
        assertThat(HelperProcessZeros.zeros(target, 0, MIB)).as("first MiB wiped").isTrue();
        assertThat(context.drives().paused()).as("polling resumes after the job").isFalse();
        // The FX thread's own work between two frames stays under the 50 ms budget; the wall-clock gap
        // also counts time a loaded machine did not schedule it, so it gets a bound that only catches
        // real blocking (waiting on the helper or the disk would take the whole job's seconds).
        assertThat(stall[1]).isLessThan(Duration.ofMillis(50).toNanos());
        assertThat(stall[0]).isLessThan(Duration.ofSeconds(5).toNanos());
    }

    @Test
    @Tag(Tags.ROOT)
    @Tag(Tags.LOOP)
    void theDriveListFollowsALoopDeviceAppearingAndDisappearing(FxRobot robot) throws Exception {
        System.setProperty("stickwright.testDrives", "loop");
        chooseImage(robot, LiveFixture.FEDORA_FLAT.iso());
        robot.clickOn("#nextButton");
        Path backing = sparse(dir.resolve("loop-backing.img"), 64 * MIB);
        String device;
        try (LoopDevice loop = LoopDevice.attach(backing)) {
            device = loop.device().toString();
            Fx.waitUntil(device + " is listed", SHORT, () -> listedPaths(robot).contains(device));
        }
        Fx.waitUntil(device + " is gone", SHORT, () -> !listedPaths(robot).contains(device));
    }

    // --- helpers ---

    /** The helper process the wizard started (this JVM's child running {@code … helper}). */
    private static ProcessHandle helperProcess() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("helper")).orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError("no helper process is running"));
    }

    private void chooseImage(FxRobot robot, Path image) {
        robot.clickOn("#pathField").write(image.toString()).type(javafx.scene.input.KeyCode.ENTER);
        Fx.waitUntil("the image is read", SHORT, () -> context.model().image.get() != null);
    }

    private void chooseTarget(FxRobot robot, Path target) {
        Fx.waitUntil(target + " is listed", SHORT, () -> listedPaths(robot).contains(target.toString()));
        Node title = robot.lookup(".drive-title").lookup((Label l) -> l.getText().equals(target.getFileName().toString())).query();
        robot.clickOn(title);
    }

    private ListView<TargetChoice> driveList(FxRobot robot) {
        return robot.lookup("#driveList").query();
    }

    private List<String> listedPaths(FxRobot robot) {
        return driveList(robot).getItems().stream().map(TargetChoice::path).toList();
    }

    private static String text(FxRobot robot, String query) {
        return Fx.call(() -> robot.lookup(query).queryAs(javafx.scene.control.Labeled.class).getText());
    }

    private static void offerTargets(Path... targets) {
        System.setProperty("stickwright.testTargets", String.join(",", java.util.Arrays.stream(targets).map(Path::toString).toList()));
    }

    private static Path sparse(Path file, long size) throws IOException {
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.setLength(size);
        }
        return file;
    }

    private static String systemDisk() {
        String source = Tool.run("findmnt", "-n", "-o", "SOURCE", "/").ok().stdout().trim();
        String parent = Tool.run("lsblk", "-n", "-d", "-o", "PKNAME", source).stdout().trim();
        return parent.isEmpty() ? source : "/dev/" + parent;
    }

    /**
     * Watches the FX thread with a pulse timer: the longest wall-clock gap between two pulses
     * (what a user sees as a freeze, including time the OS did not schedule the thread on a busy
     * machine) and the most CPU the FX thread spent between two pulses (the work our code and
     * JavaFX did there, independent of other load).
     */
    static final class StallMeter {
        private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
        private final AtomicLong last = new AtomicLong();
        private final AtomicLong lastCpu = new AtomicLong();
        private final AtomicLong longest = new AtomicLong();
        private final AtomicLong busiest = new AtomicLong();
        private AnimationTimer timer;

        static StallMeter start() {
            StallMeter meter = new StallMeter();
            meter.timer = new AnimationTimer() {
                @Override
                public void handle(long now) {
                    long cpu = THREADS.getCurrentThreadCpuTime();
                    long previous = meter.last.getAndSet(now);
                    long previousCpu = meter.lastCpu.getAndSet(cpu);
                    if (previous != 0) {
                        meter.longest.accumulateAndGet(now - previous, Math::max);
                        meter.busiest.accumulateAndGet(cpu - previousCpu, Math::max);
                    }
                }
            };
            meter.timer.start();
            return meter;
        }

        /** Stops; returns {longest gap, most FX CPU between pulses} in nanoseconds. */
        long[] stop() {
            timer.stop();
            return new long[] {longest.get(), busiest.get()};
        }
    }
}
