package org.stickwright.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.overlay.DmSnapshotStore;
import org.stickwright.platform.DriveSource;
import org.stickwright.testing.OverlayStick;
import org.stickwright.testing.Tags;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * The technician window (Monocle headless) on a FAT32 stick image whose kernel-written
 * dm-snapshot store was invalidated: the window shows its usage and state, Recover asks the
 * CLI's question, and once confirmed the real helper process makes the store valid again.
 */
@Tag(Tags.GUI)
@ExtendWith(ApplicationExtension.class)
class TechnicianTest {
    private static final Duration HELPER = Duration.ofMinutes(2);

    @TempDir
    static Path dir;
    private static Path stick;

    private AppContext context;

    @BeforeAll
    static void makeStick() throws Exception {
        stick = OverlayStick.create(dir.resolve("fedora-stick.img"));
        OverlayStick.invalidate(stick);
    }

    @Start
    void start(Stage stage) {
        System.setProperty("stickwright.testTargets", stick.toString());
        Theme.LIGHT.apply();
        context = new AppContext(stage, App.strings(), DriveSource.forVetting());
        App.show(context);
    }

    @AfterEach
    void stopPolling() {
        System.clearProperty("stickwright.testTargets");
        Fx.run(() -> context.drives().pause());
    }

    @Test
    void recoverAnInvalidatedStoreAfterConfirmingMakesItValid(FxRobot robot) throws Exception {
        assertThat(OverlayStick.read(stick).state()).isEqualTo(DmSnapshotStore.State.INVALID);
        Stage technician = Fx.call(() -> TechnicianController.open(context));
        @SuppressWarnings("unchecked")
        ComboBox<TargetChoice> sticks = (ComboBox<TargetChoice>) Fx.call(() -> technician.getScene().lookup("#stickChoice"));
        Fx.waitUntil("the stick is listed", HELPER,
                () -> sticks.getItems().stream().anyMatch(c -> c.path().equals(stick.toString())));
        Fx.run(() -> sticks.getSelectionModel().select(sticks.getItems().stream()
                .filter(c -> c.path().equals(stick.toString())).findFirst().orElseThrow()));
        robot.clickOn("#readButton");
        Fx.waitUntil("the store is shown", HELPER, () -> technician.getScene().lookup("#recoverButton") != null);

        Label state = (Label) Fx.call(() -> technician.getScene().lookup("#state-overlay-LIVE-1234-ABCD"));
        assertThat(Fx.call(state::getText)).contains(context.text("technician.storeState.invalid"));
        ProgressBar usage = (ProgressBar) Fx.call(() -> technician.getScene().lookup("#usage-overlay-LIVE-1234-ABCD"));
        assertThat(Fx.call(usage::getProgress)).isGreaterThan(0).isLessThan(0.02); // 864 of 131072 sectors
        assertThat(Fx.call(() -> ((Button) technician.getScene().lookup("#resizeButton")).isDisabled())).isFalse();

        Button recover = (Button) Fx.call(() -> technician.getScene().lookup("#recoverButton"));
        assertThat(Fx.call(recover::isDisabled)).isFalse();
        Fx.run(recover::requestFocus);
        robot.type(KeyCode.SPACE); // keyboard-operable
        Fx.waitUntil("the confirmation is asked", HELPER, () -> robot.lookup("#confirmButton").tryQuery().isPresent());
        Node confirm = robot.lookup("#confirmButton").query();
        String question = Fx.call(() -> {
            Node pane = confirm;
            while (!(pane instanceof javafx.scene.control.DialogPane)) {
                pane = pane.getParent();
            }
            return ((javafx.scene.control.DialogPane) pane).getContentText();
        });
        assertThat(question).isEqualTo("Mark the invalidated store " + OverlayStick.STORE_PATH + " on " + stick
                + " valid again?");
        robot.clickOn(confirm);

        Fx.waitUntil("the store is shown again as valid", HELPER, () -> {
            Node shown = technician.getScene().lookup("#state-overlay-LIVE-1234-ABCD");
            return shown instanceof Label label && label.getText().contains(context.text("technician.storeState.valid"))
                    && !label.getText().contains(context.text("technician.storeState.invalid"));
        });
        assertThat(Fx.call(() -> ((Label) technician.getScene().lookup("#statusLabel")).getText()))
                .startsWith("Recovered " + OverlayStick.STORE_PATH);
        DmSnapshotStore store = OverlayStick.read(stick);
        assertThat(store.state()).isEqualTo(DmSnapshotStore.State.VALID);
        assertThat(store.dmsetupStatus()).isEqualTo(OverlayStick.STATUS);
        assertThat(Fx.call(() -> technician.getScene().lookup("#recoverButton").isDisabled())).isTrue();
    }
}
