package org.stickwright.boot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes test sticks: a sparse file of a stick's size, and an image written to its start the
 * way {@code stickwright write IMAGE TARGET --yes} writes it to a drive (byte for byte from
 * offset 0, the rest of the stick left as it was).
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

    /**
     * Writes {@code image} onto the stick {@code target}. This is the one place to switch to
     * the real command once it is merged: {@code CliProcess.run("write", image, target, "--yes").ok()}.
     */
    public static void write(Path image, Path target) {
        try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
            long size = in.size();
            if (size > out.size()) {
                throw new IOException(image + " (" + size + " bytes) does not fit on " + target);
            }
            long done = 0;
            while (done < size) {
                done += in.transferTo(done, size - done, out.position(done));
            }
            out.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
