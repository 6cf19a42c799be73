package org.stickwright.testing;

/**
 * JUnit tags of tests that need more than a JVM. All of them run in CI ({@code .ci/run});
 * locally, exclude them with e.g. {@code mvn test -DexcludedGroups=boot}.
 */
public final class Tags {
    /** Needs root (mount, losetup, raw devices). */
    public static final String ROOT = "root";
    /** Needs loop devices (implies root). */
    public static final String LOOP = "loop";
    /** Checks our output with a reference tool (fsck.fat, e2fsck, sgdisk, xorriso, ...). */
    public static final String ORACLE = "oracle";
    /** Boots a stick in QEMU. */
    public static final String BOOT = "boot";
    /** Drives the JavaFX GUI. */
    public static final String GUI = "gui";
    /** Builds the installers (jlink, jpackage) and installs them on this machine (needs root). */
    public static final String PACKAGE = "package";

    private Tags() {
    }
}
