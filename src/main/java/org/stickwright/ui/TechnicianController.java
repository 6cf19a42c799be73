package org.stickwright.ui;

import java.nio.file.Path;
import java.util.List;
import javafx.fxml.FXML;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import org.kordamp.ikonli.javafx.FontIcon;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.ipc.HelperEvent;
import org.stickwright.ipc.JobPlan;
import org.stickwright.ipc.StoreInfo;
import org.stickwright.platform.SizeText;

/**
 * The technician window: pick a stick, see each partition, and for persistence stores how full
 * they are and whether they were cleanly unmounted. The stick is read by the helper (the GUI
 * never opens a disk), read-only.
 */
public final class TechnicianController {
    private final AppContext context;

    @FXML private ComboBox<TargetChoice> stickChoice;
    @FXML private Button readButton;
    @FXML private VBox storeList;
    @FXML private Label statusLabel;
    @FXML private VBox problemBox;
    private ProblemView problem;

    TechnicianController(AppContext context) {
        this.context = context;
    }

    /** Opens the window (one per call) beside the wizard. */
    public static Stage open(AppContext context) {
        FxmlLoaderFactory.Loaded<TechnicianController> view = context.loaders().load(FxmlFile.TECHNICIAN);
        Stage stage = new Stage();
        stage.initOwner(context.stage());
        Scene scene = new Scene(view.root(), 720, 620);
        scene.getStylesheets().add(App.class.getResource(App.STYLESHEET).toExternalForm());
        stage.setScene(scene);
        stage.setTitle(context.text("technician.title"));
        stage.getIcons().setAll(context.stage().getIcons());
        TargetChoice chosen = context.model().target.get();
        if (chosen != null) {
            view.controller().stickChoice.getSelectionModel().select(chosen);
        }
        stage.show();
        return stage;
    }

    @FXML
    private void initialize() {
        problem = new ProblemView(context.strings());
        problem.setId("technicianProblem");
        problemBox.getChildren().add(problem);
        stickChoice.setItems(context.drives().choices());
        stickChoice.setCellFactory(list -> new StickCell());
        stickChoice.setButtonCell(new StickCell());
        readButton.disableProperty().bind(stickChoice.getSelectionModel().selectedItemProperty().isNull());
    }

    @FXML
    void read() {
        TargetChoice stick = stickChoice.getSelectionModel().getSelectedItem();
        if (stick == null) {
            return;
        }
        problem.clear();
        storeList.getChildren().clear();
        statusLabel.setText(context.text("technician.reading"));
        readButton.disableProperty().unbind();
        readButton.setDisable(true);
        Tasks.create(() -> HelperLauncher.start(JobPlan.inspect(Path.of(stick.path()))).finished().get())
                .onSuccess(this::show)
                .onError(e -> show(HelperEvent.error(new JobException(Outcome.IO_ERROR, String.valueOf(e)))))
                .andFinally(() -> readButton.disableProperty().bind(stickChoice.getSelectionModel().selectedItemProperty().isNull()))
                .run();
    }

    private void show(HelperEvent event) {
        if (!event.isResult() || event.stores() == null) {
            statusLabel.setText("");
            problem.show(ProblemText.forCode(context.strings(), event.code() == null ? -1 : event.code()), event.message());
            return;
        }
        List<StoreInfo> stores = event.stores();
        long persistent = stores.stream().filter(s -> "persistence".equals(s.role())).count();
        statusLabel.setText(stores.isEmpty() ? context.text("technician.noPartitions")
                : context.text("technician.found", stores.size(), persistent));
        for (StoreInfo store : stores) {
            storeList.getChildren().add(row(store));
        }
    }

    private HBox row(StoreInfo store) {
        boolean persistence = "persistence".equals(store.role());
        FontIcon icon = new FontIcon(persistence ? "mdi2c-content-save-outline" : "mdi2h-harddisk");
        icon.setIconSize(24);
        String name = store.label() == null || store.label().isBlank() ? context.text("technician.unnamed", store.partition())
                : store.label();
        Label title = new Label(name);
        title.getStyleClass().add("drive-title");
        Label detail = new Label(context.text("technician.partition", store.partition(),
                store.filesystem().isEmpty() ? context.text("technician.otherFs") : store.filesystem(),
                SizeText.human(store.size())));
        detail.getStyleClass().add("drive-detail");
        VBox text = new VBox(2, title, detail);
        if (store.used() >= 0) {
            ProgressBar usage = new ProgressBar(store.size() <= 0 ? 0 : (double) store.used() / store.size());
            usage.setMaxWidth(Double.MAX_VALUE);
            usage.getStyleClass().add("usage-bar");
            Label used = new Label(context.text("technician.usage", SizeText.human(store.used()), SizeText.human(store.size()),
                    context.text("technician.state." + store.state())));
            used.getStyleClass().add("drive-detail");
            if (!"clean".equals(store.state())) {
                used.getStyleClass().add("warning-text");
            }
            text.getChildren().addAll(usage, used);
        }
        HBox row = new HBox(12, icon, text);
        HBox.setHgrow(text, Priority.ALWAYS);
        row.getStyleClass().addAll("store-row", persistence ? "persistence-store" : "other-partition");
        return row;
    }

    private static final class StickCell extends ListCell<TargetChoice> {
        @Override
        protected void updateItem(TargetChoice choice, boolean empty) {
            super.updateItem(choice, empty);
            setText(empty || choice == null ? null : choice.title() + " — " + choice.detail());
        }
    }
}
