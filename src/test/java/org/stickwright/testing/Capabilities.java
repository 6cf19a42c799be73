package org.stickwright.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Guards for tests that need something of the machine: root, loop devices, a reference tool,
 * QEMU. Where it is missing the test is skipped with the reason printed; under {@code CI=true}
 * a missing capability fails the test instead, so CI can never go green by skipping.
 */
public final class Capabilities {
    private Capabilities() {
    }

    public static boolean underCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (locally) or fails (under CI) with {@code reason} unless {@code present}. */
    public static void require(boolean present, String reason) {
        if (present) {
            return;
        }
        if (underCi()) {
            fail("capability missing under CI=true: " + reason);
        }
        System.out.println("SKIPPED: " + reason);
        Assumptions.abort(reason);
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    public static void requireRoot() {
        require(isRoot(), "this test needs root (loop devices, mounting)");
    }

    /** Fails or skips unless every named program is on the PATH. */
    public static void requireTools(String... tools) {
        for (String tool : tools) {
            require(onPath(tool), "tool '" + tool + "' is not installed (see .ci/apt-packages)");
        }
    }

    public static void requireLoopDevices() {
        requireRoot();
        requireTools("losetup");
        require(Files.exists(Path.of("/dev/loop-control")), "no /dev/loop-control: loop devices unavailable");
    }

    public static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
