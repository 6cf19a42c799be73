package org.stickwright.engine.io;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import io.airlift.compress.zstd.ZstdInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The compressions a downloaded image comes in, told apart by their magic bytes rather than
 * by the file name (people rename files):
 * <pre>
 *   gzip  1F 8B
 *   xz    FD 37 7A 58 5A 00     ("\xFD7zXZ\0")
 *   zstd  28 B5 2F FD           (frame magic 0xFD2FB528, little-endian)
 * </pre>
 */
public enum Compression {
    NONE(""), GZIP(".gz"), XZ(".xz"), ZSTD(".zst");

    private final String suffix;

    Compression(String suffix) {
        this.suffix = suffix;
    }

    public String suffix() {
        return suffix;
    }

    /** Identifies the compression from the first bytes of a file (at least 6 of them). */
    public static Compression sniff(byte[] head, int length) {
        if (length >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) {
            return GZIP;
        }
        if (length >= 6 && (head[0] & 0xFF) == 0xFD && head[1] == '7' && head[2] == 'z' && head[3] == 'X'
                && head[4] == 'Z' && head[5] == 0) {
            return XZ;
        }
        if (length >= 4 && (head[0] & 0xFF) == 0x28 && (head[1] & 0xFF) == 0xB5 && (head[2] & 0xFF) == 0x2F
                && (head[3] & 0xFF) == 0xFD) {
            return ZSTD;
        }
        return NONE;
    }

    /** Wraps a stream of compressed bytes into one of the image's bytes. */
    public InputStream decompress(InputStream compressed) throws IOException {
        InputStream in = new BufferedInputStream(compressed, 1 << 20);
        return switch (this) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 1 << 16);
            // -1: no memory limit; xz images from distributions use at most 64 MiB dictionaries.
            case XZ -> new XZInputStream(in, -1);
            case ZSTD -> new ZstdInputStream(in);
        };
    }
}
