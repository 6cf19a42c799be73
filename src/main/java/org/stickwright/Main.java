package org.stickwright;

import org.stickwright.cli.StickwrightCommand;
import org.stickwright.helper.Helper;

/**
 * Entry point (design §3): no arguments start the wizard, {@code helper} the privileged helper
 * that the wizard spawns (protocol on stdin/stdout, or through files with
 * {@code --plan-file P --events-file E}), anything else the command line. Deliberately not a JavaFX
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
        if (args.length == 5 && "helper".equals(args[0]) && "--plan-file".equals(args[1]) && "--events-file".equals(args[3])) {
            System.exit(Helper.runWithFiles(java.nio.file.Path.of(args[2]), java.nio.file.Path.of(args[4])));
        }
        System.exit(StickwrightCommand.run(args));
    }
}
