package org.stickwright.ui;

import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.LongProperty;
import javafx.beans.value.ObservableBooleanValue;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.RadioButton;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import org.stickwright.engine.family.Family;
import org.stickwright.engine.job.CreateRequest;
import org.stickwright.engine.job.Sizes;
import org.stickwright.platform.SizeText;

/**
 * Step 3: how the stick keeps changes. Sizes by slider or typed ("4G"), bounded by the room the
 * image leaves on the chosen drive; home and profiles only where the family's initramfs can use
 * them; one line saying what the family will do.
 */
public final class PersistenceStepController implements WizardStep {
    /** A store smaller than this holds too little to be worth a boot entry (and ext4's journal alone takes 4 MiB). */
    static final long MIN_STORE = 64 * WizardModel.MIB;

    private final AppContext context;
    private final WizardModel model;
    private BooleanBinding valid;

    @FXML private Label familyLine;
    @FXML private RadioButton hybridRadio;
    @FXML private RadioButton extractRadio;
    @FXML private RadioButton rawRadio;
    @FXML private ToggleGroup modeGroup;
    @FXML private GridPane storeBox;
    @FXML private Slider persistenceSlider;
    @FXML private TextField persistenceField;
    @FXML private Label roomLabel;
    @FXML private Label homeLabel;
    @FXML private TextField homeField;
    @FXML private Label dataFsLabel;
    @FXML private ChoiceBox<CreateRequest.DataFs> dataFsChoice;
    @FXML private VBox profileBox;
    @FXML private ListView<CreateRequest.Profile> profileList;
    @FXML private TextField profileName;
    @FXML private TextField profileSize;
    @FXML private Button addProfileButton;
    @FXML private Button removeProfileButton;
    @FXML private Label problemLabel;

    PersistenceStepController(AppContext context) {
        this.context = context;
        this.model = context.model();
    }

    @FXML
    private void initialize() {
        hybridRadio.setUserData(WizardMode.HYBRID);
        extractRadio.setUserData(WizardMode.EXTRACT);
        rawRadio.setUserData(WizardMode.RAW);
        modeGroup.selectedToggleProperty().addListener((obs, was, now) -> {
            if (now != null) {
                model.mode.set((WizardMode) now.getUserData());
            }
        });
        model.mode.addListener((obs, was, now) -> selectMode(now));
        storeBox.visibleProperty().bind(model.mode.isNotEqualTo(WizardMode.RAW));
        storeBox.managedProperty().bind(storeBox.visibleProperty());
        dataFsChoice.getItems().setAll(CreateRequest.DataFs.values());
        dataFsChoice.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(CreateRequest.DataFs fs) {
                return fs == null ? "" : context.text("datafs." + fs.name().toLowerCase(Locale.ROOT));
            }

            @Override
            public CreateRequest.DataFs fromString(String text) {
                return null;
            }
        });
        dataFsChoice.valueProperty().bindBidirectional(model.dataFs);
        dataFsChoice.visibleProperty().bind(model.mode.isEqualTo(WizardMode.HYBRID));
        dataFsLabel.visibleProperty().bind(dataFsChoice.visibleProperty());
        persistenceSlider.valueProperty().addListener((obs, was, now) -> {
            if (persistenceSlider.isValueChanging() || persistenceSlider.isFocused()) {
                model.persistence.set(Math.round(now.doubleValue()) * WizardModel.MIB);
            }
        });
        model.persistence.addListener((obs, was, now) -> {
            persistenceSlider.setValue(now.longValue() / (double) WizardModel.MIB);
            if (!persistenceField.isFocused()) {
                persistenceField.setText(SizeText.human(now.longValue()));
            }
        });
        bindSize(persistenceField, model.persistence);
        bindSize(homeField, model.home);
        profileList.setItems(model.profiles);
        profileList.setCellFactory(list -> new ListCell<>() {
            @Override
            protected void updateItem(CreateRequest.Profile profile, boolean empty) {
                super.updateItem(profile, empty);
                setText(empty || profile == null ? null : profile.name() + " — " + SizeText.human(profile.size()));
            }
        });
        removeProfileButton.disableProperty().bind(profileList.getSelectionModel().selectedItemProperty().isNull());
        valid = Bindings.createBooleanBinding(this::check, model.mode, model.persistence, model.home, model.profiles,
                model.target, model.image);
        valid.addListener((obs, was, now) -> check());
    }

    @Override
    public ObservableBooleanValue canAdvance() {
        return valid;
    }

    @Override
    public void entered() {
        ImageInfo image = model.image.get();
        boolean persistent = image != null && image.persistenceAvailable();
        hybridRadio.setDisable(!persistent);
        extractRadio.setDisable(!persistent);
        Family family = image == null || image.family() == null ? Family.UNKNOWN : image.family().family();
        familyLine.setText(persistent ? family.displayName() + ": " + family.persistenceExplanation()
                : context.text("persistence.none.explained"));
        homeField.setVisible(family.supportsSeparateHome());
        homeLabel.setVisible(family.supportsSeparateHome());
        if (!family.supportsSeparateHome()) {
            model.home.set(0);
        }
        profileBox.setVisible(family.supportsProfiles());
        profileBox.setManaged(family.supportsProfiles());
        if (!family.supportsProfiles()) {
            model.profiles.clear();
        }
        long room = model.roomForStores();
        persistenceSlider.setMin(0);
        persistenceSlider.setMax(Math.max(1, room / WizardModel.MIB));
        persistenceSlider.setMajorTickUnit(Math.max(1, room / WizardModel.MIB / 4.0));
        if (model.persistence.get() > room) {
            model.persistence.set(Math.max(MIN_STORE, room / 2 / WizardModel.MIB * WizardModel.MIB));
        }
        persistenceSlider.setValue(model.persistence.get() / (double) WizardModel.MIB);
        persistenceField.setText(SizeText.human(model.persistence.get()));
        homeField.setText(model.home.get() == 0 ? "" : SizeText.human(model.home.get()));
        roomLabel.setText(context.text("persistence.room", SizeText.human(room)));
        selectMode(model.mode.get());
        check();
    }

    @FXML
    void addProfile() {
        String name = profileName.getText() == null ? "" : profileName.getText().trim();
        long size;
        try {
            size = Sizes.parse(profileSize.getText().trim());
        } catch (IllegalArgumentException | NullPointerException e) {
            problemLabel.setText(context.text("persistence.badSize", profileSize.getText()));
            return;
        }
        if (!name.matches("[A-Za-z0-9_-]{1,32}") || model.profiles.stream().anyMatch(p -> p.name().equals(name))) {
            problemLabel.setText(context.text("persistence.badProfile", name));
            return;
        }
        model.profiles.add(new CreateRequest.Profile(name, size));
        profileName.clear();
        profileSize.clear();
    }

    @FXML
    void removeProfile() {
        CreateRequest.Profile chosen = profileList.getSelectionModel().getSelectedItem();
        if (chosen != null) {
            model.profiles.remove(chosen);
        }
    }

    private void selectMode(WizardMode mode) {
        RadioButton radio = switch (mode) {
            case HYBRID -> hybridRadio;
            case EXTRACT -> extractRadio;
            case RAW -> rawRadio;
        };
        if (!radio.isSelected()) {
            radio.setSelected(true);
        }
    }

    /** Typing a size: applied when it parses, the field marked otherwise. */
    private void bindSize(TextField field, LongProperty target) {
        field.textProperty().addListener((obs, was, now) -> {
            if (!field.isFocused()) {
                return;
            }
            try {
                target.set(now == null || now.isBlank() ? 0 : Sizes.parse(now.trim()));
                field.getStyleClass().remove("invalid");
            } catch (IllegalArgumentException e) {
                if (!field.getStyleClass().contains("invalid")) {
                    field.getStyleClass().add("invalid");
                }
            }
        });
    }

    private boolean check() {
        if (problemLabel == null) {
            return false;
        }
        String problem = null;
        if (model.mode.get() != WizardMode.RAW) {
            long room = model.roomForStores();
            if (model.persistence.get() < MIN_STORE) {
                problem = context.text("persistence.tooSmall", SizeText.human(MIN_STORE));
            } else if (model.storesTotal() > room) {
                problem = context.text("persistence.tooBig", SizeText.human(model.storesTotal()), SizeText.human(room));
            } else if (model.home.get() != 0 && model.home.get() < MIN_STORE) {
                problem = context.text("persistence.homeTooSmall", SizeText.human(MIN_STORE));
            }
        }
        problemLabel.setText(problem == null ? "" : problem);
        return problem == null;
    }
}
