package org.stickwright.ui;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.stickwright.engine.job.CreateRequest;
import org.stickwright.ipc.HelperEvent;
import org.stickwright.ipc.JobPlan;

/**
 * Everything the wizard's steps decide, as observable properties: the steps read and write only
 * this model, never each other, so Back and Next cannot lose state.
 */
public final class WizardModel {
    public static final long MIB = 1L << 20;

    public final ObjectProperty<ImageInfo> image = new SimpleObjectProperty<>();
    public final StringProperty sha256 = new SimpleStringProperty();
    public final ObjectProperty<TargetChoice> target = new SimpleObjectProperty<>();
    public final ObjectProperty<WizardMode> mode = new SimpleObjectProperty<>(WizardMode.RAW);
    public final LongProperty persistence = new SimpleLongProperty(4L << 30);
    public final LongProperty home = new SimpleLongProperty();
    public final ObservableList<CreateRequest.Profile> profiles = FXCollections.observableArrayList();
    public final ObjectProperty<CreateRequest.DataFs> dataFs = new SimpleObjectProperty<>(CreateRequest.DataFs.FAT32);
    public final BooleanProperty verify = new SimpleBooleanProperty(true);
    /** The finished job's last event (result or error). */
    public final ObjectProperty<HelperEvent> outcome = new SimpleObjectProperty<>();
    /** Identifiers seed for reproducible sticks (tests: {@code -Dstickwright.seed=N}). */
    private final OptionalLong seed;

    public WizardModel(OptionalLong seed) {
        this.seed = seed;
    }

    /** The create request for hybrid/extract mode (null in raw mode). */
    public CreateRequest createRequest() {
        ImageInfo info = image.get();
        WizardMode chosen = mode.get();
        if (info == null || chosen == WizardMode.RAW) {
            return null;
        }
        // extract mode's FAT32 live partition is its data partition: the (hidden) choice does not apply
        CreateRequest.DataFs data = chosen == WizardMode.EXTRACT ? CreateRequest.DataFs.FAT32 : dataFs.get();
        return new CreateRequest(info.path(), chosen.createMode(), persistence.get(), home.get(), List.copyOf(profiles), null,
                data, false, false, null, verify.get(), seed);
    }

    /** What the helper is asked to do. */
    public JobPlan jobPlan() {
        TargetChoice chosen = target.get();
        Path targetPath = Path.of(chosen.path());
        boolean unmount = chosen.drive().map(d -> !d.mounted().isEmpty()).orElse(false);
        if (mode.get() == WizardMode.RAW) {
            return JobPlan.write(image.get().path(), targetPath, -1, unmount, verify.get());
        }
        return JobPlan.create(createRequest(), targetPath, -1, unmount);
    }

    /** Bytes the persistence stores together ask for. */
    public long storesTotal() {
        long total = persistence.get() + home.get();
        for (CreateRequest.Profile profile : profiles) {
            total += profile.size();
        }
        return total;
    }

    /**
     * Room for persistence on the chosen drive: what the image leaves free, less a margin for
     * partition alignment and tables (1 MiB alignment at both ends, the backup GPT).
     */
    public long roomForStores() {
        TargetChoice chosen = target.get();
        ImageInfo info = image.get();
        if (chosen == null || info == null) {
            return 0;
        }
        long free = chosen.size() - info.size() - 4 * MIB;
        return Math.max(0, free / MIB * MIB);
    }
}
