package org.stickwright.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the Stickwright CLI as its own process, from the test class path, exactly as a user
 * would run {@code java -jar target/stickwright.jar ARGS} (exit codes, stdout, stderr).
 */
public final class CliProcess {
    private CliProcess() {
    }

    /** The last line of a {@code --json} run's standard output: its result (or error) event. */
    public static JsonObject lastJson(Tool.Result run) {
        String last = run.stdout().strip().lines().reduce((a, b) -> b).orElseThrow();
        return JsonParser.parseString(last).getAsJsonObject();
    }

    public static Tool.Result run(String... args) {
        return run(600, args);
    }

    public static Tool.Result run(long timeoutSeconds, String... args) {
        return Tool.run(null, timeoutSeconds, command(args));
    }

    /** The command line, for tests that need to start and signal the process themselves. */
    public static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("org.stickwright.Main");
        command.addAll(List.of(args));
        return command;
    }
}
