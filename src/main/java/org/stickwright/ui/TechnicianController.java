package org.stickwright.ui;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javafx.fxml.FXML;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextInputDialog;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import org.kordamp.ikonli.javafx.FontIcon;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.ipc.HelperEvent;
import org.stickwright.ipc.JobPlan;
import org.stickwright.platform.SizeText;

/**
 * The technician window: pick a stick, see each persistence store (kind, how full, valid or
 * invalidated, what changed) and repair it: resize, reset, recover, export, import, merge. Every
 * operation is {@code stickwright overlay …} run by the helper (the GUI never opens a disk), in
 * two steps: the helper checks and answers with the CLI's own question, the user confirms, the
 * helper writes.
 */
public final class TechnicianController {
    private final AppContext context;

    @FXML private ComboBox<TargetChoice> stickChoice;
    @FXML private Button readButton;
    @FXML private VBox storeList;
    @FXML private Label statusLabel;
    @FXML private ProgressBar busyBar;
    @FXML private VBox problemBox;
    private ProblemView problem;
    private Path shownStick;

    TechnicianController(AppContext context) {
        this.context = context;
    }

    /** Opens the window (one per call) beside the wizard. */
    public static Stage open(AppContext context) {
        FxmlLoaderFactory.Loaded<TechnicianController> view = context.loaders().load(FxmlFile.TECHNICIAN);
        Stage stage = new Stage();
        stage.initOwner(context.stage());
        Scene scene = new Scene(view.root(), 760, 640);
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
        busyBar.setVisible(false);
        idle();
    }

    @FXML
    void read() {
        TargetChoice stick = stickChoice.getSelectionModel().getSelectedItem();
        if (stick == null) {
            return;
        }
        problem.clear();
        inspect(Path.of(stick.path()), context.text("technician.reading"), null);
    }

    /** Lists the stores; {@code result} (the words of the operation just done) stays shown, if any. */
    private void inspect(Path stick, String status, String result) {
        storeList.getChildren().clear();
        statusLabel.setText(status);
        busy();
        helper(JobPlan.overlay("inspect", stick, null, null, false), event -> {
            idle();
            if (!event.isResult() || event.overlay() == null) {
                failed(event);
                return;
            }
            shownStick = stick;
            show(event.overlay());
            if (result != null) {
                statusLabel.setText(result);
            }
        });
    }

    private void show(Map<String, Object> inspected) {
        List<?> stores = inspected.get("stores") instanceof List<?> list ? list : List.of();
        statusLabel.setText(stores.isEmpty() ? context.text("technician.noStores")
                : context.text("technician.foundStores", stores.size()));
        for (Object store : stores) {
            if (store instanceof Map<?, ?> map) {
                storeList.getChildren().add(row(map));
            }
        }
    }

    private VBox row(Map<?, ?> store) {
        String kind = text(store, "kind");
        String profile = text(store, "profile");
        FontIcon icon = new FontIcon("mdi2c-content-save-outline");
        icon.setIconSize(24);
        Label title = new Label(profile);
        title.getStyleClass().add("drive-title");
        Label detail = new Label(context.text("technician.store", context.text("technician.kind." + kind),
                text(store, "path"), number(store, "partition"), SizeText.human(number(store, "sizeBytes"))));
        detail.getStyleClass().add("drive-detail");
        VBox text = new VBox(2, title, detail);
        String state = text(store, "state");
        if (store.get("usedPercent") != null) {
            ProgressBar usage = new ProgressBar(Math.min(1, ((Number) store.get("usedPercent")).doubleValue() / 100));
            usage.setMaxWidth(Double.MAX_VALUE);
            usage.getStyleClass().add("usage-bar");
            usage.setId("usage-" + profile);
            text.getChildren().add(usage);
        }
        Label used = new Label(context.text("technician.storeUsage",
                store.get("usedBytes") == null ? "?" : SizeText.human(number(store, "usedBytes")),
                store.get("usedPercent") == null ? "?" : store.get("usedPercent"), stateText(state)));
        used.setId("state-" + profile);
        used.getStyleClass().add("drive-detail");
        if (!"valid".equals(state) && !"fresh".equals(state)) {
            used.getStyleClass().add("warning-text");
        }
        text.getChildren().add(used);
        if (store.get("dmsetupStatus") != null) {
            text.getChildren().add(small(context.text("technician.dmsetup", text(store, "dmsetupStatus"),
                    number(store, "exceptions"))));
        }
        if (store.get("changedFiles") != null) {
            text.getChildren().add(small(context.text("technician.changed", number(store, "changedFiles"),
                    store.get("whiteouts") == null ? 0 : number(store, "whiteouts"))));
        }
        if (store.get("problem") != null) {
            text.getChildren().add(small(text(store, "problem")));
        }
        boolean dm = "dm_snapshot_file".equals(kind);
        boolean image = dm || "embedded_overlay_image".equals(kind) || "home_image".equals(kind);
        FlowPane actions = new FlowPane(6, 6);
        actions.getChildren().addAll(
                action("resize", "mdi2a-arrow-expand-horizontal", dm, () -> resize(profile)),
                action("reset", "mdi2b-broom", !"home_image".equals(kind) && !"overlayfs_directory".equals(kind),
                        () -> run("reset", profile, null)),
                action("recover", "mdi2b-bandage", dm && "invalid".equals(state), () -> run("recover", profile, null)),
                action("export", "mdi2e-export", image, () -> toFile("export", profile, true)),
                action("import", "mdi2i-import", image, () -> toFile("import", profile, false)),
                action("merge", "mdi2c-call-merge", dm, () -> toFile("merge", profile, true)));
        HBox head = new HBox(12, icon, text);
        HBox.setHgrow(text, Priority.ALWAYS);
        VBox row = new VBox(8, head, actions);
        row.setId("store-" + profile);
        row.getStyleClass().addAll("store-row", "persistence-store");
        return row;
    }

    private Button action(String operation, String iconLiteral, boolean enabled, Runnable onAction) {
        Button button = new Button(context.text("technician.action." + operation), new FontIcon(iconLiteral));
        button.setMnemonicParsing(true);
        button.setId(operation + "Button");
        button.setDisable(!enabled);
        button.setOnAction(e -> onAction.run());
        return button;
    }

    private void resize(String profile) {
        TextInputDialog dialog = new TextInputDialog();
        dialog.initOwner(stickChoice.getScene().getWindow());
        dialog.setTitle(context.text("technician.action.resize").replace("_", ""));
        dialog.setHeaderText(context.text("technician.resizeTo"));
        dialog.getEditor().setId("resizeSize");
        dialog.showAndWait().map(String::trim).filter(s -> !s.isEmpty()).ifPresent(size -> run("resize", profile, size));
    }

    private void toFile(String operation, String profile, boolean save) {
        FileChooser chooser = new FileChooser();
        chooser.setTitle(context.text("technician.action." + operation).replace("_", ""));
        File file = save ? chooser.showSaveDialog(stickChoice.getScene().getWindow())
                : chooser.showOpenDialog(stickChoice.getScene().getWindow());
        if (file != null) {
            run(operation, profile, file.getAbsolutePath());
        }
    }

    /** Checks (the helper answers with the CLI's question), asks, then runs confirmed. */
    private void run(String operation, String profile, String argument) {
        Path stick = shownStick;
        problem.clear();
        statusLabel.setText(context.text("technician.checking"));
        busy();
        helper(JobPlan.overlay(operation, stick, profile, argument, false), checked -> {
            if (checked.isQuestion()) {
                if (confirm(checked.question())) {
                    statusLabel.setText(context.text("technician.working"));
                    helper(JobPlan.overlay(operation, stick, profile, argument, true), done -> finished(stick, done));
                } else {
                    idle();
                    statusLabel.setText(context.text("technician.notConfirmed"));
                }
            } else {
                finished(stick, checked);
            }
        });
    }

    private boolean confirm(String question) {
        Alert alert = new Alert(Alert.AlertType.CONFIRMATION, question, ButtonType.OK, ButtonType.CANCEL);
        alert.initOwner(stickChoice.getScene().getWindow());
        alert.setTitle(context.text("technician.confirmTitle"));
        alert.setHeaderText(null);
        alert.getDialogPane().lookupButton(ButtonType.OK).setId("confirmButton");
        Button ok = (Button) alert.getDialogPane().lookupButton(ButtonType.OK);
        ok.setText(context.text("technician.confirm"));
        ok.setDefaultButton(false);
        ((Button) alert.getDialogPane().lookupButton(ButtonType.CANCEL)).setDefaultButton(true);
        Optional<ButtonType> answer = alert.showAndWait();
        return answer.isPresent() && answer.get() == ButtonType.OK;
    }

    private void finished(Path stick, HelperEvent event) {
        idle();
        if (!event.isResult()) {
            failed(event);
            return;
        }
        inspect(stick, event.message(), event.message());
    }

    private void failed(HelperEvent event) {
        statusLabel.setText("");
        int code = event.code() == null ? -1 : event.code();
        String words = code == Outcome.REFUSED.exitCode() ? context.text("technician.problem.refused")
                : code == Outcome.BAD_INPUT.exitCode() ? context.text("technician.problem.badInput")
                : context.text("technician.problem.io");
        problem.show(words, event.message());
    }

    private void helper(JobPlan plan, java.util.function.Consumer<HelperEvent> then) {
        Tasks.create(() -> HelperLauncher.start(plan).finished().get())
                .onSuccess(then)
                .onError(e -> {
                    idle();
                    failed(HelperEvent.error(new JobException(Outcome.IO_ERROR, String.valueOf(e))));
                })
                .run();
    }

    private void busy() {
        busyBar.setVisible(true);
        readButton.disableProperty().unbind();
        readButton.setDisable(true);
        storeList.setDisable(true);
    }

    private void idle() {
        busyBar.setVisible(false);
        storeList.setDisable(false);
        readButton.disableProperty().bind(stickChoice.getSelectionModel().selectedItemProperty().isNull());
    }

    private String stateText(String state) {
        String key = "technician.storeState." + state;
        return context.strings().containsKey(key) ? context.text(key) : state;
    }

    private static Label small(String words) {
        Label label = new Label(words);
        label.setWrapText(true);
        label.getStyleClass().add("drive-detail");
        return label;
    }

    private static String text(Map<?, ?> map, String key) {
        Object value = map.get(key);
        return value == null ? "" : value.toString();
    }

    private static long number(Map<?, ?> map, String key) {
        return map.get(key) instanceof Number n ? n.longValue() : 0;
    }

    private static final class StickCell extends ListCell<TargetChoice> {
        @Override
        protected void updateItem(TargetChoice choice, boolean empty) {
            super.updateItem(choice, empty);
            setText(empty || choice == null ? null : choice.title() + " — " + choice.detail());
        }
    }
}
