/*
 * Squashfs compresses each metadata block (8 KiB) and each data block on its own, with the
 * algorithm the superblock names: gzip is a zlib stream, xz a complete .xz stream, lzma the
 * legacy .lzma format, lzo raw LZO1X, lz4 a raw LZ4 block, zstd a zstd frame. Every call is
 * told the most bytes a block may expand to, so a corrupt block cannot grow without bound.
 */
package org.stickwright.engine.squashfs;

import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.lzo.LzoDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.XZInputStream;

/** Decompresses one squashfs block. */
final class Decompressor {
    private final SquashfsSuperblock.Compression compression;

    Decompressor(SquashfsSuperblock.Compression compression) {
        this.compression = compression;
    }

    /**
     * Decompresses {@code input} (the whole on-disk block), expecting at most {@code maxOutput}
     * bytes; {@code position} names the block in errors. Returns exactly the decompressed bytes.
     */
    byte[] decompress(byte[] input, int maxOutput, String structure, long position) throws SquashfsFormatException {
        byte[] out = new byte[maxOutput];
        int n;
        try {
            n = switch (compression) {
                case GZIP -> inflate(input, out, structure, position);
                case XZ -> readFully(new XZInputStream(new ByteArrayInputStream(input), 64 * 1024), out, structure,
                        position);
                case LZMA -> readFully(new LZMAInputStream(new ByteArrayInputStream(input), 64 * 1024), out,
                        structure, position);
                case LZO -> new LzoDecompressor().decompress(input, 0, input.length, out, 0, out.length);
                case LZ4 -> new Lz4Decompressor().decompress(input, 0, input.length, out, 0, out.length);
                case ZSTD -> new ZstdDecompressor().decompress(input, 0, input.length, out, 0, out.length);
            };
        } catch (SquashfsFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new SquashfsFormatException(structure, position, compression.name().toLowerCase(java.util.Locale.ROOT)
                    + " data is corrupt: " + e.getMessage(), e);
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    private static int inflate(byte[] input, byte[] out, String structure, long position)
            throws SquashfsFormatException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(input);
            int n = 0;
            while (!inflater.finished()) {
                if (n == out.length) {
                    throw new SquashfsFormatException(structure, position, "expands beyond " + out.length + " bytes");
                }
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new SquashfsFormatException(structure, position, "zlib stream is truncated");
                }
                n += got;
            }
            return n;
        } catch (DataFormatException e) {
            throw new SquashfsFormatException(structure, position, "zlib data is corrupt: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    private static int readFully(InputStream in, byte[] out, String structure, long position) throws IOException {
        try (in) {
            int n = 0;
            while (n < out.length) {
                int got = in.read(out, n, out.length - n);
                if (got < 0) {
                    return n;
                }
                n += got;
            }
            if (in.read() >= 0) {
                throw new SquashfsFormatException(structure, position, "expands beyond " + out.length + " bytes");
            }
            return n;
        }
    }
}
