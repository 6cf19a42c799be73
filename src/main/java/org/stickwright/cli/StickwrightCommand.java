package org.stickwright.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "stickwright", mixinStandardHelpOptions = true, version = "stickwright 0.1.0",
        subcommands = {ListCommand.class, InspectCommand.class, WriteCommand.class, CreateCommand.class,
                OverlayCommand.class},
        description = "Turns a Linux live image into a persistent live USB stick.")
public final class StickwrightCommand implements Runnable {
    public static int run(String... args) {
        CommandLine commandLine = new CommandLine(new StickwrightCommand());
        // A bug must not pass for success: report it, and use the contract's I/O-error code.
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            cl.getErr().println("stickwright: internal error: " + e);
            e.printStackTrace(cl.getErr());
            return 4;
        });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
