package org.stickwright.ui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.stickwright.ipc.JobPlan;

/**
 * The command that starts the privileged helper (design §3: the GUI never opens a disk). The
 * helper is this same program with the argument {@code helper}. On Linux a real drive needs
 * root: {@code pkexec} asks the user through polkit (the policy comes with the Linux installer).
 * Image files and loop devices in development and tests need no elevation. On Windows a physical
 * drive needs administrator rights: PowerShell's {@code Start-Process -Verb RunAs} shows the UAC
 * prompt; such a process gets no pipes from us, so the helper then speaks through files.
 */
public final class HelperLauncher {
    private HelperLauncher() {
    }

    /** Starts the helper for {@code plan}, elevated where its target needs it. */
    public static HelperSession start(JobPlan plan) throws IOException {
        if (isWindows() && plan.target().startsWith("\\\\.\\")) {
            Path dir = Files.createTempDirectory("stickwright-helper");
            Path planFile = dir.resolve("plan.json");
            Path events = dir.resolve("events.jsonl");
            return HelperSession.startWithFiles(runAs(planFile, events), plan, planFile, events);
        }
        return HelperSession.start(command(plan.target()), plan);
    }

    /** {@code powershell Start-Process -Verb RunAs} around the helper in file mode, passing its exit code on. */
    static List<String> runAs(Path planFile, Path events) {
        List<String> self = self();
        List<String> arguments = new ArrayList<>(self.subList(1, self.size()));
        arguments.addAll(List.of("helper", "--plan-file", planFile.toString(), "--events-file", events.toString()));
        StringBuilder list = new StringBuilder();
        for (String argument : arguments) {
            list.append(list.length() == 0 ? "" : ",").append(quote(quoteForWindowsCommandLine(argument)));
        }
        String script = "$p = Start-Process -FilePath " + quote(self.get(0)) + " -ArgumentList " + list
                + " -Verb RunAs -WindowStyle Hidden -Wait -PassThru; exit $p.ExitCode";
        return List.of("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script);
    }

    /** A PowerShell single-quoted string. */
    static String quote(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /** Start-Process joins its arguments with spaces: one containing a space must carry its own quotes. */
    static String quoteForWindowsCommandLine(String argument) {
        return argument.contains(" ") || argument.contains("\t") ? "\"" + argument + "\"" : argument;
    }

    /** The command line for a plan aimed at {@code target}. */
    public static List<String> command(String target) {
        List<String> command = new ArrayList<>();
        if (isLinux() && target.startsWith("/dev/") && !runningAsRoot()) {
            command.add("pkexec");
            // The installed packages' polkit action names this script as its exec.path: only
            // then does polkit show our message and keep the authorisation for a while.
            Path installedHelper = installedHelper(System.getProperty("jpackage.app-path"));
            if (installedHelper != null) {
                command.add(installedHelper.toString());
                return command;
            }
        }
        command.addAll(self());
        command.add("helper");
        return command;
    }

    /** {@code stickwright-helper} beside the jpackage launcher, when the packages installed it. */
    static Path installedHelper(String launcher) {
        if (launcher == null || launcher.isBlank()) {
            return null;
        }
        Path dir = Path.of(launcher).toAbsolutePath().getParent();
        Path helper = dir == null ? null : dir.resolve("stickwright-helper");
        return helper != null && Files.isExecutable(helper) ? helper : null;
    }

    /** How to start this program again: the jpackage launcher if we are one, else java with our class path. */
    static List<String> self() {
        String launcher = System.getProperty("jpackage.app-path");
        if (launcher != null && !launcher.isBlank()) {
            return List.of(launcher);
        }
        String executable = isWindows() ? "java.exe" : "java";
        return List.of(Path.of(System.getProperty("java.home"), "bin", executable).toString(), "-cp",
                System.getProperty("java.class.path"), "org.stickwright.Main");
    }

    private static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    /** The effective uid from /proc (no native call needed). */
    static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] fields = line.substring(4).trim().split("\\s+");
                    return fields.length > 1 && "0".equals(fields[1]);
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
