package org.stickwright.ui;

import java.util.ArrayList;
import java.util.List;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.value.ObservableBooleanValue;
import javafx.concurrent.Task;
import javafx.fxml.FXML;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.job.CreateJob;
import org.stickwright.engine.job.CreatePlan;
import org.stickwright.engine.job.CreateRequest;
import org.stickwright.engine.job.JobException;
import org.stickwright.platform.DriveText;
import org.stickwright.platform.SizeText;

/**
 * Step 4: what will happen, before it happens. The plan is the engine's own (the helper makes
 * the same one again and checks it); the user must tick the erase confirmation, a deliberate
 * act separate from pressing Enter.
 */
public final class ReviewStepController implements WizardStep {
    private final AppContext context;
    private final WizardModel model;
    private final BooleanProperty planned = new SimpleBooleanProperty();
    private BooleanBinding ready;
    private Task<CreatePlan> planning;

    @FXML private Label summary;
    @FXML private PartitionBar bar;
    @FXML private Label legend;
    @FXML private Label bootEntries;
    @FXML private Label notes;
    @FXML private Label eraseText;
    @FXML private CheckBox confirm;
    @FXML private VBox problemBox;
    private ProblemView problem;

    ReviewStepController(AppContext context) {
        this.context = context;
        this.model = context.model();
    }

    @FXML
    private void initialize() {
        problem = new ProblemView(context.strings());
        problem.setId("reviewProblem");
        problemBox.getChildren().add(problem);
        ready = Bindings.createBooleanBinding(() -> planned.get() && confirm.isSelected(), planned, confirm.selectedProperty());
    }

    @Override
    public ObservableBooleanValue canAdvance() {
        return ready;
    }

    @Override
    public void entered() {
        confirm.setSelected(false);
        planned.set(false);
        problem.clear();
        TargetChoice target = model.target.get();
        ImageInfo image = model.image.get();
        summary.setText(context.text("review.summary", image.path().getFileName(), target.title(),
                SizeText.human(target.size()), context.text("mode." + model.mode.get().name().toLowerCase(java.util.Locale.ROOT))));
        confirm.setText(context.text("review.confirm", target.title()));
        eraseText.setText(eraseDescription(target));
        bar.getChildren().clear();
        legend.setText(context.text("review.planning"));
        bootEntries.setText("");
        notes.setText("");
        if (planning != null) {
            planning.cancel();
        }
        CreateRequest request = model.createRequest();
        long targetSize = target.size();
        if (request == null) {
            List<CreatePlan.PlannedPartition> raw = List.of(new CreatePlan.PlannedPartition(1, 0, image.size(), "image", "", image.label()));
            showPlan(raw, List.of(), List.of(), List.of(context.text("review.rawNote")), targetSize);
            return;
        }
        planning = Tasks.create(() -> CreateJob.of(request, new Progress(), new Cancellation()).plan(targetSize, 512))
                .onSuccess(plan -> showPlan(plan.partitions(), plan.files(), plan.bootEntries(), plan.notes(), targetSize))
                .onError(e -> {
            legend.setText("");
            problem.show(context.text("review.cannotPlan"), e instanceof JobException ? e.getMessage() : String.valueOf(e));
        }).run();
    }

    private void showPlan(List<CreatePlan.PlannedPartition> partitions, List<CreatePlan.PlannedFile> files, List<String> entries,
            List<String> planNotes, long size) {
        bar.show(partitions, size);
        List<String> lines = new ArrayList<>();
        for (CreatePlan.PlannedPartition p : partitions) {
            lines.add(context.text("review.partition", p.number(), p.role(), SizeText.human(p.length()),
                    p.filesystem() == null || p.filesystem().isBlank() ? "—" : p.filesystem(),
                    p.label() == null || p.label().isBlank() ? "—" : p.label()));
        }
        for (CreatePlan.PlannedFile file : files) {
            lines.add(context.text("review.file", file.partition(), file.path(), SizeText.human(file.length()), file.role()));
        }
        legend.setText(String.join("\n", lines));
        bootEntries.setText(entries.isEmpty() ? "" : context.text("review.bootEntries", String.join(", ", entries)));
        notes.setText(String.join("\n", planNotes));
        planned.set(true);
    }

    private String eraseDescription(TargetChoice target) {
        if (target.drive().isEmpty()) {
            return context.text("review.eraseFile", target.path());
        }
        StringBuilder text = new StringBuilder(context.text("review.eraseDrive", target.title(), target.path()));
        for (String line : DriveText.partitionLines(target.drive().get())) {
            text.append('\n').append(line.strip());
        }
        if (!target.drive().get().mounted().isEmpty()) {
            text.append('\n').append(context.text("review.unmount"));
        }
        return text.toString();
    }
}
