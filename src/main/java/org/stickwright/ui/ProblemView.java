package org.stickwright.ui;

import java.util.ResourceBundle;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * An error in words a user understands, with the technical detail one click away (the
 * "Details" link opens the exact message the engine or helper gave, selectable for a bug report).
 */
public final class ProblemView extends VBox {
    private final Label words = new Label();
    private final Hyperlink toggle = new Hyperlink();
    private final TextArea detail = new TextArea();
    private final String showText;
    private final String hideText;

    public ProblemView(ResourceBundle strings) {
        setSpacing(4);
        getStyleClass().add("problem");
        showText = strings.getString("problem.showDetails");
        hideText = strings.getString("problem.hideDetails");
        words.setWrapText(true);
        words.getStyleClass().add("problem-words");
        FontIcon icon = new FontIcon("mdi2a-alert-circle-outline");
        icon.getStyleClass().add("problem-icon");
        words.setGraphic(icon);
        detail.setEditable(false);
        detail.setWrapText(true);
        detail.setPrefRowCount(4);
        detail.setId("problemDetail");
        toggle.setId("problemDetailsLink");
        toggle.setOnAction(e -> setDetailShown(!detail.isVisible()));
        getChildren().addAll(words, toggle, detail);
        clear();
    }

    public void show(String userWords, String technicalDetail) {
        words.setText(userWords);
        detail.setText(technicalDetail == null ? "" : technicalDetail);
        toggle.setVisible(technicalDetail != null && !technicalDetail.isBlank());
        toggle.setManaged(toggle.isVisible());
        setDetailShown(false);
        setVisible(true);
        setManaged(true);
    }

    public void clear() {
        setVisible(false);
        setManaged(false);
        setDetailShown(false);
    }

    public String words() {
        return words.getText();
    }

    private void setDetailShown(boolean shown) {
        detail.setVisible(shown);
        detail.setManaged(shown);
        toggle.setText(shown ? hideText : showText);
    }
}
