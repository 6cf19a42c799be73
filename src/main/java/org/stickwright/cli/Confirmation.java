package org.stickwright.cli;

import java.io.Console;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;

/** Asks before anything existing is overwritten; {@code --yes} answers for scripts. */
final class Confirmation {
    private Confirmation() {
    }

    /** Asks "{@code question} Type 'yes' to continue" unless {@code --yes}; refuses without a terminal. */
    static void confirm(String question, boolean yes, Output output) throws JobException {
        if (yes) {
            return;
        }
        Console console = System.console();
        if (console == null || output.json()) {
            throw new JobException(Outcome.BAD_INPUT, question
                    + " Refused without confirmation: run in a terminal to be asked, or pass --yes");
        }
        console.printf("%s%nType 'yes' to continue: ", question);
        String answer = console.readLine();
        if (answer == null || !answer.trim().equalsIgnoreCase("yes")) {
            throw new JobException(Outcome.BAD_INPUT, "not confirmed; nothing was written");
        }
    }

    static void ask(String whatIsLost, boolean yes, Output output) throws JobException {
        if (yes || whatIsLost == null) {
            return;
        }
        Console console = System.console();
        if (console == null || output.json()) {
            throw new JobException(Outcome.BAD_INPUT, "refusing to overwrite " + whatIsLost
                    + " without confirmation: run in a terminal to be asked, or pass --yes");
        }
        console.printf("Everything on %s will be erased.%nType 'yes' to continue: ", whatIsLost);
        String answer = console.readLine();
        if (answer == null || !answer.trim().equalsIgnoreCase("yes")) {
            throw new JobException(Outcome.BAD_INPUT, "not confirmed; nothing was written");
        }
    }
}
