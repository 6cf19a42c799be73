/*
 * Compresses one squashfs block (a data block, a fragment block or an 8 KiB metadata block) on
 * its own, the way the kernel's decompressors expect it:
 *
 *   gzip  a zlib stream (2-byte header, deflate data, Adler-32), what zlib_inflate reads;
 *   xz    a complete .xz stream with a single LZMA2 filter, CRC32 check and a dictionary no
 *         larger than the block size: the kernel's xz_dec is set up (XZ_PREALLOC) with a
 *         dictionary of max(block size, 8192) when the superblock carries no compressor
 *         options, and refuses a stream that asks for more.
 *
 * A block that does not shrink is stored as it is and flagged uncompressed (bit 24 of a data
 * block's size word, bit 15 of a metadata header), as mksquashfs does. Safe for concurrent use:
 * every thread gets its own Deflater.
 */
package org.stickwright.engine.squashfs;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.zip.Deflater;
import org.tukaani.xz.BasicArrayCache;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.UnsupportedOptionsException;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

/** Compresses blocks with gzip or xz. */
final class BlockCompressor {
    /** A compressed (or stored) block: {@code data[0..length)}. */
    record Result(byte[] data, int length, boolean uncompressed) {
    }

    private final SquashfsSuperblock.Compression compression;
    private final int level;
    private final LZMA2Options xzOptions;
    private final ThreadLocal<Deflater> deflaters;

    BlockCompressor(SquashfsSuperblock.Compression compression, int level, int blockSize) {
        this.compression = compression;
        switch (compression) {
            case GZIP -> {
                this.level = level < 0 ? 9 : level;
                if (this.level > 9) {
                    throw new IllegalArgumentException("gzip level " + level + " is not 0..9");
                }
                this.xzOptions = null;
                this.deflaters = ThreadLocal.withInitial(() -> new Deflater(this.level));
            }
            case XZ -> {
                this.level = level < 0 ? 6 : level;
                try {
                    LZMA2Options options = new LZMA2Options(this.level);
                    options.setDictSize(Math.max(blockSize, MetadataWriter.BLOCK_SIZE));
                    this.xzOptions = options;
                } catch (UnsupportedOptionsException e) {
                    throw new IllegalArgumentException("xz preset " + level + " is not 0..9", e);
                }
                this.deflaters = null;
            }
            default -> throw new IllegalArgumentException("the squashfs writer compresses with gzip or xz, not "
                    + compression);
        }
    }

    /** Compresses {@code input[0..length)}; stored as is when compression does not make it smaller. */
    Result compress(byte[] input, int length) throws IOException {
        byte[] out = new byte[length];
        int n = switch (compression) {
            case GZIP -> deflate(input, length, out);
            case XZ -> xz(input, length, out);
            default -> -1;
        };
        if (n <= 0 || n >= length) {
            return new Result(Arrays.copyOf(input, length), length, true);
        }
        return new Result(out, n, false);
    }

    /** Deflates into {@code out}; -1 when the result would not fit (= would not shrink). */
    private int deflate(byte[] input, int length, byte[] out) {
        Deflater deflater = deflaters.get();
        deflater.reset();
        deflater.setInput(input, 0, length);
        deflater.finish();
        int n = 0;
        while (!deflater.finished()) {
            if (n == out.length) {
                return -1;
            }
            n += deflater.deflate(out, n, out.length - n);
        }
        return n;
    }

    private int xz(byte[] input, int length, byte[] out) throws IOException {
        BoundedOutput sink = new BoundedOutput(out);
        // Not try-with-resources: XZOutputStream rethrows its stored exception on close().
        try {
            XZOutputStream xz = new XZOutputStream(sink, xzOptions, XZ.CHECK_CRC32, BasicArrayCache.getInstance());
            xz.write(input, 0, length);
            xz.finish();
        } catch (BoundedOutput.Full full) {
            return -1;
        }
        return sink.count;
    }

    /** Collects output into a fixed array; throws {@link Full} when it would not fit. */
    private static final class BoundedOutput extends OutputStream {
        static final class Full extends IOException {
            private static final long serialVersionUID = 1L;

            Full() {
                super("compressed block would not be smaller than its input", null);
            }
        }

        private final byte[] buffer;
        private int count;

        BoundedOutput(byte[] buffer) {
            this.buffer = buffer;
        }

        @Override
        public void write(int b) throws IOException {
            if (count == buffer.length) {
                throw new Full();
            }
            buffer[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > buffer.length - count) {
                throw new Full();
            }
            System.arraycopy(b, off, buffer, count, len);
            count += len;
        }
    }
}
