package org.stickwright.cli;

import picocli.CommandLine;

/**
 * Runs {@link ListCommand} alone as a process, until the root command registers it
 * ({@code subcommands = {ListCommand.class}} in StickwrightCommand); then
 * {@code CliProcess.run("list", ...)} replaces this.
 */
public final class ListCommandMain {
    private ListCommandMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ListCommand()).execute(args));
    }
}
