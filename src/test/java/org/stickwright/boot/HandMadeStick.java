package org.stickwright.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.stickwright.testing.Tool;

/**
 * A persistent Debian live stick made the way the Debian live manual describes, with standard
 * tools and none of ours: the ISO dd'ed to the stick; {@code persistence} put on the kernel
 * lines by a same-length edit ({@code quiet splash} → {@code persistence }, 12 bytes each, so
 * the read-only ISO 9660 file system needs no change of size); a third MBR partition added with
 * sfdisk behind the ISO; an ext4 file system labelled {@code persistence} holding
 * {@code persistence.conf} = {@code / union}, made by mkfs.ext4 and checked by e2fsck.
 * It is the positive control of the boot tests: the judge must be able to say "persists".
 */
public final class HandMadeStick {
    static final String DEFAULT_LINE = "boot=live components quiet splash";
    static final String PERSISTENT_LINE = "boot=live components persistence ";
    private static final long MIB = 1024 * 1024;

    private HandMadeStick() {
    }

    /** Makes {@code stick} from the Debian fixture {@code iso}; returns the number of kernel lines edited. */
    public static int debianWithPersistence(Path iso, Path stick, Path scratch) throws IOException {
        StickWriter.blankStick(stick, StickWriter.STICK_SIZE);
        Tool.run("dd", "if=" + iso, "of=" + stick, "bs=4M", "conv=notrunc,sparse,fsync", "status=none").ok();
        long isoSize = Files.size(iso);
        int edits = replaceSameLength(stick, isoSize, DEFAULT_LINE, PERSISTENT_LINE);

        long start = (isoSize + MIB - 1) / MIB * MIB;
        // sfdisk reads the new partition from stdin: a Linux partition from `start` to the end.
        Tool.run(null, 60, List.of("sh", "-c", "echo 'start=" + start / 512 + ", type=83' "
                + "| sfdisk --append --no-reread --no-tell-kernel -q '" + stick + "'")).ok();

        Files.createDirectories(scratch);
        Path content = Files.createDirectories(scratch.resolve("persistence-root"));
        Files.writeString(content.resolve("persistence.conf"), "/ union\n");
        Path partition = scratch.resolve("persistence.ext4");
        Files.deleteIfExists(partition);
        long size = StickWriter.STICK_SIZE - start;
        try (FileChannel ch = FileChannel.open(partition, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
        }
        Tool.run("mkfs.ext4", "-q", "-F", "-L", "persistence", "-d", content.toString(), partition.toString()).ok();
        Tool.run("e2fsck", "-fn", partition.toString()).ok();
        Tool.run("dd", "if=" + partition, "of=" + stick, "bs=4M", "seek=" + start, "oflag=seek_bytes",
                "conv=notrunc,sparse,fsync", "status=none").ok();
        Files.delete(partition);
        return edits;
    }

    /** Replaces every {@code from} in the first {@code length} bytes of {@code file} by {@code to}. */
    static int replaceSameLength(Path file, long length, String from, String to) throws IOException {
        byte[] needle = from.getBytes(StandardCharsets.US_ASCII);
        byte[] replacement = to.getBytes(StandardCharsets.US_ASCII);
        if (needle.length != replacement.length) {
            throw new IllegalArgumentException("not a same-length edit: " + from + " -> " + to);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (length > Integer.MAX_VALUE) {
                throw new IOException("too large for this helper: " + length);
            }
            ByteBuffer all = ByteBuffer.allocate((int) length);
            while (all.hasRemaining() && ch.read(all, all.position()) >= 0) {
                // read fully
            }
            byte[] bytes = all.array();
            int count = 0;
            outer:
            for (int i = 0; i + needle.length <= bytes.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (bytes[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                ch.write(ByteBuffer.wrap(replacement), i);
                count++;
                i += needle.length - 1;
            }
            ch.force(true);
            return count;
        }
    }
}
