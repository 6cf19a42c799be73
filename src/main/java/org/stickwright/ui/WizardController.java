package org.stickwright.ui;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.fxml.FXML;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;

/**
 * The wizard's frame: the step indicator, the current step's view and the Back/Next buttons.
 * Steps are loaded once and kept, so going back shows them as they were left.
 */
public final class WizardController {
    /** The six steps in order. */
    public enum Step {
        IMAGE(FxmlFile.IMAGE), DRIVE(FxmlFile.DRIVE), PERSISTENCE(FxmlFile.PERSISTENCE), REVIEW(FxmlFile.REVIEW),
        PROGRESS(FxmlFile.PROGRESS), DONE(FxmlFile.DONE);

        final FxmlFile view;

        Step(FxmlFile view) {
            this.view = view;
        }

        String key() {
            return "step." + name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final AppContext context;
    private final Map<Step, FxmlLoaderFactory.Loaded<WizardStep>> loaded = new EnumMap<>(Step.class);
    private final ObjectProperty<Step> current = new SimpleObjectProperty<>();
    private final List<Label> indicators = new ArrayList<>();

    @FXML private StackPane content;
    @FXML private HBox stepIndicator;
    @FXML private ImageView logo;
    @FXML private Button backButton;
    @FXML private Button nextButton;
    @FXML private Button technicianButton;

    WizardController(AppContext context) {
        this.context = context;
    }

    @FXML
    private void initialize() {
        logo.setImage(new Image(App.class.getResource("/org/stickwright/ui/img/stickwright-64.png").toExternalForm(), 40, 40, true, true));
        for (Step step : Step.values()) {
            Label label = new Label(context.text(step.key()));
            label.getStyleClass().add("step-indicator");
            indicators.add(label);
            stepIndicator.getChildren().add(label);
        }
        current.addListener((obs, was, now) -> arrive(now));
        current.set(Step.IMAGE);
    }

    public Step current() {
        return current.get();
    }

    /** The step's controller (tests and screenshots reach a step's state through it). */
    @SuppressWarnings("unchecked")
    public <C extends WizardStep> C controller(Step step) {
        return (C) view(step).controller();
    }

    public void goTo(Step step) {
        current.set(step);
    }

    @FXML
    void next() {
        Step step = current.get();
        if (step.ordinal() < Step.values().length - 1 && view(step).controller().canAdvance().get()) {
            current.set(Step.values()[step.ordinal() + 1]);
        }
    }

    @FXML
    void back() {
        Step step = current.get();
        if (step.ordinal() > 0 && step.ordinal() <= Step.REVIEW.ordinal()) {
            current.set(Step.values()[step.ordinal() - 1]);
        }
    }

    @FXML
    void openTechnician() {
        TechnicianController.open(context);
    }

    /** Starts over with a new image (Done step). */
    void restart() {
        context.model().outcome.set(null);
        current.set(Step.IMAGE);
    }

    void closeWindow() {
        ((Stage) content.getScene().getWindow()).close();
    }

    /** The window closed: stop polling drives. A running job is not stopped: the helper finishes it. */
    void closed() {
        context.drives().pause();
    }

    private FxmlLoaderFactory.Loaded<WizardStep> view(Step step) {
        return loaded.computeIfAbsent(step, s -> {
            FxmlLoaderFactory.Loaded<WizardStep> view = context.loaders().load(s.view);
            if (view.controller() instanceof WizardNavigation navigation) {
                navigation.attach(this);
            }
            return view;
        });
    }

    private void arrive(Step step) {
        FxmlLoaderFactory.Loaded<WizardStep> view = view(step);
        Parent root = view.root();
        content.getChildren().setAll(root);
        for (int i = 0; i < indicators.size(); i++) {
            Label label = indicators.get(i);
            label.getStyleClass().removeAll("current", "past");
            if (i == step.ordinal()) {
                label.getStyleClass().add("current");
            } else if (i < step.ordinal()) {
                label.getStyleClass().add("past");
            }
        }
        boolean navigating = step.ordinal() <= Step.REVIEW.ordinal();
        backButton.setVisible(navigating && step != Step.IMAGE);
        nextButton.setVisible(navigating);
        nextButton.setManaged(navigating);
        backButton.setManaged(navigating);
        technicianButton.setVisible(navigating);
        nextButton.disableProperty().unbind();
        nextButton.disableProperty().bind(Bindings.not(view.controller().canAdvance()));
        nextButton.getStyleClass().remove("danger");
        if (step == Step.REVIEW) {
            nextButton.setText(context.text("wizard.write"));
            nextButton.getStyleClass().add("danger");
        } else {
            nextButton.setText(context.text("wizard.next"));
        }
        view.controller().entered();
        root.requestFocus();
    }
}
