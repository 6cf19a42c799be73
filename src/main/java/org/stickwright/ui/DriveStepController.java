package org.stickwright.ui;

import javafx.beans.binding.Bindings;
import javafx.beans.value.ObservableBooleanValue;
import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;
import org.stickwright.platform.SizeText;

/**
 * Step 2: which drive. Only drives that may be written can be chosen; the others are shown
 * greyed with the reason (the system disk in the expert list, a drive too small for the image).
 */
public final class DriveStepController implements WizardStep {
    private final AppContext context;
    private final WizardModel model;

    @FXML private ListView<TargetChoice> driveList;
    @FXML private CheckBox allDisksToggle;
    @FXML private Label emptyLabel;
    @FXML private Label refusalLabel;

    DriveStepController(AppContext context) {
        this.context = context;
        this.model = context.model();
    }

    @FXML
    private void initialize() {
        driveList.setItems(context.drives().choices());
        driveList.setCellFactory(list -> new ChoiceCell());
        driveList.getSelectionModel().selectedItemProperty().addListener((obs, was, now) -> choose(now));
        context.drives().choices().addListener((ListChangeListener<TargetChoice>) change -> keepSelection());
        emptyLabel.visibleProperty().bind(Bindings.isEmpty(context.drives().choices()));
        emptyLabel.managedProperty().bind(emptyLabel.visibleProperty());
        refusalLabel.setVisible(false);
        allDisksToggle.setOnAction(e -> toggleAllDisks());
    }

    @Override
    public ObservableBooleanValue canAdvance() {
        return Bindings.createBooleanBinding(() -> model.target.get() != null, model.target);
    }

    @Override
    public void entered() {
        choose(driveList.getSelectionModel().getSelectedItem());
    }

    /** Why {@code choice} may not be written with the chosen image, in words; null when it may. */
    String refusal(TargetChoice choice) {
        if (choice.refusal() != null && choice.refusal().startsWith("system:")) {
            return context.text("drive.refused.system", choice.refusal().substring("system:".length()));
        }
        ImageInfo image = model.image.get();
        if (image != null && choice.size() < image.size()) {
            return context.text("drive.refused.small", SizeText.human(choice.size()), SizeText.human(image.size()));
        }
        return null;
    }

    private void choose(TargetChoice choice) {
        String why = choice == null ? null : refusal(choice);
        refusalLabel.setText(why == null ? "" : why);
        refusalLabel.setVisible(why != null);
        model.target.set(choice == null || why != null ? null : choice);
    }

    private void keepSelection() {
        TargetChoice chosen = model.target.get();
        if (chosen == null) {
            return;
        }
        for (TargetChoice choice : driveList.getItems()) {
            if (choice.path().equals(chosen.path())) {
                driveList.getSelectionModel().select(choice);
                return;
            }
        }
        driveList.getSelectionModel().clearSelection();
        model.target.set(null);
    }

    private void toggleAllDisks() {
        if (allDisksToggle.isSelected()) {
            Alert warning = new Alert(Alert.AlertType.WARNING, context.text("drive.all.warning"), ButtonType.CANCEL, ButtonType.OK);
            warning.setHeaderText(context.text("drive.all.title"));
            warning.initOwner(driveList.getScene().getWindow());
            if (warning.showAndWait().orElse(ButtonType.CANCEL) != ButtonType.OK) {
                allDisksToggle.setSelected(false);
                return;
            }
        }
        context.drives().allDisks().set(allDisksToggle.isSelected());
    }

    private final class ChoiceCell extends ListCell<TargetChoice> {
        @Override
        protected void updateItem(TargetChoice choice, boolean empty) {
            super.updateItem(choice, empty);
            if (empty || choice == null) {
                setGraphic(null);
                setText(null);
                return;
            }
            String why = refusal(choice);
            FontIcon icon = new FontIcon(choice.imageFileTarget() ? "mdi2f-file-outline"
                    : choice.drive().map(d -> d.loop()).orElse(false) ? "mdi2h-harddisk" : "mdi2u-usb-flash-drive-outline");
            icon.setIconSize(28);
            Label title = new Label(choice.title());
            title.getStyleClass().add("drive-title");
            Label detail = new Label(choice.detail());
            detail.getStyleClass().add("drive-detail");
            VBox text = new VBox(2, title, detail);
            if (why != null) {
                Label reason = new Label(why);
                reason.getStyleClass().add("drive-refusal");
                reason.setWrapText(true);
                text.getChildren().add(reason);
                getStyleClass().add("refused");
            } else {
                getStyleClass().remove("refused");
            }
            HBox row = new HBox(12, icon, text);
            row.getStyleClass().add("drive-row");
            setText(null);
            setGraphic(row);
        }
    }
}
