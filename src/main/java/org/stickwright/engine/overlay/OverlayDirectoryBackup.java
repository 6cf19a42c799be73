/*
 * The backup file `overlay export` writes for an overlayfs directory store: an xz stream
 * (magic FD 37 7A 58 5A 00 at byte 0, no stickwright header in front) whose content is the pax
 * tar OverlayDirectoryTar writes, so its first decompressed block is a tar header whose
 * checksum at byte 148 holds. The other export format, a dm-snapshot store's, starts with the
 * text "STICKWRIGHT-STORE 1\n" instead, so the first six bytes tell the two apart.
 *
 * An import must know the whole archive is sound before it asks the user anything or writes a
 * block: check() decompresses and walks every entry and every content byte (xz verifies its
 * CRC64/CRC32 at each block's end), so a damaged or truncated backup is refused up front.
 */
package org.stickwright.engine.overlay;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.tukaani.xz.XZIOException;
import org.tukaani.xz.XZInputStream;

/** Recognises and checks an overlayfs directory store backup (a pax tar in an xz stream). */
public final class OverlayDirectoryBackup {
    private static final byte[] XZ_MAGIC = {(byte) 0xFD, '7', 'z', 'X', 'Z', 0};

    private OverlayDirectoryBackup() {
    }

    /** True when {@code file} is an xz stream whose content starts with a valid tar header. */
    public static boolean recognise(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            byte[] magic = raw.readNBytes(XZ_MAGIC.length);
            if (!Arrays.equals(magic, XZ_MAGIC)) {
                return false;
            }
        }
        try (InputStream xz = open(file)) {
            byte[] header = xz.readNBytes(512);
            return header.length == 512 && tarChecksumHolds(header);
        } catch (XZIOException | java.io.EOFException e) {
            return false;
        }
    }

    /** Reads the whole backup: every header, every content byte, the xz checks; what it holds. */
    public static OverlayTarReader.Summary check(Path file) throws IOException {
        long[] compressed = new long[1];
        InputStream raw = new java.io.FilterInputStream(Files.newInputStream(file)) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                compressed[0] += b < 0 ? 0 : 1;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                compressed[0] += Math.max(n, 0);
                return n;
            }
        };
        try (InputStream xz = new XZInputStream(new BufferedInputStream(raw, 1 << 16))) {
            OverlayTarReader.Summary summary = OverlayTarReader.scan(xz);
            if (xz.read() >= 0) {
                // tar pads to 10 KiB records with zeros; anything else after the end marker is not ours
                for (int b = 0; b >= 0; b = xz.read()) {
                    if (b != 0) {
                        throw new TarFormatException("end of archive", summary.archiveBytes(), file
                                + " holds data after the tar end marker");
                    }
                }
            }
            return summary;
        } catch (XZIOException | java.io.EOFException e) {
            throw new TarFormatException("xz stream", compressed[0], file + " is damaged or truncated (offset is"
                    + " in the compressed file, read that far): " + e.getMessage());
        }
    }

    /** The tar stream inside the backup, for reading its entries with {@link OverlayTarReader}. */
    public static InputStream open(Path file) throws IOException {
        return new XZInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
    }

    private static boolean tarChecksumHolds(byte[] header) {
        long stored = 0;
        int i = 148;
        while (i < 156 && header[i] == ' ') {
            i++;
        }
        for (; i < 156 && header[i] >= '0' && header[i] <= '7'; i++) {
            stored = stored * 8 + header[i] - '0';
        }
        long sum = 0;
        for (int j = 0; j < 512; j++) {
            sum += j >= 148 && j < 156 ? ' ' : header[j] & 0xFF;
        }
        return stored == sum;
    }
}
