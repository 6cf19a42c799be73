package org.stickwright;

import org.stickwright.cli.StickwrightCommand;
import org.stickwright.helper.Helper;

/**
 * Entry point (design §3): no arguments start the wizard, {@code helper} the privileged helper
 * that the wizard spawns, anything else the command line. Deliberately not a JavaFX
 * {@code Application}: a shaded jar whose main class extends Application refuses to start
 * ("JavaFX runtime components are missing").
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            org.stickwright.ui.App.launchWizard();
            return;
        }
        if (args.length == 1 && "helper".equals(args[0])) {
            System.exit(Helper.main());
        }
        System.exit(StickwrightCommand.run(args));
    }
}
