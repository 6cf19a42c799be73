package org.stickwright.ui;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.beans.value.ObservableBooleanValue;
import javafx.concurrent.Task;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.TextField;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.DragEvent;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import org.stickwright.engine.job.JobException;
import org.stickwright.platform.SizeText;

/** Step 1: which image. Typed path, file chooser or drop; facts read in the background, then the SHA-256. */
public final class ImageStepController implements WizardStep {
    private final AppContext context;
    private final WizardModel model;
    private Task<ImageInfo> inspecting;
    private Task<String> hashing;

    @FXML private VBox root;
    @FXML private TextField pathField;
    @FXML private Button browseButton;
    @FXML private VBox dropZone;
    @FXML private GridPane facts;
    @FXML private Label familyValue;
    @FXML private Label labelValue;
    @FXML private Label sizeValue;
    @FXML private Label modesValue;
    @FXML private Label shaValue;
    @FXML private Button copyShaButton;
    @FXML private ProgressIndicator busy;
    @FXML private VBox problemBox;
    private ProblemView problem;

    ImageStepController(AppContext context) {
        this.context = context;
        this.model = context.model();
    }

    @FXML
    private void initialize() {
        problem = new ProblemView(context.strings());
        problem.setId("imageProblem");
        problemBox.getChildren().add(problem);
        facts.visibleProperty().bind(model.image.isNotNull());
        facts.managedProperty().bind(facts.visibleProperty());
        busy.setVisible(false);
        copyShaButton.disableProperty().bind(model.sha256.isNull());
        root.setOnDragOver(this::dragOver);
        root.setOnDragDropped(this::dropped);
    }

    @Override
    public ObservableBooleanValue canAdvance() {
        return Bindings.createBooleanBinding(() -> model.image.get() != null, model.image);
    }

    @FXML
    void usePath() {
        String text = pathField.getText() == null ? "" : pathField.getText().trim();
        if (!text.isEmpty()) {
            load(Path.of(text));
        }
    }

    @FXML
    void browse() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle(context.text("image.choose"));
        chooser.getExtensionFilters().addAll(
                new FileChooser.ExtensionFilter(context.text("image.filter"), "*.iso", "*.img", "*.raw", "*.iso.gz",
                        "*.iso.xz", "*.iso.zst", "*.img.gz", "*.img.xz", "*.img.zst"),
                new FileChooser.ExtensionFilter(context.text("image.filterAll"), "*"));
        java.io.File file = chooser.showOpenDialog(root.getScene().getWindow());
        if (file != null) {
            load(file.toPath());
        }
    }

    @FXML
    void copySha() {
        ClipboardContent content = new ClipboardContent();
        content.putString(model.sha256.get());
        javafx.scene.input.Clipboard.getSystemClipboard().setContent(content);
    }

    private void dragOver(DragEvent event) {
        if (event.getDragboard().hasFiles() && event.getDragboard().getFiles().size() == 1) {
            event.acceptTransferModes(TransferMode.COPY, TransferMode.LINK);
        }
        event.consume();
    }

    private void dropped(DragEvent event) {
        List<java.io.File> files = event.getDragboard().getFiles();
        boolean ok = files != null && files.size() == 1;
        if (ok) {
            load(files.get(0).toPath());
        }
        event.setDropCompleted(ok);
        event.consume();
    }

    /** Reads the image's facts in the background; the old choice stays until the new one is known. */
    public void load(Path path) {
        pathField.setText(path.toString());
        if (inspecting != null) {
            inspecting.cancel();
        }
        if (hashing != null) {
            hashing.cancel();
        }
        problem.clear();
        busy.setVisible(true);
        model.image.set(null);
        model.sha256.set(null);
        inspecting = Tasks.create(() -> ImageInfo.inspect(path))
                .onSuccess(this::show)
                .onError(e -> problem.show(context.text("image.unreadable", path.getFileName()),
                        e instanceof JobException ? e.getMessage() : String.valueOf(e)))
                .andFinally(() -> busy.setVisible(false))
                .run();
    }

    private void show(ImageInfo info) {
        model.image.set(info);
        familyValue.setText(info.family() == null ? context.text("image.noFamily")
                : info.family().family().displayName());
        labelValue.setText(info.label() == null || info.label().isBlank() ? "—" : info.label());
        String size = SizeText.human(info.size());
        if (info.compression() != org.stickwright.engine.io.Compression.NONE) {
            size += " " + context.text("image.compressed", info.compression().name().toLowerCase(Locale.ROOT),
                    SizeText.human(info.fileSize()));
        }
        sizeValue.setText(size);
        modesValue.setText(String.join(", ", info.modes().stream().map(m -> context.text("mode." + m.name().toLowerCase(Locale.ROOT))).toList()));
        if (!info.persistenceAvailable()) {
            model.mode.set(WizardMode.RAW);
        } else if (model.mode.get() == WizardMode.RAW) {
            model.mode.set(WizardMode.HYBRID);
        }
        shaValue.setText(context.text("image.hashing"));
        hashing = Tasks.create(() -> sha256(info.path()))
                .onSuccess(hash -> {
                    model.sha256.set(hash);
                    shaValue.setText(hash);
                })
                .onError(e -> shaValue.setText(context.text("image.hashFailed", e.getMessage())))
                .run();
    }

    static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("hashing cancelled");
                }
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
