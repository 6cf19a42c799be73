package org.stickwright.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An image file the user chose: checked to exist and be readable, its compression sniffed.
 * Each {@link #open()} gives a fresh stream of the image's (decompressed) bytes; the file itself
 * is only ever opened for reading.
 */
public final class ImageSource {
    private final Path path;
    private final Compression compression;
    private final long fileSize;

    private ImageSource(Path path, Compression compression, long fileSize) {
        this.path = path;
        this.compression = compression;
        this.fileSize = fileSize;
    }

    /** Opens {@code path} for reading, or explains in words why it cannot be an image. */
    public static ImageSource of(Path path) throws BadImageException {
        if (!Files.exists(path)) {
            throw new BadImageException(path + ": no such file");
        }
        if (Files.isDirectory(path)) {
            throw new BadImageException(path + " is a directory, not an image file");
        }
        if (!Files.isReadable(path)) {
            throw new BadImageException(path + ": permission denied");
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] head = new byte[8];
            int n = in.readNBytes(head, 0, head.length);
            long size = Files.size(path);
            if (size == 0) {
                throw new BadImageException(path + " is empty");
            }
            return new ImageSource(path, Compression.sniff(head, n), size);
        } catch (NoSuchFileException e) {
            throw new BadImageException(path + ": no such file");
        } catch (IOException e) {
            throw new BadImageException(path + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    public Path path() {
        return path;
    }

    public Compression compression() {
        return compression;
    }

    /** Size of the file as stored (compressed size for compressed images). */
    public long fileSize() {
        return fileSize;
    }

    /** The image's bytes, decompressed. */
    public InputStream open() throws IOException {
        return compression.decompress(Files.newInputStream(path));
    }
}
