package org.stickwright.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import javafx.fxml.FXMLLoader;
import javafx.scene.Parent;

/**
 * Loads views with controllers built by the application's composition root (constructor
 * injection without a framework): an FXML that names a controller nobody registered is a bug,
 * reported at once with the view's name.
 */
public final class FxmlLoaderFactory {
    private final Map<Class<?>, Supplier<Object>> controllers;
    private final ResourceBundle strings;

    public FxmlLoaderFactory(Map<Class<?>, Supplier<Object>> controllers, ResourceBundle strings) {
        this.controllers = Map.copyOf(controllers);
        this.strings = strings;
    }

    /** A loaded view and its controller. */
    public record Loaded<C>(Parent root, C controller) {
    }

    public <C> Loaded<C> load(FxmlFile file) {
        FXMLLoader loader = new FXMLLoader(FxmlLoaderFactory.class.getResource(file.resource()), strings);
        loader.setControllerFactory(type -> {
            Supplier<Object> supplier = controllers.get(type);
            if (supplier == null) {
                throw new IllegalStateException(file.resource() + " names controller " + type.getName()
                        + ", which is not registered in the controller factory");
            }
            return supplier.get();
        });
        try {
            Parent root = loader.load();
            return new Loaded<>(root, loader.getController());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + file.resource(), e);
        }
    }

    public ResourceBundle strings() {
        return strings;
    }
}
