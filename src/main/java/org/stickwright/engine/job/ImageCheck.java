package org.stickwright.engine.job;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import org.stickwright.engine.io.BadImageException;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Compression;
import org.stickwright.engine.io.ImageContent;
import org.stickwright.engine.io.ImageSource;
import org.stickwright.engine.io.Progress;

/**
 * Everything about the image that can be checked before the first byte reaches the target.
 * A compressed image is decompressed once to the end and its bytes thrown away: only that
 * proves a download is complete and uncorrupted (a truncated .xz or a damaged .gz is found
 * only at its end), and it yields the exact size to compare with the target's. It costs one
 * decompression; a stick with half an image on it would cost the user more.
 */
public final class ImageCheck {
    /** The image's size in bytes (decompressed) and what its first bytes are. */
    public record Checked(long size, ImageContent content) {
    }

    private ImageCheck() {
    }

    public static Checked check(ImageSource source, Bmap bmap, Progress progress, Cancellation cancellation)
            throws BadImageException, Cancellation.CancelledException {
        byte[] head = new byte[ImageContent.PROBE_BYTES];
        long size;
        int headLength;
        progress.startPhase("checking image", source.compression() == Compression.NONE ? 0 : source.fileSize());
        try (CountingStream counted = new CountingStream(Files.newInputStream(source.path()), progress);
             InputStream in = source.compression().decompress(counted)) {
            headLength = in.readNBytes(head, 0, head.length);
            if (source.compression() == Compression.NONE) {
                size = source.fileSize();
            } else {
                size = headLength + drain(in, cancellation);
            }
        } catch (Cancellation.CancelledException e) {
            throw e;
        } catch (IOException e) {
            throw new BadImageException(source.path() + " is damaged: its " + source.compression().name().toLowerCase()
                    + " data cannot be decompressed (" + describe(e) + ")", e);
        }
        ImageContent content = ImageContent.probe(head, headLength);
        if (content.kind() == ImageContent.Kind.UNKNOWN) {
            throw new BadImageException(source.path() + " is not a disk image: it has no partition table, "
                    + "no ISO 9660 volume and no filesystem we recognise");
        }
        if (bmap != null && bmap.imageSize() != size) {
            throw new BadImageException("the bmap describes an image of " + bmap.imageSize()
                    + " bytes but " + source.path() + " holds " + size + " bytes");
        }
        return new Checked(size, content);
    }

    private static long drain(InputStream in, Cancellation cancellation) throws IOException {
        byte[] sink = new byte[1 << 20];
        long total = 0;
        int n;
        while ((n = in.read(sink)) >= 0) {
            total += n;
            cancellation.check();
        }
        return total;
    }

    private static String describe(IOException e) {
        if (e instanceof java.io.EOFException) {
            return "it ends too early: truncated download?";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Counts compressed bytes read, for the checking phase's progress. */
    private static final class CountingStream extends FilterInputStream {
        private final Progress progress;

        CountingStream(InputStream in, Progress progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                progress.add(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                progress.add(n);
            }
            return n;
        }
    }
}
