package org.stickwright.ui;

import java.io.IOException;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.value.ObservableBooleanValue;
import javafx.fxml.FXML;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.util.Duration;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.ipc.HelperEvent;
import org.stickwright.platform.SizeText;

/**
 * Step 5: the job runs in the helper. A timeline pulls the helper's latest counters ten times a
 * second; nothing the helper sends is pushed at the FX thread line by line. Drive polling is
 * paused until the job ends. Cancel asks first, because cancelling wipes the drive.
 */
public final class ProgressStepController implements WizardStep, WizardNavigation {
    private final AppContext context;
    private final WizardModel model;
    private WizardController wizard;
    private HelperSession session;
    private Timeline pulling;

    @FXML private Label phaseLabel;
    @FXML private ProgressBar progressBar;
    @FXML private Label percentLabel;
    @FXML private Label speedLabel;
    @FXML private Label timeLeftLabel;
    @FXML private Button cancelButton;

    ProgressStepController(AppContext context) {
        this.context = context;
        this.model = context.model();
    }

    @Override
    public void attach(WizardController wizardController) {
        this.wizard = wizardController;
    }

    @Override
    public ObservableBooleanValue canAdvance() {
        return Bindings.createBooleanBinding(() -> false);
    }

    /** The running session (tests watch it), or null. */
    public HelperSession session() {
        return session;
    }

    @Override
    public void entered() {
        context.drives().pause();
        model.outcome.set(null);
        cancelButton.setDisable(false);
        phaseLabel.setText(context.text("progress.starting"));
        progressBar.setProgress(ProgressBar.INDETERMINATE_PROGRESS);
        percentLabel.setText("");
        speedLabel.setText("");
        timeLeftLabel.setText("");
        var plan = model.jobPlan();
        Tasks.create(() -> HelperLauncher.start(plan))
                .onSuccess(this::watch)
                .onError(e -> finish(HelperEvent.error(new JobException(Outcome.IO_ERROR,
                        "the helper could not be started: " + e.getMessage(), e instanceof IOException ? e : null))))
                .run();
    }

    private void watch(HelperSession started) {
        session = started;
        pulling = new Timeline(new KeyFrame(Duration.millis(100), e -> pull()));
        pulling.setCycleCount(Timeline.INDEFINITE);
        pulling.play();
        started.finished().thenAccept(event -> Platform.runLater(() -> finish(event)));
    }

    private void pull() {
        HelperEvent event = session == null ? null : session.latest();
        if (event == null || !event.isProgress()) {
            return;
        }
        phaseLabel.setText(phaseText(event.phase()));
        double fraction = event.fraction();
        progressBar.setProgress(fraction < 0 ? ProgressBar.INDETERMINATE_PROGRESS : fraction);
        percentLabel.setText(fraction < 0 ? "" : Math.round(fraction * 100) + " %");
        long rate = event.bytesPerSecond() == null ? 0 : event.bytesPerSecond();
        speedLabel.setText(rate <= 0 ? "" : context.text("progress.speed", SizeText.human(rate)));
        long left = event.secondsLeft() == null ? -1 : event.secondsLeft();
        timeLeftLabel.setText(left < 0 ? "" : left < 60 ? context.text("progress.secondsLeft", Math.max(1, left))
                : context.text("progress.timeLeft", left / 60, String.format("%02d", left % 60)));
    }

    private String phaseText(String phase) {
        String key = "phase." + (phase == null ? "" : phase.replace(' ', '-'));
        return context.strings().containsKey(key) ? context.text(key) : phase;
    }

    @FXML
    void cancel() {
        Alert ask = new Alert(Alert.AlertType.CONFIRMATION, context.text("progress.cancel.text"),
                ButtonType.NO, ButtonType.YES);
        ask.setHeaderText(context.text("progress.cancel.title"));
        ask.initOwner(cancelButton.getScene().getWindow());
        ((Button) ask.getDialogPane().lookupButton(ButtonType.NO)).setDefaultButton(true);
        ((Button) ask.getDialogPane().lookupButton(ButtonType.YES)).setDefaultButton(false);
        if (ask.showAndWait().orElse(ButtonType.NO) == ButtonType.YES && session != null) {
            cancelButton.setDisable(true);
            phaseLabel.setText(context.text("progress.cancelling"));
            session.cancel();
        }
    }

    private void finish(HelperEvent event) {
        if (pulling != null) {
            pulling.stop();
        }
        context.drives().resume();
        model.outcome.set(event);
        if (wizard != null) {
            wizard.goTo(WizardController.Step.DONE);
        }
    }
}
