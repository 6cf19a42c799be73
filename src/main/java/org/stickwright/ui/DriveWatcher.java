package org.stickwright.ui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.stickwright.platform.Drive;
import org.stickwright.platform.DriveListing;
import org.stickwright.platform.DriveSource;

/**
 * The Drive step's live list: polls the OS every two seconds on a background thread and is
 * paused while a job runs (a scan must never compete with the write, nor show the stick
 * vanishing and returning while the kernel rereads its partitions).
 *
 * <p>What is listed: removable and USB disks; with {@link #allDisks} also fixed disks and the
 * system disk (the latter only to say it is never writable). Test mode adds what only
 * developers write to: {@code -Dstickwright.testDrives=loop} lists loop devices and
 * {@code -Dstickwright.testTargets=FILE[,FILE…]} lists existing image files.
 */
public final class DriveWatcher {
    static final long POLL_MILLIS = 2000;

    private final DriveSource source;
    private final ObservableList<TargetChoice> choices = FXCollections.observableArrayList();
    private final BooleanProperty allDisks = new SimpleBooleanProperty();
    private final StringProperty problem = new SimpleStringProperty();
    private Tasks.Repeating polling;

    public DriveWatcher(DriveSource source) {
        this.source = source;
        allDisks.addListener((obs, was, now) -> restart());
    }

    public ObservableList<TargetChoice> choices() {
        return choices;
    }

    public BooleanProperty allDisks() {
        return allDisks;
    }

    /** Why the last scan failed, or null. */
    public StringProperty problem() {
        return problem;
    }

    public void start() {
        if (polling == null) {
            boolean all = allDisks.get();
            polling = Tasks.every(POLL_MILLIS, () -> scan(all), this::update, e -> problem.set(e.getMessage()));
        }
    }

    public void pause() {
        if (polling != null) {
            polling.pause();
        }
    }

    public void resume() {
        if (polling != null) {
            polling.resume();
        }
    }

    public boolean paused() {
        return polling != null && polling.paused();
    }

    private void restart() {
        if (polling != null) {
            polling.stop();
            polling = null;
            start();
        }
    }

    private void update(List<TargetChoice> scanned) {
        problem.set(null);
        if (!scanned.equals(choices)) {
            choices.setAll(scanned);
        }
    }

    private List<TargetChoice> scan(boolean all) throws IOException {
        List<Drive> drives = source.drives();
        List<TargetChoice> result = new ArrayList<>();
        for (Drive drive : DriveListing.visible(drives, all)) {
            if (all || !drive.system()) {
                result.add(TargetChoice.of(drive));
            }
        }
        if ("loop".equals(System.getProperty("stickwright.testDrives"))) {
            for (Drive drive : drives) {
                if (drive.loop() && !drive.system() && drive.size() > 0 && result.stream().noneMatch(c -> c.path().equals(drive.path()))) {
                    result.add(TargetChoice.of(drive));
                }
            }
        }
        String files = System.getProperty("stickwright.testTargets", "");
        for (String name : files.split(",")) {
            if (!name.isBlank()) {
                Path file = Path.of(name.trim());
                if (Files.isRegularFile(file)) {
                    result.add(TargetChoice.imageFile(file, Files.size(file)));
                }
            }
        }
        return result;
    }
}
