/*
 * The binaries a BIOS-bootable FAT stick needs from SYSLINUX, and where to find them. SYSLINUX
 * ships them in two shapes:
 *
 *   a build directory       ldlinux.bss (the 512-byte FAT boot sector), ldlinux.sys (the
 *                           loader the boot sector reads, a multiple of 512 bytes), ldlinux.c32
 *                           (its second stage, an ELF32 file), mbr.bin / gptmbr.bin (MBR code)
 *   the `syslinux` program  (Debian's package "syslinux") carries the first three as byte arrays
 *                           in its data section, one after the other: the boot sector (jump
 *                           EB 58 90, OEM "SYSLINUX", LDLINUX_MAGIC 0x3EB202FE at byte 504,
 *                           55 AA at 510), then ldlinux.sys (it opens with "\r\nSYSLINUX " and
 *                           holds the magic in its first sector), then ldlinux.c32 (ELF magic
 *                           7F 45 4C 46, whose length its own header gives). In Debian's 6.04
 *                           build: boot sector at file offset 20992, ldlinux.sys 58368 bytes
 *                           from 21504, ldlinux.c32 119532 bytes from 79872.
 *
 * ldlinux.sys and ldlinux.c32 must come from the same build (the loader refuses another
 * version's second stage), which is why the installer's own copies are taken together. The MBR
 * code comes from /usr/lib/syslinux/mbr (Debian's syslinux-common) or /usr/lib/SYSLINUX.
 */
package org.stickwright.engine.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** SYSLINUX's boot sector, loader, second stage and MBR codes, read from a directory or the installer. */
public record SyslinuxFiles(byte[] bootSector, byte[] ldlinuxSys, byte[] ldlinuxC32, byte[] mbr, byte[] gptMbr,
        String source) {
    public static final int LDLINUX_MAGIC = 0x3EB202FE;
    private static final byte[] BANNER = "\r\nSYSLINUX ".getBytes(StandardCharsets.US_ASCII);
    /** ELF magic, 32-bit class, little endian, version 1. */
    private static final byte[] ELF32_LSB = {0x7F, 'E', 'L', 'F', 1, 1, 1};
    private static final long MAX_INSTALLER = 16L << 20;
    private static final List<Path> HOST_INSTALLERS = List.of(Path.of("/usr/bin/syslinux"), Path.of("/usr/bin/syslinux-mtools"));
    private static final List<Path> HOST_MBR_DIRS = List.of(Path.of("/usr/lib/syslinux/mbr"), Path.of("/usr/lib/SYSLINUX"),
            Path.of("/usr/share/syslinux"));

    /**
     * The files from {@code directory} (ldlinux.bss + ldlinux.sys + ldlinux.c32, or a
     * {@code syslinux} installer, plus mbr.bin and gptmbr.bin there or in its {@code mbr/}).
     */
    public static SyslinuxFiles fromDirectory(Path directory) throws IOException {
        Path bss = directory.resolve("ldlinux.bss");
        Path sys = directory.resolve("ldlinux.sys");
        Path c32 = directory.resolve("ldlinux.c32");
        byte[] mbr = mbrCode(List.of(directory, directory.resolve("mbr")), "mbr.bin")
                .orElseThrow(() -> new IOException(directory + ": no mbr.bin (SYSLINUX's MBR code) there or in mbr/"));
        byte[] gptMbr = mbrCode(List.of(directory, directory.resolve("mbr")), "gptmbr.bin")
                .orElseThrow(() -> new IOException(directory + ": no gptmbr.bin there or in mbr/"));
        if (Files.isRegularFile(bss) && Files.isRegularFile(sys) && Files.isRegularFile(c32)) {
            byte[] boot = Files.readAllBytes(bss);
            byte[] loader = Files.readAllBytes(sys);
            byte[] second = Files.readAllBytes(c32);
            check(boot, loader, second, directory.toString());
            return new SyslinuxFiles(boot, loader, second, mbr, gptMbr, directory.toString());
        }
        Path installer = directory.resolve("syslinux");
        if (Files.isRegularFile(installer)) {
            return fromInstaller(installer, mbr, gptMbr);
        }
        throw new IOException(directory + ": neither ldlinux.bss, ldlinux.sys and ldlinux.c32 nor a syslinux installer");
    }

    /** The host's SYSLINUX (Debian packages syslinux + syslinux-common), if installed. */
    public static Optional<SyslinuxFiles> fromHost() throws IOException {
        Optional<byte[]> mbr = mbrCode(HOST_MBR_DIRS, "mbr.bin");
        Optional<byte[]> gptMbr = mbrCode(HOST_MBR_DIRS, "gptmbr.bin");
        if (mbr.isEmpty() || gptMbr.isEmpty()) {
            return Optional.empty();
        }
        for (Path installer : HOST_INSTALLERS) {
            if (Files.isRegularFile(installer)) {
                return Optional.of(fromInstaller(installer, mbr.get(), gptMbr.get()));
            }
        }
        return Optional.empty();
    }

    static SyslinuxFiles fromInstaller(Path installer, byte[] mbr, byte[] gptMbr) throws IOException {
        if (Files.size(installer) > MAX_INSTALLER) {
            throw new IOException(installer + " is too large to be the syslinux installer");
        }
        byte[] bin = Files.readAllBytes(installer);
        for (int at = 0; at + 512 <= bin.length; at++) {
            if ((bin[at] & 0xFF) != 0xEB || bin[at + 1] != 0x58 || (bin[at + 2] & 0xFF) != 0x90
                    || (bin[at + 510] & 0xFF) != 0x55 || (bin[at + 511] & 0xFF) != 0xAA
                    || le32(bin, at + 504) != LDLINUX_MAGIC || !startsWith(bin, at + 512, BANNER)) {
                continue;
            }
            int sysStart = at + 512;
            // ldlinux.sys is a whole number of sectors, so its successor starts on a 512-byte step;
            // the ELF magic alone also occurs by chance inside ldlinux.sys's code.
            int elf = -1;
            for (int next = sysStart + 1024; next + 52 <= bin.length; next += 512) {
                if (startsWith(bin, next, ELF32_LSB)) {
                    elf = next;
                    break;
                }
            }
            if (elf < 0) {
                throw new IOException(installer + ": ldlinux.sys found at " + sysStart + " but no ldlinux.c32 after it");
            }
            int sysLength = elf - sysStart;
            int c32Length = elfLength(bin, elf, installer);
            byte[] boot = slice(bin, at, 512);
            byte[] loader = slice(bin, sysStart, sysLength);
            byte[] second = slice(bin, elf, c32Length);
            check(boot, loader, second, installer.toString());
            return new SyslinuxFiles(boot, loader, second, mbr, gptMbr, installer.toString());
        }
        throw new IOException(installer + ": no SYSLINUX FAT boot sector followed by ldlinux.sys found in it");
    }

    /** The length of an ELF32 file from its header: the end of its section table or of its last segment. */
    private static int elfLength(byte[] bin, int at, Path installer) throws IOException {
        if (at + 52 > bin.length || bin[at + 4] != 1 || bin[at + 5] != 1) {
            throw new IOException(installer + ": ldlinux.c32 at " + at + " is not a little-endian ELF32 file");
        }
        long shoff = le32(bin, at + 0x20) & 0xFFFF_FFFFL;
        int shentsize = le16(bin, at + 0x2E);
        int shnum = le16(bin, at + 0x30);
        long phoff = le32(bin, at + 0x1C) & 0xFFFF_FFFFL;
        int phentsize = le16(bin, at + 0x2A);
        int phnum = le16(bin, at + 0x2C);
        long end = shoff + (long) shentsize * shnum;
        for (int i = 0; i < phnum; i++) {
            long ph = at + phoff + (long) i * phentsize;
            if (ph + 32 > bin.length) {
                throw new IOException(installer + ": ldlinux.c32's program header " + i + " lies past the file's end");
            }
            long segmentEnd = (le32(bin, (int) ph + 4) & 0xFFFF_FFFFL) + (le32(bin, (int) ph + 16) & 0xFFFF_FFFFL);
            end = Math.max(end, segmentEnd);
        }
        if (end <= 52 || at + end > bin.length) {
            throw new IOException(installer + ": ldlinux.c32 at " + at + " claims " + end + " bytes, past the file's end");
        }
        return (int) end;
    }

    private static void check(byte[] boot, byte[] loader, byte[] second, String where) throws IOException {
        if (boot.length != 512 || (boot[510] & 0xFF) != 0x55 || (boot[511] & 0xFF) != 0xAA) {
            throw new IOException(where + ": ldlinux.bss is not a 512-byte boot sector ending in 55 AA");
        }
        if (loader.length < 1024 || loader.length > 1 << 20 || patchArea(loader) < 0) {
            throw new IOException(where + ": ldlinux.sys (" + loader.length + " bytes) has no LDLINUX_MAGIC patch area");
        }
        if (second.length < 52 || second[0] != 0x7F || second[1] != 'E' || second[2] != 'L' || second[3] != 'F') {
            throw new IOException(where + ": ldlinux.c32 is not an ELF file");
        }
    }

    /** Offset of the patch area (the dword-aligned LDLINUX_MAGIC) in ldlinux.sys, or -1. */
    static int patchArea(byte[] loader) {
        for (int at = 0; at + 24 <= Math.min(loader.length, 4096); at += 4) {
            if (le32(loader, at) == LDLINUX_MAGIC) {
                return at;
            }
        }
        return -1;
    }

    /** SYSLINUX's version as its banner says, e.g. "6.04". */
    public String version() {
        int end = BANNER.length;
        while (end < ldlinuxSys.length && ldlinuxSys[end] != ' ' && ldlinuxSys[end] != 0) {
            end++;
        }
        return new String(ldlinuxSys, BANNER.length, end - BANNER.length, StandardCharsets.US_ASCII);
    }

    private static Optional<byte[]> mbrCode(List<Path> directories, String name) throws IOException {
        for (Path dir : directories) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                byte[] code = Files.readAllBytes(file);
                if (code.length == 0 || code.length > 440) {
                    throw new IOException(file + " has " + code.length + " bytes; MBR boot code holds at most 440");
                }
                return Optional.of(code);
            }
        }
        return Optional.empty();
    }

    static int le32(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    static int le16(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at + prefix.length > b.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }


    private static byte[] slice(byte[] b, int at, int length) {
        byte[] out = new byte[length];
        System.arraycopy(b, at, out, 0, length);
        return out;
    }
}
