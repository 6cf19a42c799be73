package org.stickwright.ui;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ListView;
import javafx.scene.image.PixelReader;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.stickwright.platform.Bus;
import org.stickwright.platform.Drive;
import org.stickwright.platform.DrivePartition;
import org.stickwright.platform.DriveSource;

/**
 * Renders every wizard step (and the technician window) to PNG for people to look at:
 * {@code src/test/gui/screenshots.sh} runs it under Xvfb, once light and once dark.
 * Arguments: OUTPUT_DIR ISO BIG_IMAGE TARGET_IMAGE_FILE STICK_IMAGE_FILE. The drive list shows
 * three sample USB sticks plus the two image files; the Review step shows the engine's real
 * hybrid plan for the ISO, the Progress and Done steps a real raw write of BIG_IMAGE to the
 * target file by the real helper, the technician window STICK (a stick made by create).
 */
public final class WizardScreenshots {
    private static Path output;
    private static Path iso;
    private static Path big;
    private static Path target;
    private static Path stick;

    public static void main(String[] args) {
        output = Path.of(args[0]);
        iso = Path.of(args[1]);
        big = Path.of(args[2]);
        target = Path.of(args[3]);
        stick = Path.of(args[4]);
        System.setProperty("stickwright.testTargets", target + "," + stick);
        Application.launch(Shooter.class);
    }

    /** The application; the launcher class itself must not extend Application on a class path (see Main). */
    public static final class Shooter extends Application {
        @Override
        public void start(Stage stage) {
            WizardScreenshots.start(stage);
        }
    }

    static void start(Stage stage) {
        Theme theme = Theme.preferred();
        theme.apply();
        AppContext context = new AppContext(stage, App.strings(), sampleDrives());
        WizardController wizard = App.show(context);
        Thread driver = new Thread(() -> {
            try {
                drive(context, wizard, theme.name().toLowerCase(java.util.Locale.ROOT));
            } catch (Throwable e) {
                e.printStackTrace();
                System.exit(1);
            }
            Platform.exit();
        }, "screenshots");
        driver.start();
    }

    private static void drive(AppContext context, WizardController wizard, String theme) throws IOException {
        Files.createDirectories(output);
        Scene scene = Fx.call(() -> context.stage().getScene());
        Duration wait = Duration.ofSeconds(60);
        shoot(scene, theme, "1-image-empty");
        Fx.run(() -> ((ImageStepController) wizard.controller(WizardController.Step.IMAGE)).load(iso));
        Fx.waitUntil("the SHA-256 is known", wait, () -> context.model().sha256.get() != null);
        shoot(scene, theme, "1-image");
        Fx.run(wizard::next);
        Fx.waitUntil("drives are listed", wait, () -> !context.drives().choices().isEmpty());
        @SuppressWarnings("unchecked")
        ListView<TargetChoice> list = (ListView<TargetChoice>) Fx.call(() -> scene.lookup("#driveList"));
        Fx.run(() -> list.getSelectionModel().select(2));
        shoot(scene, theme, "2-drive-too-small");
        Fx.run(() -> list.getSelectionModel().select(0));
        shoot(scene, theme, "2-drive");
        Fx.run(wizard::next);
        shoot(scene, theme, "3-persistence");
        Fx.run(() -> context.model().mode.set(WizardMode.RAW));
        shoot(scene, theme, "3-persistence-raw");
        Fx.run(() -> context.model().mode.set(WizardMode.HYBRID));
        Fx.run(wizard::next);
        Fx.waitUntil("the plan is drawn", wait, () -> !((PartitionBar) scene.lookup("#bar")).getChildren().isEmpty());
        Fx.run(() -> ((CheckBox) scene.lookup("#confirm")).setSelected(true));
        shoot(scene, theme, "4-review");
        // Back to the start for a long raw write to the target file.
        Fx.run(() -> wizard.goTo(WizardController.Step.IMAGE));
        Fx.run(() -> ((ImageStepController) wizard.controller(WizardController.Step.IMAGE)).load(big));
        Fx.waitUntil("the big image is read", wait, () -> context.model().image.get() != null);
        Fx.run(wizard::next);
        Fx.run(() -> list.getSelectionModel().select(list.getItems().stream().filter(c -> c.path().equals(target.toString())).findFirst().orElseThrow()));
        Fx.run(wizard::next);
        Fx.run(() -> context.model().mode.set(WizardMode.RAW));
        Fx.run(wizard::next);
        Fx.run(() -> ((CheckBox) scene.lookup("#confirm")).setSelected(true));
        shoot(scene, theme, "4-review-raw");
        Fx.run(wizard::next);
        Fx.waitUntil("the helper reports writing", wait, () -> {
            ProgressStepController progress = wizard.controller(WizardController.Step.PROGRESS);
            var event = progress.session() == null ? null : progress.session().latest();
            return event != null && event.isProgress() && "writing".equals(event.phase()) && event.done() > 0;
        });
        Fx.waitUntil("the progress bar moved", wait, () -> ((javafx.scene.control.ProgressBar) scene.lookup("#progressBar")).getProgress() > 0);
        shoot(scene, theme, "5-progress");
        Fx.waitUntil("the job ended", Duration.ofMinutes(5), () -> wizard.current() == WizardController.Step.DONE);
        shoot(scene, theme, "6-done");
        Stage technician = Fx.call(() -> TechnicianController.open(context));
        Fx.run(() -> {
            @SuppressWarnings("unchecked")
            javafx.scene.control.ComboBox<TargetChoice> sticks = (javafx.scene.control.ComboBox<TargetChoice>) technician.getScene().lookup("#stickChoice");
            sticks.getSelectionModel().select(sticks.getItems().stream().filter(c -> c.path().equals(stick.toString())).findFirst().orElseThrow());
        });
        Fx.run(() -> ((javafx.scene.control.Button) technician.getScene().lookup("#readButton")).fire());
        Fx.waitUntil("the stick was read", wait, () -> {
            Node status = technician.getScene().lookup("#statusLabel");
            String text = ((javafx.scene.control.Label) status).getText();
            return text != null && !text.isEmpty() && !text.equals(context.text("technician.reading"));
        });
        shoot(technician.getScene(), theme, "7-technician");
    }

    /** A PNG of the scene after the next pulse (layout and CSS applied). */
    static void shoot(Scene scene, String theme, String name) throws IOException {
        WritableImage image = Fx.call(() -> {
            scene.getRoot().applyCss();
            scene.getRoot().layout();
            return scene.snapshot(null);
        });
        write(image, output.resolve(name + "-" + theme + ".png"));
    }

    static void write(WritableImage image, Path file) throws IOException {
        int width = (int) image.getWidth();
        int height = (int) image.getHeight();
        BufferedImage buffered = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        PixelReader pixels = image.getPixelReader();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                buffered.setRGB(x, y, pixels.getArgb(x, y));
            }
        }
        ImageIO.write(buffered, "png", file.toFile());
    }

    /** Two USB sticks as a user would see them, one too small for most live images. */
    static DriveSource sampleDrives() {
        Drive sandisk = new Drive("/dev/sdb", "SanDisk", "Cruzer Blade", "4C530001", 16_008_609_792L, true, Bus.USB, false,
                Optional.empty(), List.of(), List.of(new DrivePartition("/dev/sdb1", "SANDISK", "vfat", 16_007_561_216L, List.of())));
        Drive kingston = new Drive("/dev/sdc", "Kingston", "DataTraveler 3.0", "E0D55EA5", 31_029_460_992L, false, Bus.USB,
                false, Optional.empty(), List.of(), List.of(new DrivePartition("/dev/sdc1", "Ubuntu 24.04 LTS amd64", "iso9660",
                        6_114_656_256L, List.of()), new DrivePartition("/dev/sdc2", "", "vfat", 5_242_880L, List.of())));
        Drive tiny = new Drive("/dev/sdd", "Generic", "Flash Disk", "", 16_777_216L, true, Bus.USB, false, Optional.empty(),
                List.of(), List.of());
        return () -> List.of(sandisk, kingston, tiny);
    }
}
