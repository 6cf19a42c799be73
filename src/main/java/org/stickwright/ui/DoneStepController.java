package org.stickwright.ui;

import javafx.beans.binding.Bindings;
import javafx.beans.value.ObservableBooleanValue;
import javafx.fxml.FXML;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;
import org.stickwright.ipc.HelperEvent;

/** Step 6: how it ended, in words; on success the verification result and how to remove the stick. */
public final class DoneStepController implements WizardStep, WizardNavigation {
    private final AppContext context;
    private WizardController wizard;

    @FXML private FontIcon resultIcon;
    @FXML private Label headline;
    @FXML private Label verification;
    @FXML private Label ejectHint;
    @FXML private VBox problemBox;
    private ProblemView problem;

    DoneStepController(AppContext context) {
        this.context = context;
    }

    @FXML
    private void initialize() {
        problem = new ProblemView(context.strings());
        problem.setId("doneProblem");
        problemBox.getChildren().add(problem);
    }

    @Override
    public void attach(WizardController wizardController) {
        this.wizard = wizardController;
    }

    @Override
    public ObservableBooleanValue canAdvance() {
        return Bindings.createBooleanBinding(() -> false);
    }

    @Override
    public void entered() {
        HelperEvent event = context.model().outcome.get();
        problem.clear();
        resultIcon.getStyleClass().removeAll("success", "failure");
        if (event != null && event.isResult()) {
            resultIcon.setIconLiteral("mdi2c-check-circle-outline");
            resultIcon.getStyleClass().add("success");
            headline.setText(context.text("done.success", context.model().target.get().title()));
            verification.setText(Boolean.TRUE.equals(event.verified()) ? context.text("done.verified")
                    : context.text("done.notVerified"));
            ejectHint.setText(context.text("done.eject"));
            ejectHint.setVisible(true);
        } else {
            resultIcon.setIconLiteral("mdi2a-alert-circle-outline");
            resultIcon.getStyleClass().add("failure");
            int code = event == null || event.code() == null ? -1 : event.code();
            headline.setText(context.text(code == 130 ? "done.cancelled" : "done.failed"));
            verification.setText("");
            ejectHint.setVisible(false);
            problem.show(ProblemText.forCode(context.strings(), code), event == null ? null : event.message());
        }
    }

    @FXML
    void openTechnician() {
        TechnicianController.open(context);
    }

    @FXML
    void again() {
        wizard.restart();
    }

    @FXML
    void close() {
        wizard.closeWindow();
    }
}
