package org.stickwright.ui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The command that starts the privileged helper (design §3: the GUI never opens a disk). The
 * helper is this same program with the argument {@code helper}. On Linux a real drive needs
 * root: {@code pkexec} asks the user through polkit (the policy comes with the Linux installer).
 * Image files and loop devices in development and tests need no elevation. On Windows the helper
 * runs with the GUI's own rights: raw disk access there needs the GUI started as administrator.
 */
public final class HelperLauncher {
    private HelperLauncher() {
    }

    /** The command line for a plan aimed at {@code target}. */
    public static List<String> command(String target) {
        List<String> command = new ArrayList<>();
        if (isLinux() && target.startsWith("/dev/") && !runningAsRoot()) {
            command.add("pkexec");
        }
        command.addAll(self());
        command.add("helper");
        return command;
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
