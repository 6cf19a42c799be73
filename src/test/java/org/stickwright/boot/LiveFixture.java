package org.stickwright.boot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.stickwright.testing.Tool;

/**
 * The tiny live ISOs the boot tests use, built from Debian packages by the scripts in
 * {@code src/test/boot/} (see {@code build-fixtures.sh} there for the layouts and the cache).
 */
public enum LiveFixture {
    /** lorax layout, dracut dmsquash-live, LiveOS/squashfs.img holding the root tree itself. */
    FEDORA_FLAT("fedora-flat.iso", "Fedora-SWFlat-Live-1"),
    /** lorax layout, dracut dmsquash-live, LiveOS/squashfs.img holding LiveOS/rootfs.img (ext4). */
    FEDORA_NESTED("fedora-nested.iso", "Fedora-SWNested-Live-1"),
    /** live-build layout, initramfs-tools + live-boot. */
    DEBIAN_LIVE("debian-live.iso", "d-live 12 sw amd64");

    /** Where build-fixtures.sh keeps its work; override with -Dstickwright.fixtures.cache. */
    public static final Path CACHE = Path.of(System.getProperty("stickwright.fixtures.cache",
            "/var/cache/stickwright-fixtures"));
    private static final Path BUILDER = Path.of("src", "test", "boot", "build-fixtures.sh");
    private static volatile Path directory;

    private final String fileName;
    private final String volumeLabel;

    LiveFixture(String fileName, String volumeLabel) {
        this.fileName = fileName;
        this.volumeLabel = volumeLabel;
    }

    public String volumeLabel() {
        return volumeLabel;
    }

    /** The ISO, built first (once per JVM, and only when the builder changed) if needed. */
    public Path iso() {
        return builtDirectory().resolve(fileName);
    }

    /**
     * Runs the builder: it prints the cache directory of the current builder's fixtures,
     * returning at once when they exist, building them (cold: a few minutes) when not.
     */
    static Path builtDirectory() {
        Path dir = directory;
        if (dir == null) {
            synchronized (LiveFixture.class) {
                dir = directory;
                if (dir == null) {
                    Tool.Result result = Tool.run(null, 30 * 60,
                            List.of("bash", BUILDER.toAbsolutePath().toString(), CACHE.toString())).ok();
                    List<String> lines = result.stdout().lines().toList();
                    dir = Path.of(lines.get(lines.size() - 1).trim());
                    for (LiveFixture fixture : values()) {
                        if (!Files.isRegularFile(dir.resolve(fixture.fileName))) {
                            throw new AssertionError("builder did not make " + fixture.fileName + " in " + dir
                                    + "\n" + result.stderr());
                        }
                    }
                    directory = dir;
                }
            }
        }
        return dir;
    }
}
