package org.stickwright.ui;

/** Every view, named once: call sites never spell an FXML path (Cryptomator's FxmlFile). */
public enum FxmlFile {
    WIZARD("wizard.fxml"),
    IMAGE("wizard_image.fxml"),
    DRIVE("wizard_drive.fxml"),
    PERSISTENCE("wizard_persistence.fxml"),
    REVIEW("wizard_review.fxml"),
    PROGRESS("wizard_progress.fxml"),
    DONE("wizard_done.fxml"),
    TECHNICIAN("technician.fxml");

    private final String resource;

    FxmlFile(String resource) {
        this.resource = resource;
    }

    public String resource() {
        return "/org/stickwright/ui/fxml/" + resource;
    }
}
