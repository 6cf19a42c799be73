package org.stickwright.testing;

import java.nio.file.Path;

/** A loop device attached to an image file for the length of a test ({@code losetup -P}). */
public final class LoopDevice implements AutoCloseable {
    private final Path device;

    private LoopDevice(Path device) {
        this.device = device;
    }

    /** Attaches {@code image}; the kernel scans its partition table (partitions appear as pN). */
    public static LoopDevice attach(Path image) {
        Capabilities.requireLoopDevices();
        String node = Tool.run("losetup", "--find", "--show", "--partscan", image.toString()).ok().stdout().trim();
        return new LoopDevice(Path.of(node));
    }

    public Path device() {
        return device;
    }

    /** The node of partition {@code number} (1-based), e.g. /dev/loop3p1. */
    public Path partition(int number) {
        return Path.of(device + "p" + number);
    }

    @Override
    public void close() {
        Tool.run("losetup", "--detach", device.toString());
    }
}
