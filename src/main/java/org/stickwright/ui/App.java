package org.stickwright.ui;

import java.lang.management.ManagementFactory;
import java.util.ResourceBundle;
import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.stage.Stage;
import org.stickwright.platform.DriveSource;

/**
 * The desktop application: the wizard in its window. {@code -Dstickwright.timing=true} prints
 * the milliseconds from JVM start to the first shown window (the cold-start benchmark).
 */
public final class App extends Application {
    public static final String STYLESHEET = "/org/stickwright/ui/css/stickwright.css";
    public static final String ICON = "/org/stickwright/ui/img/stickwright-256.png";

    /** Called by {@link org.stickwright.Main} without arguments. */
    public static void launchWizard() {
        Application.launch(App.class);
    }

    @Override
    public void start(Stage stage) {
        Theme.preferred().apply();
        AppContext context = new AppContext(stage, strings(), new DeferredDriveSource());
        show(context);
    }

    /** Builds the wizard scene on {@code context}'s stage and shows it (tests call this with their own stage). */
    public static WizardController show(AppContext context) {
        Stage stage = context.stage();
        FxmlLoaderFactory.Loaded<WizardController> wizard = context.loaders().load(FxmlFile.WIZARD);
        Scene scene = new Scene(wizard.root(), 840, 660);
        scene.getStylesheets().add(App.class.getResource(STYLESHEET).toExternalForm());
        stage.setScene(scene);
        stage.setTitle(context.text("app.title"));
        stage.getIcons().setAll(new Image(App.class.getResource(ICON).toExternalForm()),
                new Image(App.class.getResource("/org/stickwright/ui/img/stickwright-64.png").toExternalForm()));
        stage.setMinWidth(720);
        stage.setMinHeight(540);
        if (Boolean.getBoolean("stickwright.timing")) {
            stage.setOnShown(e -> System.err.println("stickwright: first window after "
                    + (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()) + " ms (process CPU "
                    + ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1_000_000
                    + " ms)"));
        }
        stage.setOnHidden(e -> wizard.controller().closed());
        stage.show();
        context.drives().start();
        return wizard.controller();
    }

    /**
     * This machine's drives, with OSHI started on the first scan (on the polling thread) rather
     * than before the window: its start-up (half a second, plus the logging system) is not the
     * user's wait.
     */
    static final class DeferredDriveSource implements DriveSource {
        private DriveSource machine;

        @Override
        public synchronized java.util.List<org.stickwright.platform.Drive> drives() throws java.io.IOException {
            if (machine == null) {
                machine = DriveSource.forThisMachine();
            }
            return machine.drives();
        }
    }

    public static ResourceBundle strings() {
        return ResourceBundle.getBundle("org.stickwright.ui.i18n.strings");
    }
}
