package org.stickwright.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.stickwright.engine.io.FormatException;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;

/**
 * The {@code stickwright overlay} subcommands as a library, for the helper: the very same checks,
 * questions, writes and result fields as the command line (so the technician window and the CLI
 * cannot drift apart). A writing operation runs in two calls: unconfirmed it does every check and
 * returns the question the CLI would ask, writing nothing; confirmed it writes.
 */
public final class OverlayOperations {
    public static final String INSPECT = "inspect";
    public static final String RESIZE = "resize";
    public static final String RESET = "reset";
    public static final String RECOVER = "recover";
    public static final String MERGE = "merge";
    public static final String EXPORT = "export";
    public static final String IMPORT = "import";
    public static final List<String> ALL = List.of(INSPECT, RESIZE, RESET, RECOVER, MERGE, EXPORT, IMPORT);
    /** Operations that take an argument: the new size, the output file, the backup to import. */
    public static final List<String> WITH_ARGUMENT = List.of(RESIZE, MERGE, EXPORT, IMPORT);

    /**
     * What an operation answered: {@code question} when it stopped to ask (nothing written),
     * otherwise the result's fields (as {@code --json} prints them, without event and outcome) and words.
     */
    public record Answer(String question, Map<String, Object> fields, String text) {
        public boolean asked() {
            return question != null;
        }
    }

    /** Thrown inside a subcommand at its confirmation when only the question was wanted. */
    static final class QuestionAsked extends RuntimeException {
        private static final long serialVersionUID = 1L;

        QuestionAsked(String question) {
            super(question, null, false, false);
        }
    }

    private OverlayOperations() {
    }

    /**
     * Runs {@code operation} (one of {@link #ALL}) on {@code target} as {@code stickwright overlay
     * OPERATION TARGET [--profile P] [ARGUMENT] --json} would, {@code confirmed} standing for {@code --yes}.
     */
    public static Answer run(String operation, Path target, String profile, String argument, boolean confirmed)
            throws JobException {
        if (WITH_ARGUMENT.contains(operation) && (argument == null || argument.isBlank())) {
            throw new JobException(Outcome.BAD_INPUT, "overlay " + operation + " needs "
                    + (RESIZE.equals(operation) ? "a size" : "a file"));
        }
        OverlayCommand.Base command = switch (operation) {
            case INSPECT -> new OverlayCommand.Inspect();
            case RESIZE -> {
                OverlayCommand.Resize resize = new OverlayCommand.Resize();
                resize.to = argument;
                yield resize;
            }
            case RESET -> new OverlayCommand.Reset();
            case RECOVER -> new OverlayCommand.Recover();
            case MERGE -> {
                OverlayCommand.Merge merge = new OverlayCommand.Merge();
                merge.outputFile = Path.of(argument);
                // The technician window names its file: a .iso asks for a new live image.
                merge.rootfsOnly = !argument.toLowerCase(java.util.Locale.ROOT).endsWith(".iso");
                yield merge;
            }
            case EXPORT -> {
                OverlayCommand.Export export = new OverlayCommand.Export();
                export.outputFile = Path.of(argument);
                yield export;
            }
            case IMPORT -> {
                OverlayCommand.Import restore = new OverlayCommand.Import();
                restore.input = Path.of(argument);
                yield restore;
            }
            default -> throw new JobException(Outcome.BAD_INPUT, "unknown overlay operation: " + operation);
        };
        command.target = target;
        command.profile = profile;
        command.json = true;
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        command.output = new Output(true, nowhere, nowhere);
        if (command instanceof OverlayCommand.Writing writing) {
            writing.yes = confirmed;
            writing.questionOnly = !confirmed;
        }
        try {
            command.run();
        } catch (QuestionAsked asked) {
            return new Answer(asked.getMessage(), Map.of(), asked.getMessage());
        } catch (FormatException e) {
            throw new JobException(Outcome.BAD_INPUT, e.getMessage(), e);
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, e.getMessage(), e);
        }
        return new Answer(null, command.resultFields, command.resultText);
    }
}
