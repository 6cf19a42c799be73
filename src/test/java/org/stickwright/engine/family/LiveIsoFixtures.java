package org.stickwright.engine.family;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.stickwright.testing.Tool;

/**
 * Builds small ISOs laid out like each family's real ones (persistence-mechanisms.md §8): the
 * paths, the config syntax and the kernel lines of lorax, live-build, Ubuntu's cdimage, mkarchiso
 * and SystemRescue's build, with real squashfs root images from mksquashfs (and, for the nested
 * Fedora layout, a real ext4 from mkfs.ext4 -d inside it), FAT EFI images from mkfs.fat + mcopy,
 * and El Torito / isohybrid structures from xorriso.
 */
final class LiveIsoFixtures {
    static final Path ISOLINUX_BIN = Path.of("/usr/lib/ISOLINUX/isolinux.bin");
    static final Path ISOHYBRID_MBR = Path.of("/usr/lib/ISOLINUX/isohdpfx.bin");
    static final String[] TOOLS = {"xorriso", "mksquashfs", "mkfs.ext4", "mkfs.fat", "mcopy", "mmd"};

    static final String FEDORA_LABEL = "Fedora-WS-Live-40-1-14";
    static final String FEDORA_NESTED_LABEL = "Fedora Live 20";
    static final String DEBIAN_LABEL = "d-live 12.5.0 gn amd64";
    static final String UBUNTU_LABEL = "Ubuntu 24.04 LTS amd64";
    static final String ARCH_LABEL = "ARCH_202601";
    static final String SYSRESCUE_LABEL = "RESCUE1100";

    private final Path dir;

    LiveIsoFixtures(Path dir) {
        this.dir = dir;
    }

    /** Fedora lorax (≤ F36 shape with isolinux): flat squashfs, EFI/BOOT/grub.cfg on ISO 9660 and in efiboot.img. */
    Path fedoraFlat() throws IOException {
        Path src = dir.resolve("fedora-flat");
        fedoraTree(src, FEDORA_LABEL, FEDORA_LABEL);
        squashfs(rootTree("fedora-flat-root", "Fedora Linux"), src.resolve("LiveOS/squashfs.img"));
        return iso("fedora-flat.iso", src, FEDORA_LABEL, "isolinux/isolinux.bin", "images/efiboot.img", true);
    }

    /**
     * Older Fedora: squashfs holding LiveOS/rootfs.img (ext4). The label has a blank, which the
     * kernel line spells \x20 for dracut; GRUB, which eats one backslash, needs \\x20 for that.
     */
    Path fedoraNested() throws IOException {
        Path src = dir.resolve("fedora-nested");
        fedoraTree(src, FEDORA_NESTED_LABEL, FEDORA_NESTED_LABEL.replace(" ", "\\x20"));
        Path outer = Files.createDirectories(dir.resolve("fedora-nested-outer/LiveOS"));
        Tool.run("mkfs.ext4", "-q", "-F", "-L", "_Fedora-20-Live", "-d",
                rootTree("fedora-nested-root", "Fedora 20").toString(),
                outer.resolve("rootfs.img").toString(), "4M").ok();
        squashfs(outer.getParent(), src.resolve("LiveOS/squashfs.img"));
        return iso("fedora-nested.iso", src, FEDORA_NESTED_LABEL, "isolinux/isolinux.bin", "images/efiboot.img", true);
    }

    private void fedoraTree(Path src, String label, String spelled) throws IOException {
        write(src.resolve("images/pxeboot/vmlinuz"), "kernel");
        write(src.resolve("images/pxeboot/initrd.img"), "initrd");
        Files.copy(ISOLINUX_BIN, mkparents(src.resolve("isolinux/isolinux.bin")));
        write(src.resolve("isolinux/isolinux.cfg"), """
                default vesamenu.c32
                timeout 600
                menu title Fedora-Workstation-Live 40
                label linux
                  menu label ^Start Fedora-Workstation-Live 40
                  kernel vmlinuz
                  append initrd=initrd.img root=live:CDLABEL=%1$s  rd.live.image quiet rhgb
                label check
                  menu label Test this ^media & start Fedora-Workstation-Live 40
                  menu default
                  kernel vmlinuz
                  append initrd=initrd.img root=live:CDLABEL=%1$s  rd.live.image rd.live.check quiet
                label local
                  menu label Boot from local drive
                  kernel chain.c32
                  append hd0 0
                """.formatted(spelled));
        String grub = """
                set default="1"
                function load_video {
                  insmod all_video
                }
                search --no-floppy --set=root -l '%2$s'
                menuentry 'Start Fedora-Workstation-Live 40' --class fedora --class gnu-linux {
                	linuxefi /images/pxeboot/vmlinuz root=live:CDLABEL=%1$s  rd.live.image quiet rhgb
                	initrdefi /images/pxeboot/initrd.img
                }
                menuentry 'Test this media & start Fedora-Workstation-Live 40' --class fedora {
                	linuxefi /images/pxeboot/vmlinuz root=live:CDLABEL=%1$s  rd.live.image rd.live.check quiet
                	initrdefi /images/pxeboot/initrd.img
                }
                """.formatted(spelled.replace("\\", "\\\\"), label);
        write(src.resolve("EFI/BOOT/grub.cfg"), grub);
        write(src.resolve("EFI/BOOT/BOOTX64.EFI"), "shim");
        Path efi = fat(dir.resolve(src.getFileName() + "-efiboot.img"), Map.of("EFI/BOOT/grub.cfg", grub,
                "EFI/BOOT/BOOTX64.EFI", "shim"));
        Files.copy(efi, mkparents(src.resolve("images/efiboot.img")));
    }

    /** Debian live-build: /live, isolinux live.cfg, GRUB found through /.disk/info, boot/grub/efi.img. */
    Path debian() throws IOException {
        Path src = dir.resolve("debian");
        write(src.resolve("live/vmlinuz-6.1.0-18-amd64"), "kernel");
        write(src.resolve("live/initrd.img-6.1.0-18-amd64"), "initrd");
        squashfs(rootTree("debian-root", "Debian GNU/Linux"), src.resolve("live/filesystem.squashfs"));
        write(src.resolve(".disk/info"), "Debian GNU/Linux 12.5.0 \"Bookworm\" - Official Live amd64");
        Files.copy(ISOLINUX_BIN, mkparents(src.resolve("isolinux/isolinux.bin")));
        write(src.resolve("isolinux/isolinux.cfg"), """
                include menu.cfg
                default vesamenu.c32
                prompt 0
                timeout 0
                """);
        write(src.resolve("isolinux/menu.cfg"), """
                menu hshift 0
                menu title Boot menu
                include stdmenu.cfg
                include live.cfg
                """);
        write(src.resolve("isolinux/live.cfg"), """
                label live-6.1.0-18-amd64
                	menu label ^Live system (amd64)
                	menu default
                	linux /live/vmlinuz-6.1.0-18-amd64
                	initrd /live/initrd.img-6.1.0-18-amd64
                	append boot=live components quiet splash findiso=${iso_path}

                label live-6.1.0-18-amd64-failsafe
                	menu label ^Live system (amd64 fail-safe mode)
                	linux /live/vmlinuz-6.1.0-18-amd64
                	initrd /live/initrd.img-6.1.0-18-amd64
                	append boot=live components memtest noapic noapm nodma nomce nosmp nosplash vga=788

                label hdt
                	menu label ^Hardware Detection Tool (HDT)
                	com32 hdt.c32
                """);
        write(src.resolve("boot/grub/grub.cfg"), """
                source /boot/grub/config.cfg

                # Live boot
                menuentry "Live system (amd64)" --hotkey=l {
                	linux	/live/vmlinuz-6.1.0-18-amd64 boot=live components quiet splash findiso=${iso_path}
                	initrd	/live/initrd.img-6.1.0-18-amd64
                }
                menuentry "Live system (amd64 fail-safe mode)" {
                	linux	/live/vmlinuz-6.1.0-18-amd64 boot=live components memtest noapic noapm nodma nomce nosmp nosplash vga=788
                	initrd	/live/initrd.img-6.1.0-18-amd64
                }
                """);
        write(src.resolve("boot/grub/loopback.cfg"), "source /boot/grub/grub.cfg\n");
        Path efi = fat(dir.resolve("debian-efi.img"), Map.of("boot/grub/grub.cfg", """
                search --set=root --file /.disk/info
                set prefix=($root)/boot/grub
                configfile ($root)/boot/grub/grub.cfg
                """, "EFI/boot/bootx64.efi", "shim"));
        Files.copy(efi, mkparents(src.resolve("boot/grub/efi.img")));
        return iso("debian.iso", src, DEBIAN_LABEL, "isolinux/isolinux.bin", "boot/grub/efi.img", true);
    }

    /**
     * Ubuntu: /casper, /.disk/casper-uuid-generic, GRUB only (i386-pc eltorito.img for BIOS), the
     * EFI image an appended GPT partition outside the ISO 9660 tree.
     */
    Path ubuntu() throws IOException {
        Path src = dir.resolve("ubuntu");
        write(src.resolve("casper/vmlinuz"), "kernel");
        write(src.resolve("casper/initrd"), "initrd");
        squashfs(rootTree("ubuntu-root", "Ubuntu"), src.resolve("casper/minimal.squashfs"));
        write(src.resolve(".disk/casper-uuid-generic"), "8a2f1c3e-0000-4000-8000-000000000001\n");
        write(src.resolve(".disk/info"), "Ubuntu 24.04 LTS \"Noble Numbat\" - Release amd64 (20240424)");
        write(src.resolve("boot/grub/i386-pc/eltorito.img"), "x".repeat(4 * 2048));
        write(src.resolve("boot/grub/grub.cfg"), """
                set timeout=30

                loadfont unicode

                menuentry "Try or Install Ubuntu" {
                	set gfxpayload=keep
                	linux	/casper/vmlinuz  --- quiet splash
                	initrd	/casper/initrd
                }
                menuentry "Ubuntu (safe graphics)" {
                	set gfxpayload=keep
                	linux	/casper/vmlinuz  nomodeset  --- quiet splash
                	initrd	/casper/initrd
                }
                """);
        Path efi = fat(dir.resolve("ubuntu-efi.img"), Map.of("EFI/boot/bootx64.efi", "shim",
                "EFI/boot/grubx64.efi", "grub"));
        // Ubuntu's own xorriso options: GPT with the ISO as partition 1 from sector 64, the EFI
        // image appended as partition 2 and named by El Torito only through that interval.
        Path iso = dir.resolve("ubuntu.iso");
        Tool.run(null, 120, List.of("xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-joliet-long",
                "-V", UBUNTU_LABEL, "--grub2-mbr", ISOHYBRID_MBR.toString(), "--protective-msdos-label",
                "-partition_cyl_align", "off", "-partition_offset", "16", "--mbr-force-bootable",
                "-append_partition", "2", "28732ac11ff8d211ba4b00a0c93ec93b", efi.toString(),
                "-appended_part_as_gpt", "-iso_mbr_part_type", "a2a0d0ebe5b9334487c068b6b72699c7",
                "-c", "/boot.catalog", "-b", "/boot/grub/i386-pc/eltorito.img", "-no-emul-boot",
                "-boot-load-size", "4", "-boot-info-table", "--grub2-boot-info",
                "-eltorito-alt-boot", "-e", "--interval:appended_partition_2:all::", "-no-emul-boot",
                "-o", iso.toString(), src.toString())).ok();
        return iso;
    }

    /** archiso releng: syslinux APPEND and systemd-boot entries (ISO 9660 and inside efiboot.img). */
    Path arch() throws IOException {
        Path src = dir.resolve("arch");
        write(src.resolve("arch/boot/x86_64/vmlinuz-linux"), "kernel");
        write(src.resolve("arch/boot/x86_64/initramfs-linux.img"), "initramfs");
        squashfs(rootTree("arch-root", "Arch Linux"), src.resolve("arch/x86_64/airootfs.sfs"));
        write(src.resolve("boot/2026-01-01-10-11-12-00.uuid"), "");
        Files.copy(ISOLINUX_BIN, mkparents(src.resolve("boot/syslinux/isolinux.bin")));
        write(src.resolve("boot/syslinux/syslinux.cfg"), """
                DEFAULT select

                LABEL select
                COM32 whichsys.c32
                APPEND -pxe- pxe -sys- sys -iso- sys

                LABEL sys
                CONFIG archiso_sys.cfg
                """);
        write(src.resolve("boot/syslinux/archiso_sys-linux.cfg"), """
                LABEL arch64
                TEXT HELP
                Boot the Arch Linux install medium on BIOS.
                ENDTEXT
                MENU LABEL Arch Linux install medium (x86_64, BIOS)
                LINUX /arch/boot/x86_64/vmlinuz-linux
                INITRD /arch/boot/x86_64/initramfs-linux.img
                APPEND archisobasedir=arch archisolabel=ARCH_202601

                LABEL arch64speech
                MENU LABEL Arch Linux install medium (x86_64, BIOS) with ^speech
                LINUX /arch/boot/x86_64/vmlinuz-linux
                INITRD /arch/boot/x86_64/initramfs-linux.img
                APPEND archisobasedir=arch archisolabel=ARCH_202601 accessibility=on
                """);
        String entry = """
                title    Arch Linux install medium (x86_64, UEFI)
                sort-key 01
                linux    /arch/boot/x86_64/vmlinuz-linux
                initrd   /arch/boot/x86_64/initramfs-linux.img
                options  archisobasedir=arch archisolabel=ARCH_202601
                """;
        write(src.resolve("loader/loader.conf"), "timeout 15\ndefault 01-archiso-linux.conf\n");
        write(src.resolve("loader/entries/01-archiso-linux.conf"), entry);
        Path efi = fat(dir.resolve("arch-efiboot.img"), Map.of("EFI/BOOT/BOOTx64.EFI", "systemd-boot",
                "loader/entries/01-archiso-linux.conf", entry, "loader/loader.conf", "timeout 15\n"));
        Files.copy(efi, mkparents(src.resolve("EFI/archiso/efiboot.img")));
        return iso("arch.iso", src, ARCH_LABEL, "boot/syslinux/isolinux.bin", "EFI/archiso/efiboot.img", true);
    }

    /** SystemRescue: /sysresccd, /sysrescue.d, GRUB's grubsrcd.cfg on ISO 9660; built without isohybrid MBR. */
    Path systemRescue() throws IOException {
        Path src = dir.resolve("sysrescue");
        write(src.resolve("sysresccd/boot/x86_64/vmlinuz"), "kernel");
        write(src.resolve("sysresccd/boot/x86_64/sysresccd.img"), "initramfs");
        squashfs(rootTree("sysrescue-root", "SystemRescue"), src.resolve("sysresccd/x86_64/airootfs.sfs"));
        write(src.resolve("sysrescue.d/100-defaults.yaml"), "---\nglobal:\n    copytoram: false\n");
        Files.copy(ISOLINUX_BIN, mkparents(src.resolve("isolinux/isolinux.bin")));
        write(src.resolve("isolinux/isolinux.cfg"), """
                PATH /sysresccd/boot/syslinux/
                DEFAULT loadconfig

                LABEL loadconfig
                  CONFIG /sysresccd/boot/syslinux/sysresccd.cfg
                  APPEND /sysresccd/
                """);
        write(src.resolve("sysresccd/boot/syslinux/sysresccd_sys.cfg"), """
                LABEL sysresccd
                TEXT HELP
                Boot the SystemRescue live medium.
                ENDTEXT
                MENU LABEL Boot SystemRescue using default options
                LINUX /sysresccd/boot/x86_64/vmlinuz
                INITRD /sysresccd/boot/intel_ucode.img,/sysresccd/boot/amd_ucode.img,/sysresccd/boot/x86_64/sysresccd.img
                APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed
                """);
        write(src.resolve("boot/grub/grubsrcd.cfg"), """
                set default=0
                menuentry "Boot SystemRescue using default options" {
                        set gfxpayload=keep
                        linux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed
                        initrd /sysresccd/boot/intel_ucode.img /sysresccd/boot/amd_ucode.img /sysresccd/boot/x86_64/sysresccd.img
                }
                """);
        Path efi = fat(dir.resolve("sysrescue-efiboot.img"), Map.of("efi/boot/bootx64.efi", "grub"));
        Files.copy(efi, mkparents(src.resolve("EFI/archiso/efiboot.img")));
        return iso("sysrescue.iso", src, SYSRESCUE_LABEL, "isolinux/isolinux.bin", "EFI/archiso/efiboot.img", false);
    }

    /**
     * Fedora 37+ lorax: no isolinux; BIOS boots GRUB's images/eltorito.img (prefix /boot/grub2),
     * UEFI boots images/efiboot.img, which is also appended as GPT partition 2.
     */
    Path fedora37() throws IOException {
        Path src = dir.resolve("fedora37");
        write(src.resolve("images/pxeboot/vmlinuz"), "kernel");
        squashfs(rootTree("fedora37-root", "Fedora Linux"), src.resolve("LiveOS/squashfs.img"));
        write(src.resolve("images/eltorito.img"), "g".repeat(4 * 2048));
        String grub = """
                search --no-floppy --set=root -l 'Fedora-WS-Live-39-1-5'
                menuentry 'Start Fedora-Workstation-Live 39' --class fedora --class gnu-linux --class gnu --class os {
                	linux /images/pxeboot/vmlinuz root=live:CDLABEL=Fedora-WS-Live-39-1-5 rd.live.image quiet rhgb
                	initrd /images/pxeboot/initrd.img
                }
                """;
        write(src.resolve("boot/grub2/grub.cfg"), grub);
        write(src.resolve("EFI/BOOT/grub.cfg"), grub);
        Path efi = fat(dir.resolve("fedora37-efiboot.img"), Map.of("EFI/BOOT/grub.cfg", grub));
        Files.copy(efi, mkparents(src.resolve("images/efiboot.img")));
        Path iso = dir.resolve("fedora37.iso");
        Tool.run(null, 120, List.of("xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-V", "Fedora-WS-Live-39-1-5",
                "-b", "images/eltorito.img", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
                "--grub2-boot-info", "--grub2-mbr", ISOHYBRID_MBR.toString(), "-partition_offset", "16",
                "-eltorito-alt-boot", "-e", "images/efiboot.img", "-no-emul-boot",
                "-append_partition", "2", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", efi.toString(),
                "-appended_part_as_gpt", "-o", iso.toString(), src.toString())).ok();
        return iso;
    }

    /** Fedora 42+ style: LiveOS/squashfs.img is an EROFS image (mkfs.erofs); no El Torito. */
    Path fedoraErofs() throws IOException {
        Path src = dir.resolve("fedora-erofs");
        Path image = mkparents(src.resolve("LiveOS/squashfs.img"));
        Tool.run("mkfs.erofs", image.toString(), rootTree("fedora-erofs-root", "Fedora Linux").toString()).ok();
        write(src.resolve("boot/grub2/grub.cfg"), """
                menuentry 'Start Fedora' {
                	linux ($root)/boot/x86_64/loader/linux root=live:CDLABEL=FEDORA_42 rd.live.image
                }
                """);
        return iso("fedora-erofs.iso", src, "FEDORA_42", null, null, false);
    }

    /** live-build's dracut variant: /live/filesystem.squashfs booted by dracut, not live-boot. */
    Path debianDracut() throws IOException {
        Path src = dir.resolve("debian-dracut");
        squashfs(rootTree("debian-dracut-root", "Debian GNU/Linux"), src.resolve("live/filesystem.squashfs"));
        write(src.resolve(".disk/info"), "Debian GNU/Linux 13 - dracut live");
        write(src.resolve("boot/grub/grub.cfg"), """
                menuentry "Live system" {
                	linux	/live/vmlinuz rd.live.image root=live:CDLABEL=DEBIAN_DRACUT rd.live.dir=live rd.live.squashimg=filesystem.squashfs
                }
                """);
        return iso("debian-dracut.iso", src, "DEBIAN_DRACUT", null, null, false);
    }

    /** A Fedora layout whose squashfs.img starts with the squashfs magic and then is garbage. */
    Path fedoraCorruptSquashfs() throws IOException {
        Path src = dir.resolve("fedora-corrupt");
        byte[] bytes = new byte[8192];
        new java.util.Random(42).nextBytes(bytes);
        System.arraycopy("hsqs".getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, 4);
        Files.write(mkparents(src.resolve("LiveOS/squashfs.img")), bytes);
        return iso("fedora-corrupt.iso", src, "BROKEN", null, null, false);
    }

    /** A plain data ISO whose kernel line mentions no live system (and a /live directory with no squashfs). */
    Path plainData() throws IOException {
        Path src = dir.resolve("plain");
        write(src.resolve("README.txt"), "just files\n");
        write(src.resolve("live/notes.txt"), "not a live system\n");
        return iso("plain.iso", src, "DATA_DISC", null, null, false);
    }

    // ---- building blocks --------------------------------------------------------------------

    /** A tiny root tree with /etc/os-release, as the flat images hold at their top. */
    private Path rootTree(String name, String prettyName) throws IOException {
        Path root = dir.resolve(name);
        write(root.resolve("etc/os-release"), "NAME=\"" + prettyName + "\"\nID=test\n");
        write(root.resolve("usr/bin/true"), "#!/bin/sh\n");
        Files.createDirectories(root.resolve("home"));
        return root;
    }

    private static void squashfs(Path tree, Path out) {
        mkparentsUnchecked(out);
        Tool.run("mksquashfs", tree.toString(), out.toString(), "-noappend", "-quiet", "-no-progress",
                "-all-root").ok();
    }

    /** A 1.44 MB FAT12 image holding {@code files} (path → text), as mkefiboot and live-build make them. */
    private static Path fat(Path image, Map<String, String> files) throws IOException {
        Tool.run("mkfs.fat", "-C", image.toString(), "1440").ok();
        List<String> made = new ArrayList<>();
        for (Map.Entry<String, String> file : files.entrySet()) {
            String[] parts = file.getKey().split("/");
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) {
                path.append('/').append(parts[i]);
                if (!made.contains(path.toString())) {
                    Tool.run("mmd", "-i", image.toString(), "::" + path).ok();
                    made.add(path.toString());
                }
            }
            Path content = Files.createTempFile(image.getParent(), "fat", ".txt");
            Files.writeString(content, file.getValue());
            Tool.run("mcopy", "-i", image.toString(), content.toString(), "::/" + file.getKey()).ok();
            Files.delete(content);
        }
        return image;
    }

    private Path iso(String name, Path src, String label, String biosImage, String efiImage, boolean hybrid) {
        Path iso = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of("xorriso", "-as", "mkisofs", "-quiet", "-R", "-J",
                "-joliet-long", "-V", label));
        if (biosImage != null) {
            command.addAll(List.of("-b", biosImage, "-no-emul-boot", "-boot-load-size", "4"));
            if (biosImage.endsWith("isolinux.bin")) {
                command.addAll(List.of("-c", biosImage.replace("isolinux.bin", "boot.cat"), "-boot-info-table"));
            }
        }
        if (efiImage != null) {
            command.addAll(List.of("-eltorito-alt-boot", "-e", efiImage, "-no-emul-boot"));
        }
        if (hybrid) {
            command.addAll(List.of("-isohybrid-mbr", ISOHYBRID_MBR.toString()));
            if (efiImage != null) {
                command.add("-isohybrid-gpt-basdat");
            }
        }
        command.addAll(List.of("-o", iso.toString(), src.toString()));
        Tool.run(null, 120, command).ok();
        return iso;
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(mkparents(file), text, StandardCharsets.UTF_8);
    }

    private static Path mkparents(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return file;
    }

    private static void mkparentsUnchecked(Path file) {
        try {
            mkparents(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
