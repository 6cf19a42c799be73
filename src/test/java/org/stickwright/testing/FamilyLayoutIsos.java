/*
 * Stand-ins for the live ISOs this machine cannot boot (Ubuntu casper, Arch archiso,
 * SystemRescue), faithful in everything a persistence tool reads or writes: the paths, the
 * boot-config files and their syntax, the kernel lines, the EFI FAT image and what lies in it,
 * the El Torito catalog and the disk layout xorriso gives each distribution's ISO. Only the
 * payloads are fake: kernels, initramfs and EFI binaries are a few bytes of text; the root
 * images are real (tiny) squashfs made by mksquashfs, so detection by content works.
 *
 * Where each shape comes from (persistence-mechanisms.md §4, §6, §8; the configs are written
 * here in the distributions' syntax, not copied from them):
 *
 *   Ubuntu 22.04 (cdimage/livecd-rootfs): GRUB only. BIOS boots boot/grub/i386-pc/eltorito.img;
 *     UEFI boots shim+signed GRUB from an EFI FAT image that is *appended* as GPT partition 2 and
 *     named by El Torito only through an interval (no file in the tree holds it); the signed
 *     GRUB finds /.disk/info and reads /boot/grub/grub.cfg on ISO 9660 for both firmwares.
 *     xorriso: --grub2-mbr, --protective-msdos-label, -partition_offset 16, --mbr-force-bootable,
 *     -append_partition 2 <ESP type> efi.img, -appended_part_as_gpt, -iso_mbr_part_type <basic data>.
 *   Arch releng (mkarchiso, bios.syslinux + uefi.systemd-boot): syslinux for BIOS
 *     (archiso_sys-linux.cfg APPEND archisobasedir=arch archisosearchuuid=<iso uuid>);
 *     systemd-boot for UEFI from an appended FAT partition 2 holding loader/loader.conf,
 *     loader/entries/*.conf and a copy of the kernel and initramfs; the ISO's volume
 *     modification date *is* that uuid (blkid reports it), and /boot/<uuid>.uuid marks the medium.
 *     xorriso (mkarchiso with bios.syslinux.mbr): -isohybrid-mbr isohdpfx.bin, --mbr-force-bootable,
 *     -partition_offset 16, -append_partition 2 <ESP type> efiboot.img, -e --interval:appended_partition_2:all::
 *     and -isohybrid-gpt-basdat after -e: an MBR (p1 type 0 from sector 64, active; p2 0xEF = the FAT
 *     image) plus a GPT deliberately left invalid, because a valid GPT stops some BIOSes booting.
 *   SystemRescue 11 (build.sh): isolinux → /sysresccd/boot/syslinux/sysresccd.cfg →
 *     sysresccd_sys.cfg (APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 …, paths
 *     relative to /sysresccd/); UEFI GRUB embedded in efiboot.img (only efi/boot/bootx64.efi)
 *     searches /boot/grub/grubsrcd.cfg on ISO 9660, whose entries pass $archiso_param;
 *     /sysrescue.d/100-defaults.yaml. An isohybrid-MBR ISO: -isohybrid-mbr, -e EFI/archiso/efiboot.img,
 *     -isohybrid-gpt-basdat.
 *
 * Everything is built under the directory given to the constructor (a test's @TempDir); nothing
 * is cached elsewhere.
 */
package org.stickwright.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds small ISOs laid out like Ubuntu's, Arch's and SystemRescue's (see the file comment). */
public final class FamilyLayoutIsos {
    /** The programs the builders run. */
    public static final String[] TOOLS = {"xorriso", "mksquashfs", "mkfs.fat", "mmd", "mcopy"};
    public static final Path ISOLINUX_BIN = Path.of("/usr/lib/ISOLINUX/isolinux.bin");
    public static final Path ISOHYBRID_MBR = Path.of("/usr/lib/ISOLINUX/isohdpfx.bin");

    public static final String UBUNTU_LABEL = "Ubuntu 22.04.4 LTS amd64";
    public static final String ARCH_LABEL = "ARCH_202601";
    /** archiso's medium uuid: the ISO's volume modification date 2026-01-01 10:11:12.00 as blkid spells it. */
    public static final String ARCH_UUID = "2026-01-01-10-11-12-00";
    public static final String SYSRESCUE_LABEL = "RESCUE1100";
    /** GPT type of an EFI system partition, as xorriso takes it. */
    public static final String ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

    /**
     * One built ISO and what was put into it.
     *
     * @param iso          the image file
     * @param volumeLabel  its ISO 9660 volume id
     * @param efiImageFile the EFI FAT image as built (before xorriso placed it)
     * @param isoFiles     the text files written into the ISO 9660 tree (path → content), configs first
     * @param efiFiles     the files written into the EFI FAT image (path → content)
     */
    public record Layout(Path iso, String volumeLabel, Path efiImageFile, Map<String, String> isoFiles,
            Map<String, String> efiFiles) {
        public Layout {
            isoFiles = Map.copyOf(isoFiles);
            efiFiles = Map.copyOf(efiFiles);
        }
    }

    private final Path dir;

    public FamilyLayoutIsos(Path dir) {
        this.dir = dir;
    }

    /** Skips (locally) or fails (CI) unless every tool and the isolinux files are present. */
    public static void requireTools() {
        Capabilities.requireTools(TOOLS);
        Capabilities.require(Files.exists(ISOLINUX_BIN) && Files.exists(ISOHYBRID_MBR),
                "package isolinux is not installed (isolinux.bin, isohdpfx.bin)");
    }

    // ---- Ubuntu -------------------------------------------------------------------------

    public static final String UBUNTU_GRUB_CFG = """
            set timeout=30

            loadfont unicode

            set menu_color_normal=white/black
            set menu_color_highlight=black/light-gray

            menuentry "Try or Install Ubuntu" {
            	set gfxpayload=keep
            	linux	/casper/vmlinuz  file=/cdrom/preseed/ubuntu.seed maybe-ubiquity quiet splash ---
            	initrd	/casper/initrd
            }
            menuentry "Ubuntu (safe graphics)" {
            	set gfxpayload=keep
            	linux	/casper/vmlinuz  nomodeset file=/cdrom/preseed/ubuntu.seed maybe-ubiquity quiet splash ---
            	initrd	/casper/initrd
            }
            grub_platform
            if [ "$grub_platform" = "efi" ]; then
            menuentry 'Boot from next volume' {
            	exit 1
            }
            menuentry 'UEFI Firmware Settings' {
            	fwsetup
            }
            else
            menuentry 'Test memory' {
            	linux16 /boot/memtest86+.bin
            }
            fi
            """;

    /** Ubuntu 24.04's grub.cfg: the kernel options follow "---", so nothing precedes it but the kernel path. */
    public static final String UBUNTU_NOBLE_GRUB_CFG = """
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
            """;

    public static final String UBUNTU_LOOPBACK_CFG = """
            menuentry "Try or Install Ubuntu" {
            	set gfxpayload=keep
            	linux	/casper/vmlinuz  file=/cdrom/preseed/ubuntu.seed maybe-ubiquity iso-scan/filename=${iso_path} quiet splash ---
            	initrd	/casper/initrd
            }
            """;

    /** Ubuntu 22.04 desktop: casper, GRUB for both firmwares, the EFI image an appended GPT partition. */
    public Layout ubuntu() throws IOException {
        return ubuntu(UBUNTU_GRUB_CFG);
    }

    /** {@link #ubuntu()} with another /boot/grub/grub.cfg (a remix's longer menu, say). */
    public Layout ubuntu(String grubCfg) throws IOException {
        Path src = dir.resolve("ubuntu");
        Map<String, String> files = new LinkedHashMap<>();
        files.put("/boot/grub/grub.cfg", grubCfg);
        files.put("/boot/grub/loopback.cfg", UBUNTU_LOOPBACK_CFG);
        files.put("/.disk/info", "Ubuntu 22.04.4 LTS \"Jammy Jellyfish\" - Release amd64 (20240220)");
        files.put("/.disk/casper-uuid-generic", "3a1b2c4d-5e6f-4a70-8b91-c2d3e4f50617\n");
        files.put("/.disk/base_installable", "");
        files.put("/casper/vmlinuz", "placeholder kernel\n");
        files.put("/casper/initrd", "placeholder initramfs\n");
        files.put("/casper/filesystem.size", "4096\n");
        files.put("/preseed/ubuntu.seed", "d-i debian-installer/locale string en_US.UTF-8\n");
        files.put("/EFI/boot/bootx64.efi", "placeholder shimx64.efi\n");
        files.put("/EFI/boot/grubx64.efi", "placeholder signed grubx64.efi (embedded: search /.disk/info)\n");
        files.put("/EFI/boot/mmx64.efi", "placeholder mmx64.efi\n");
        writeTree(src, files);
        write(src.resolve("boot/grub/i386-pc/eltorito.img"), "placeholder GRUB i386-pc eltorito image\n".repeat(200));
        squashfs(rootTree("ubuntu-root", "Ubuntu 22.04.4 LTS", "ubuntu"), src.resolve("casper/filesystem.squashfs"));

        Map<String, String> efi = new LinkedHashMap<>();
        efi.put("/EFI/boot/bootx64.efi", "placeholder shimx64.efi\n");
        efi.put("/EFI/boot/grubx64.efi", "placeholder signed grubx64.efi (embedded: search /.disk/info)\n");
        efi.put("/EFI/boot/mmx64.efi", "placeholder mmx64.efi\n");
        Path efiImage = fat(dir.resolve("ubuntu-efi.img"), 4096, null, efi);

        Path iso = dir.resolve("ubuntu-22.04.iso");
        xorriso(List.of("-V", UBUNTU_LABEL,
                "--grub2-mbr", ISOHYBRID_MBR.toString(), "--protective-msdos-label",
                "-partition_cyl_align", "off", "-partition_offset", "16", "--mbr-force-bootable",
                "-append_partition", "2", ESP_TYPE, efiImage.toString(), "-appended_part_as_gpt",
                "-iso_mbr_part_type", "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
                "-c", "/boot.catalog", "-b", "/boot/grub/i386-pc/eltorito.img", "-no-emul-boot",
                "-boot-load-size", "4", "-boot-info-table", "--grub2-boot-info",
                "-eltorito-alt-boot", "-e", "--interval:appended_partition_2:all::", "-no-emul-boot"), src, iso);
        return new Layout(iso, UBUNTU_LABEL, efiImage, files, efi);
    }

    // ---- Arch ---------------------------------------------------------------------------

    public static final String ARCH_SYS_LINUX_CFG = """
            LABEL arch64
            TEXT HELP
            Boot the Arch Linux install medium on BIOS.
            It allows you to install Arch Linux or perform system maintenance.
            ENDTEXT
            MENU LABEL Arch Linux install medium (x86_64, BIOS)
            LINUX /arch/boot/x86_64/vmlinuz-linux
            INITRD /arch/boot/x86_64/initramfs-linux.img
            APPEND archisobasedir=arch archisosearchuuid=%1$s

            # Accessibility boot option
            LABEL arch64speech
            TEXT HELP
            Boot the Arch Linux install medium on BIOS with speakup screen reader.
            ENDTEXT
            MENU LABEL Arch Linux install medium (x86_64, BIOS) with ^speech
            LINUX /arch/boot/x86_64/vmlinuz-linux
            INITRD /arch/boot/x86_64/initramfs-linux.img
            APPEND archisobasedir=arch archisosearchuuid=%1$s accessibility=on
            """.formatted(ARCH_UUID);

    public static final String ARCH_ENTRY_LINUX = """
            title    Arch Linux install medium (x86_64, UEFI)
            sort-key 01
            linux    /arch/boot/x86_64/vmlinuz-linux
            initrd   /arch/boot/x86_64/initramfs-linux.img
            options  archisobasedir=arch archisosearchuuid=%s
            """.formatted(ARCH_UUID);

    public static final String ARCH_ENTRY_SPEECH = """
            title    Arch Linux install medium (x86_64, UEFI) with speech
            sort-key 02
            linux    /arch/boot/x86_64/vmlinuz-linux
            initrd   /arch/boot/x86_64/initramfs-linux.img
            options  archisobasedir=arch archisosearchuuid=%s accessibility=on
            """.formatted(ARCH_UUID);

    public static final String ARCH_LOADER_CONF = """
            timeout 15
            default 01-archiso-x86_64-linux.conf
            beep on
            """;

    /** Arch releng: syslinux for BIOS, systemd-boot entries inside the appended EFI partition. */
    public Layout arch() throws IOException {
        Path src = dir.resolve("arch");
        Map<String, String> files = new LinkedHashMap<>();
        files.put("/boot/syslinux/archiso_sys-linux.cfg", ARCH_SYS_LINUX_CFG);
        files.put("/boot/syslinux/syslinux.cfg", """
                DEFAULT select

                LABEL select
                COM32 whichsys.c32
                APPEND -pxe- pxe -sys- sys -iso- sys

                LABEL pxe
                CONFIG archiso_pxe.cfg

                LABEL sys
                CONFIG archiso_sys.cfg
                """);
        files.put("/boot/syslinux/archiso_sys.cfg", """
                INCLUDE archiso_head.cfg

                DEFAULT arch64
                TIMEOUT 150

                INCLUDE archiso_sys-linux.cfg

                INCLUDE archiso_tail.cfg
                """);
        files.put("/boot/syslinux/archiso_head.cfg", """
                SERIAL 0 115200
                UI vesamenu.c32
                MENU TITLE Arch Linux
                MENU BACKGROUND splash.png
                """);
        files.put("/boot/syslinux/archiso_tail.cfg", """
                LABEL existing
                TEXT HELP
                Boot an existing operating system.
                ENDTEXT
                MENU LABEL Boot existing OS
                COM32 chain.c32
                APPEND hd0 0

                LABEL reboot
                MENU LABEL Reboot
                COM32 reboot.c32
                """);
        files.put("/loader/loader.conf", ARCH_LOADER_CONF);
        files.put("/loader/entries/01-archiso-x86_64-linux.conf", ARCH_ENTRY_LINUX);
        files.put("/loader/entries/02-archiso-x86_64-speech-linux.conf", ARCH_ENTRY_SPEECH);
        files.put("/EFI/BOOT/BOOTx64.EFI", "placeholder systemd-bootx64.efi\n");
        files.put("/boot/" + ARCH_UUID + ".uuid", "");
        files.put("/arch/version", "2026.01.01\n");
        files.put("/arch/boot/x86_64/vmlinuz-linux", "placeholder kernel\n");
        files.put("/arch/boot/x86_64/initramfs-linux.img", "placeholder initramfs\n");
        writeTree(src, files);
        Files.copy(ISOLINUX_BIN, parents(src.resolve("boot/syslinux/isolinux.bin")));
        squashfs(rootTree("arch-root", "Arch Linux", "arch"), src.resolve("arch/x86_64/airootfs.sfs"));
        // mkarchiso's _mkchecksum (checked by the initramfs with checksum=y) and, with a GPG key, _mksignature
        Files.writeString(src.resolve("arch/x86_64/airootfs.sha512"),
                sha512(src.resolve("arch/x86_64/airootfs.sfs")) + "  airootfs.sfs\n");
        Files.writeString(src.resolve("arch/x86_64/airootfs.sfs.sig"), "placeholder detached GPG signature\n");

        Map<String, String> efi = new LinkedHashMap<>();
        efi.put("/EFI/BOOT/BOOTx64.EFI", "placeholder systemd-bootx64.efi\n");
        efi.put("/loader/loader.conf", ARCH_LOADER_CONF);
        efi.put("/loader/entries/01-archiso-x86_64-linux.conf", ARCH_ENTRY_LINUX);
        efi.put("/loader/entries/02-archiso-x86_64-speech-linux.conf", ARCH_ENTRY_SPEECH);
        efi.put("/arch/boot/x86_64/vmlinuz-linux", "placeholder kernel\n");
        efi.put("/arch/boot/x86_64/initramfs-linux.img", "placeholder initramfs\n");
        efi.put("/shellx64.efi", "placeholder UEFI shell\n");
        // mkarchiso's sizing: the files' KiB plus 1 MiB for FAT metadata, rounded up to whole MiB
        long bytes = efi.values().stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
        int kib = (int) Math.ceil((Math.ceil(bytes / 1024.0) + 1024) / 1024) * 1024;
        Path efiImage = fat(dir.resolve("arch-efiboot.img"), kib, "ARCHISO_EFI", efi);

        Path iso = dir.resolve("archlinux-2026.01.01-x86_64.iso");
        xorriso(List.of("-iso-level", "3", "-full-iso9660-filenames", "-joliet", "-joliet-long", "-rational-rock",
                "-volid", ARCH_LABEL, "-appid", "Arch Linux baseline", "-publisher", "Arch Linux",
                "--modification-date=" + ARCH_UUID.replace("-", ""),
                "-isohybrid-mbr", ISOHYBRID_MBR.toString(), "--mbr-force-bootable", "-partition_offset", "16",
                "-eltorito-boot", "boot/syslinux/isolinux.bin", "-eltorito-catalog", "boot/syslinux/boot.cat",
                "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
                "-append_partition", "2", ESP_TYPE, efiImage.toString(),
                "-eltorito-alt-boot", "-e", "--interval:appended_partition_2:all::", "-no-emul-boot",
                "-isohybrid-gpt-basdat"), src, iso);
        return new Layout(iso, ARCH_LABEL, efiImage, files, efi);
    }

    // ---- SystemRescue -------------------------------------------------------------------

    public static final String SYSRESCUE_SYS_CFG = """
            INCLUDE boot/syslinux/sysresccd_head.cfg

            LABEL sysresccd
            TEXT HELP
            Boot the SystemRescue live medium.
            ENDTEXT
            MENU LABEL Boot SystemRescue using default options
            LINUX boot/x86_64/vmlinuz
            INITRD boot/intel_ucode.img,boot/amd_ucode.img,boot/x86_64/sysresccd.img
            APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed

            LABEL sysresccd_copytoram
            TEXT HELP
            Boot SystemRescue and copy the system to memory.
            ENDTEXT
            MENU LABEL Boot SystemRescue and copy system to RAM (copytoram)
            LINUX boot/x86_64/vmlinuz
            INITRD boot/intel_ucode.img,boot/amd_ucode.img,boot/x86_64/sysresccd.img
            APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed copytoram

            LABEL sysresccd_checksum
            TEXT HELP
            Boot SystemRescue and verify the integrity of the live medium first.
            ENDTEXT
            MENU LABEL Boot SystemRescue and verify integrity of the medium (checksum)
            LINUX boot/x86_64/vmlinuz
            INITRD boot/intel_ucode.img,boot/amd_ucode.img,boot/x86_64/sysresccd.img
            APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed checksum

            LABEL sysresccd_nomodeset
            TEXT HELP
            Boot SystemRescue with basic display drivers, for graphics cards the kernel drives badly.
            ENDTEXT
            MENU LABEL Boot SystemRescue using basic display drivers (nomodeset)
            LINUX boot/x86_64/vmlinuz
            INITRD boot/intel_ucode.img,boot/amd_ucode.img,boot/x86_64/sysresccd.img
            APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed nomodeset

            LABEL sysresccd_findroot
            TEXT HELP
            Find a Linux system installed on the disks and boot it, using the SystemRescue kernel.
            ENDTEXT
            MENU LABEL Boot a Linux operating system installed on the disk (findroot)
            LINUX boot/x86_64/vmlinuz
            INITRD boot/intel_ucode.img,boot/amd_ucode.img,boot/x86_64/sysresccd.img
            APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed findroot

            LABEL sysresccd_break
            TEXT HELP
            Stop in the initramfs shell before the root filesystem is mounted, for debugging.
            ENDTEXT
            MENU LABEL Stop during the boot process before mounting the root filesystem
            LINUX boot/x86_64/vmlinuz
            INITRD boot/intel_ucode.img,boot/amd_ucode.img,boot/x86_64/sysresccd.img
            APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed break

            INCLUDE boot/syslinux/sysresccd_tail.cfg
            """;

    public static final String SYSRESCUE_GRUBSRCD_CFG = """
            # Global options
            set timeout=30
            set default=0
            set fallback=1
            set pager=1

            if [ -z "$archiso_param" ]; then
              set archiso_param="archisolabel=RESCUE1100"
            fi

            menuentry "Boot SystemRescue using default options" {
                    set gfxpayload=keep
                    linux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd $archiso_param iomem=relaxed
                    initrd /sysresccd/boot/intel_ucode.img /sysresccd/boot/amd_ucode.img /sysresccd/boot/x86_64/sysresccd.img
            }

            menuentry "Boot SystemRescue and copy system to RAM (copytoram)" {
                    set gfxpayload=keep
                    linux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd $archiso_param iomem=relaxed copytoram
                    initrd /sysresccd/boot/intel_ucode.img /sysresccd/boot/amd_ucode.img /sysresccd/boot/x86_64/sysresccd.img
            }

            menuentry "Reboot" {
                    reboot
            }
            """;

    /** SystemRescue 11: isolinux + GRUB's grubsrcd.cfg on ISO 9660, an isohybrid-MBR ISO. */
    public Layout systemRescue() throws IOException {
        Path src = dir.resolve("sysrescue");
        Map<String, String> files = new LinkedHashMap<>();
        files.put("/sysresccd/boot/syslinux/sysresccd_sys.cfg", SYSRESCUE_SYS_CFG);
        files.put("/boot/grub/grubsrcd.cfg", SYSRESCUE_GRUBSRCD_CFG);
        files.put("/isolinux/isolinux.cfg", """
                PATH /sysresccd/boot/syslinux/
                DEFAULT loadconfig

                LABEL loadconfig
                  CONFIG /sysresccd/boot/syslinux/sysresccd.cfg
                  APPEND /sysresccd/
                """);
        files.put("/sysresccd/boot/syslinux/sysresccd.cfg", """
                DEFAULT select

                LABEL select
                COM32 boot/syslinux/whichsys.c32
                APPEND -pxe- pxe -sys- sys -iso- sys

                LABEL sys
                CONFIG boot/syslinux/sysresccd_sys.cfg
                """);
        files.put("/sysresccd/boot/syslinux/sysresccd_head.cfg", """
                UI boot/syslinux/vesamenu.c32
                MENU TITLE SystemRescue 11.00
                TIMEOUT 150
                """);
        files.put("/sysresccd/boot/syslinux/sysresccd_tail.cfg", """
                LABEL reboot
                MENU LABEL Reboot
                COM32 boot/syslinux/reboot.c32
                """);
        files.put("/boot/grub/loopback.cfg", """
                set archiso_param="img_dev=/dev/disk/by-uuid/${rootuuid} img_loop=${iso_path}"
                source /boot/grub/grubsrcd.cfg
                """);
        files.put("/sysrescue.d/100-defaults.yaml", """
                ---
                global:
                    copytoram: false
                    checksum: false
                    loadsrm: false
                    dostartx: false
                    nofirewall: false
                autorun:
                    ar_disable: false
                    ar_nowait: false
                """);
        files.put("/sysresccd/VERSION", "11.00\n");
        files.put("/sysresccd/boot/x86_64/vmlinuz", "placeholder kernel\n");
        files.put("/sysresccd/boot/x86_64/sysresccd.img", "placeholder initramfs\n");
        files.put("/sysresccd/boot/intel_ucode.img", "placeholder microcode\n");
        files.put("/sysresccd/boot/amd_ucode.img", "placeholder microcode\n");
        files.put("/EFI/boot/bootx64.efi", "placeholder grub (memdisk: search --file /boot/grub/grubsrcd.cfg)\n");
        writeTree(src, files);
        Files.copy(ISOLINUX_BIN, parents(src.resolve("isolinux/isolinux.bin")));
        squashfs(rootTree("sysrescue-root", "SystemRescue", "sysrescue"), src.resolve("sysresccd/x86_64/airootfs.sfs"));

        Map<String, String> efi = new LinkedHashMap<>();
        efi.put("/efi/boot/bootx64.efi", "placeholder grub (memdisk: search --file /boot/grub/grubsrcd.cfg)\n");
        Path efiImage = fat(dir.resolve("sysrescue-efiboot.img"), 2048, null, efi);
        Files.copy(efiImage, parents(src.resolve("EFI/archiso/efiboot.img")));

        Path iso = dir.resolve("systemrescue-11.00-amd64.iso");
        xorriso(List.of("-iso-level", "3", "-full-iso9660-filenames", "-joliet", "-joliet-long", "-rational-rock",
                "-volid", SYSRESCUE_LABEL, "-appid", "SystemRescue", "-publisher", "SystemRescue",
                "-eltorito-boot", "isolinux/isolinux.bin", "-eltorito-catalog", "isolinux/boot.cat",
                "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
                "-isohybrid-mbr", ISOHYBRID_MBR.toString(),
                "-eltorito-alt-boot", "-e", "EFI/archiso/efiboot.img", "-no-emul-boot", "-isohybrid-gpt-basdat"),
                src, iso);
        return new Layout(iso, SYSRESCUE_LABEL, efiImage, files, efi);
    }

    // ---- building blocks ----------------------------------------------------------------

    /** A tiny root tree, as the flat root images hold it: /etc/os-release, /usr/bin, /home. */
    private Path rootTree(String name, String prettyName, String id) throws IOException {
        Path root = dir.resolve(name);
        write(root.resolve("etc/os-release"), "NAME=\"" + prettyName + "\"\nID=" + id + "\n");
        write(root.resolve("usr/bin/true"), "#!/bin/sh\n");
        Files.createDirectories(root.resolve("home"));
        return root;
    }

    private static void squashfs(Path tree, Path out) throws IOException {
        parents(out);
        Tool.run("mksquashfs", tree.toString(), out.toString(), "-noappend", "-quiet", "-no-progress",
                "-all-root").ok();
    }

    /** A FAT image of {@code kib} KiB made like the distributions make theirs: mkfs.fat -C, then mmd/mcopy. */
    private static Path fat(Path image, int kib, String label, Map<String, String> files) throws IOException {
        List<String> mkfs = new ArrayList<>(List.of("mkfs.fat", "-C"));
        if (label != null) {
            mkfs.addAll(List.of("-n", label));
        }
        mkfs.addAll(List.of(image.toString(), Integer.toString(kib)));
        Tool.run(null, 60, mkfs).ok();
        List<String> made = new ArrayList<>();
        Path content = Files.createTempFile(image.getParent(), "fat", ".txt");
        try {
            for (Map.Entry<String, String> file : files.entrySet()) {
                String[] parts = file.getKey().substring(1).split("/");
                StringBuilder path = new StringBuilder();
                for (int i = 0; i < parts.length - 1; i++) {
                    path.append('/').append(parts[i]);
                    if (!made.contains(path.toString())) {
                        Tool.run("mmd", "-i", image.toString(), "::" + path).ok();
                        made.add(path.toString());
                    }
                }
                Files.writeString(content, file.getValue(), StandardCharsets.UTF_8);
                Tool.run("mcopy", "-o", "-i", image.toString(), content.toString(), "::" + file.getKey()).ok();
            }
        } finally {
            Files.deleteIfExists(content);
        }
        return image;
    }

    private static void xorriso(List<String> options, Path src, Path iso) {
        List<String> command = new ArrayList<>(List.of("xorriso", "-as", "mkisofs", "-quiet"));
        if (!options.contains("-rational-rock")) {
            command.addAll(List.of("-R", "-J", "-joliet-long"));
        }
        command.addAll(options);
        command.addAll(List.of("-o", iso.toString(), src.toString()));
        Tool.run(null, 120, command).ok();
    }

    private static void writeTree(Path src, Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> file : files.entrySet()) {
            write(src.resolve(file.getKey().substring(1)), file.getValue());
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(parents(file), text, StandardCharsets.UTF_8);
    }

    private static Path parents(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return file;
    }

    private static String sha512(Path file) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-512")
                    .digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
