package org.stickwright.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "stickwright", mixinStandardHelpOptions = true, version = "stickwright 0.1.0",
        description = "Turns a Linux live image into a persistent live USB stick.")
public final class StickwrightCommand implements Runnable {
    public static int run(String... args) {
        return new CommandLine(new StickwrightCommand()).execute(args);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
