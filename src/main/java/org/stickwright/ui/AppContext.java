package org.stickwright.ui;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import javafx.stage.Stage;
import org.stickwright.platform.DriveSource;

/**
 * The composition root: the one place that builds the wizard's services and registers each
 * controller's constructor with the {@link FxmlLoaderFactory}.
 */
public final class AppContext {
    private final Stage stage;
    private final ResourceBundle strings;
    private final WizardModel model;
    private final DriveWatcher drives;
    private final FxmlLoaderFactory loaders;

    public AppContext(Stage stage, ResourceBundle strings, DriveSource driveSource) {
        this.stage = stage;
        this.strings = strings;
        String seed = System.getProperty("stickwright.seed");
        this.model = new WizardModel(seed == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(seed)));
        this.drives = new DriveWatcher(driveSource);
        Map<Class<?>, Supplier<Object>> controllers = new HashMap<>();
        controllers.put(WizardController.class, () -> new WizardController(this));
        controllers.put(ImageStepController.class, () -> new ImageStepController(this));
        controllers.put(DriveStepController.class, () -> new DriveStepController(this));
        controllers.put(PersistenceStepController.class, () -> new PersistenceStepController(this));
        controllers.put(ReviewStepController.class, () -> new ReviewStepController(this));
        controllers.put(ProgressStepController.class, () -> new ProgressStepController(this));
        controllers.put(DoneStepController.class, () -> new DoneStepController(this));
        controllers.put(TechnicianController.class, () -> new TechnicianController(this));
        this.loaders = new FxmlLoaderFactory(controllers, strings);
    }

    public Stage stage() {
        return stage;
    }

    public ResourceBundle strings() {
        return strings;
    }

    public String text(String key, Object... arguments) {
        String pattern = strings.getString(key);
        return arguments.length == 0 ? pattern : java.text.MessageFormat.format(pattern, arguments);
    }

    public WizardModel model() {
        return model;
    }

    public DriveWatcher drives() {
        return drives;
    }

    public FxmlLoaderFactory loaders() {
        return loaders;
    }
}
