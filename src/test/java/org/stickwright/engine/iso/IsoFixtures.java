package org.stickwright.engine.iso;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.stickwright.testing.Tool;

/** Builds ISOs with xorriso from a source tree that exercises names, links, depth and boot images. */
final class IsoFixtures {
    static final String LONG_NAME = "a-very-long-file-name-that-exceeds-the-sixty-four-characters-joliet-allows-"
            + "and-the-thirty-one-of-iso9660-level-two.txt";
    static final String UNICODE_NAME = "Grüße-日本語-файл.txt";

    /** syslinux's isohybrid MBR code (Debian package isolinux). */
    static final Path ISOHYBRID_MBR = Path.of("/usr/lib/ISOLINUX/isohdpfx.bin");

    private IsoFixtures() {
    }

    /** A source tree in {@code dir}/src and an EFI FAT image; returns the source directory. */
    static Path sourceTree(Path dir) throws IOException {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("boot/grub"));
        Files.createDirectories(src.resolve("EFI/BOOT"));
        Random random = new Random(9660);
        Files.writeString(src.resolve("boot/grub/grub.cfg"),
                "set default=0\nmenuentry 'Live' {\n  linux /live/vmlinuz boot=live quiet splash\n}\n");
        Files.writeString(src.resolve("EFI/BOOT/grub.cfg"), "search --set=root --file /.disk/info\n");
        byte[] bios = new byte[4 * 2048];
        random.nextBytes(bios);
        Files.write(src.resolve("boot/bios.img"), bios);
        byte[] big = new byte[3 * 1024 * 1024 + 123];
        random.nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Files.writeString(src.resolve(LONG_NAME), "long\n");
        Files.writeString(src.resolve(UNICODE_NAME), "unicode\n");
        Files.write(src.resolve("empty"), new byte[0]);
        Path script = src.resolve("run.sh");
        Files.writeString(script, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        Path secret = src.resolve("secret");
        Files.writeString(secret, "s\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path deep = src;
        for (int i = 1; i <= 11; i++) {
            deep = deep.resolve("level" + i);
        }
        Files.createDirectories(deep);
        Files.writeString(deep.resolve("bottom.txt"), "deep\n");
        Files.createSymbolicLink(src.resolve("relative-link"), Path.of("boot/grub/grub.cfg"));
        Files.createSymbolicLink(src.resolve("absolute-link"), Path.of("/etc/os-release"));
        Files.createSymbolicLink(src.resolve("dangling-link"), Path.of("../nowhere/at/all"));
        Files.createSymbolicLink(src.resolve("EFI/dir-link"), Path.of("BOOT"));
        Path efi = dir.resolve("efiboot.img");
        Tool.run("mkfs.fat", "-C", efi.toString(), "1440").ok();
        Tool.run("mcopy", "-i", efi.toString(), src.resolve("EFI/BOOT/grub.cfg").toString(), "::/grub.cfg").ok();
        Files.copy(efi, src.resolve("boot/efiboot.img"));
        return src;
    }

    /** xorriso -as mkisofs with Rock Ridge, Joliet, BIOS + EFI El Torito, hybrid GPT; extra options appended. */
    static Path buildIso(Path dir, Path src, String name, String... extra) {
        Path iso = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of("xorriso", "-as", "mkisofs", "-R", "-J", "-joliet-long",
                "-V", "STICK_TEST", "-publisher", "Stickwright tests",
                "-b", "boot/bios.img", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
                "-eltorito-alt-boot", "-e", "boot/efiboot.img", "-no-emul-boot", "-isohybrid-gpt-basdat",
                "-isohybrid-mbr", ISOHYBRID_MBR.toString()));
        command.addAll(List.of(extra));
        command.addAll(List.of("-o", iso.toString(), src.toString()));
        Tool.run(null, 120, command).ok();
        return iso;
    }

    /** xorriso's own extraction of the whole tree. */
    static Path xorrisoExtract(Path iso, Path into) throws IOException {
        Files.createDirectories(into.getParent());
        Tool.run("xorriso", "-osirrox", "on", "-indev", iso.toString(), "-extract", "/", into.toString()).ok();
        return into;
    }

    /** path -> "type size sha256 mode [target]" for every node below {@code root}. */
    static TreeMap<String, String> describe(Path root) throws IOException {
        TreeMap<String, String> result = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                if (path.equals(root)) {
                    continue;
                }
                String rel = root.relativize(path).toString();
                if (Files.isSymbolicLink(path)) {
                    result.put(rel, "link -> " + Files.readSymbolicLink(path));
                } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    result.put(rel, "dir " + mode(path));
                } else {
                    result.put(rel, "file " + Files.size(path) + " " + sha256(path) + " " + mode(path));
                }
            }
        }
        return result;
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[65536];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
