package org.stickwright;

import org.stickwright.cli.StickwrightCommand;

/**
 * Entry point. With arguments it runs the command line; the GUI arrives with the wizard.
 * Deliberately not a JavaFX {@code Application}: a shaded jar whose main class extends
 * Application refuses to start ("JavaFX runtime components are missing").
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(StickwrightCommand.run(args));
    }
}
