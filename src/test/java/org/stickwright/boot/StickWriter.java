package org.stickwright.boot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.stickwright.testing.CliProcess;

/**
 * Makes test sticks: a sparse file of a stick's size, and an image written to its start by
 * {@code stickwright write IMAGE TARGET --yes}, as a user would.
 */
public final class StickWriter {
    /** Big enough for every fixture plus a persistence partition. */
    public static final long STICK_SIZE = 512L * 1024 * 1024;

    private StickWriter() {
    }

    /** A new, empty (sparse) stick image of {@code size} bytes. */
    public static Path blankStick(Path path, long size) {
        try {
            Files.deleteIfExists(path);
            try (FileChannel stick = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.SPARSE)) {
                stick.truncate(0);
                stick.position(size - 1);
                stick.write(java.nio.ByteBuffer.wrap(new byte[1]));
            }
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code image} onto the stick {@code target} with our own {@code write} command, verified. */
    public static void write(Path image, Path target) {
        CliProcess.run("write", image.toString(), target.toString(), "--yes").ok();
    }
}
