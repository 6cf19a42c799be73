package org.stickwright.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real block device that fails like a dying stick: a loop device over the single file of our
 * FUSE filesystem {@code src/test/c/failing_disk.c}, whose writes past a set byte fail with EIO
 * and may each take a set time. Compiled on first use with gcc and libfuse3.
 */
public final class FailingDisk implements AutoCloseable {
    private final Path mountPoint;
    private final LoopDevice loop;

    private FailingDisk(Path mountPoint, LoopDevice loop) {
        this.mountPoint = mountPoint;
        this.loop = loop;
    }

    /** A disk of {@code size} bytes whose writes reaching past {@code failAt} fail; each write takes {@code delayMicros}. */
    public static FailingDisk create(Path dir, long size, long failAt, long delayMicros) throws IOException {
        Capabilities.requireLoopDevices();
        Capabilities.requireTools("gcc", "pkg-config", "fusermount3");
        Capabilities.require(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse: FUSE unavailable");
        Path program = dir.resolve("failing_disk");
        String flags = Tool.run("pkg-config", "--cflags", "--libs", "fuse3").ok().stdout().trim();
        java.util.List<String> compile = new java.util.ArrayList<>(java.util.List.of("gcc", "-O2", "-Wall", "-o",
                program.toString(), Path.of("src/test/c/failing_disk.c").toAbsolutePath().toString()));
        compile.addAll(java.util.List.of(flags.split("\\s+")));
        Tool.run(null, 120, compile).ok();
        Path backing = dir.resolve("backing");
        try (RandomAccessFile file = new RandomAccessFile(backing.toFile(), "rw")) {
            file.setLength(size);
        }
        Path mountPoint = Files.createDirectories(dir.resolve("fuse"));
        Tool.run(program.toString(), backing.toString(), Long.toString(failAt), Long.toString(delayMicros),
                mountPoint.toString()).ok();
        try {
            return new FailingDisk(mountPoint, LoopDevice.attach(mountPoint.resolve("disk")));
        } catch (RuntimeException | Error e) {
            Tool.run("fusermount3", "-u", mountPoint.toString());
            throw e;
        }
    }

    public Path device() {
        return loop.device();
    }

    @Override
    public void close() {
        loop.close();
        Tool.run("fusermount3", "-u", mountPoint.toString()).ok();
    }
}
