package org.stickwright.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final Pattern START = Pattern.compile("start=\\s*(\\d+)");

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

    /**
     * A dd'ed Fedora fixture given a persistent /home the way Fedora's livesys service finds
     * one: an ext4 file system labelled {@code SWHOME} in a fourth GPT partition (sgdisk, after
     * moving the backup GPT header to the end of the stick) and {@code persistenthome=LABEL=SWHOME}
     * added to the default entry of {@code EFI/BOOT/grub.cfg} inside the EFI partition (mtools,
     * the FAT file system is writable). Only the UEFI boot reads that file, so boot it with OVMF.
     */
    public static void fedoraWithPersistentHome(Path iso, Path stick, Path scratch) throws IOException {
        StickWriter.blankStick(stick, StickWriter.STICK_SIZE);
        Tool.run("dd", "if=" + iso, "of=" + stick, "bs=4M", "conv=notrunc,sparse,fsync", "status=none").ok();
        long isoSize = Files.size(iso);
        long start = (isoSize + MIB - 1) / MIB * MIB;
        Tool.run("sgdisk", "-e", stick.toString()).ok();
        Tool.run("sgdisk", "-n", "4:" + start / 512 + ":0", "-t", "4:8300", "-c", "4:home", stick.toString()).ok();
        Tool.run("sgdisk", "-v", stick.toString()).ok();

        String esp = stick + "@@" + partitionStart(stick, 2);
        String cfg = Tool.run("mtype", "-i", esp, "::/EFI/BOOT/grub.cfg").ok().stdout();
        String defaultLine = "rd.live.image console=ttyS0";
        if (!cfg.contains(defaultLine)) {
            throw new IOException("no default kernel line in EFI/BOOT/grub.cfg:\n" + cfg);
        }
        Files.createDirectories(scratch);
        Path edited = scratch.resolve("grub.cfg");
        int at = cfg.indexOf(defaultLine);
        Files.writeString(edited, cfg.substring(0, at) + "rd.live.image persistenthome=LABEL=SWHOME console=ttyS0"
                + cfg.substring(at + defaultLine.length()));
        Tool.run("mcopy", "-o", "-i", esp, edited.toString(), "::/EFI/BOOT/grub.cfg").ok();
        if (!Tool.run("mtype", "-i", esp, "::/EFI/BOOT/grub.cfg").ok().stdout().contains("persistenthome=")) {
            throw new IOException("the edited grub.cfg did not reach the EFI partition of " + stick);
        }

        Path partition = scratch.resolve("home.ext4");
        Files.deleteIfExists(partition);
        try (FileChannel ch = FileChannel.open(partition, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            ch.write(ByteBuffer.wrap(new byte[1]), 64 * MIB - 1);
        }
        Tool.run("mkfs.ext4", "-q", "-F", "-L", "SWHOME", partition.toString()).ok();
        Tool.run("e2fsck", "-fn", partition.toString()).ok();
        Tool.run("dd", "if=" + partition, "of=" + stick, "bs=4M", "seek=" + start, "oflag=seek_bytes",
                "conv=notrunc,sparse,fsync", "status=none").ok();
        Files.delete(partition);
    }

    /** Byte offset of partition {@code number}, as sfdisk reads the partition table. */
    static long partitionStart(Path disk, int number) {
        String dump = Tool.run("sfdisk", "-d", disk.toString()).ok().stdout();
        for (String line : dump.lines().toList()) {
            if (line.startsWith(disk + String.valueOf(number) + " ")) {
                Matcher m = START.matcher(line);
                if (m.find()) {
                    return Long.parseLong(m.group(1)) * 512;
                }
            }
        }
        throw new AssertionError("no partition " + number + " in\n" + dump);
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
