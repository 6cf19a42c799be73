package org.stickwright.engine.family;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.family.BootConfig.Firmware;
import org.stickwright.engine.family.BootConfig.Loader;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.FamilyLayoutIsos;
import org.stickwright.testing.FamilyLayoutIsos.Layout;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The Ubuntu, Arch and SystemRescue stand-ins of {@link FamilyLayoutIsos} are what they claim to
 * be (xorriso's own replay of the boot setup, sfdisk's partition table, blkid's uuid, mtools'
 * view of the EFI image), and {@link FamilyDetector} finds in each the family, the root image,
 * the EFI image and every boot configuration with the firmware that reads it.
 */
@Tag(Tags.ORACLE)
class FamilyLayoutDetectionTest {
    @TempDir
    Path dir;
    private FamilyLayoutIsos isos;

    @BeforeEach
    void tools() {
        FamilyLayoutIsos.requireTools();
        Capabilities.requireTools("sfdisk", "blkid", "mtype", "unsquashfs");
        isos = new FamilyLayoutIsos(dir);
    }

    private static LiveFamily detect(Path iso) throws IOException {
        try (ImageFile file = ImageFile.openReadOnly(iso)) {
            return FamilyDetector.detect(IsoImage.open(file));
        }
    }

    private static BootConfig config(LiveFamily family, String path, boolean inside) {
        return family.bootConfigs().stream().filter(c -> c.path().equals(path) && c.insideEfiImage() == inside)
                .findFirst().orElseThrow(() -> new AssertionError(path + " not among " + family.bootConfigs()));
    }

    private static List<String> options(BootConfig config) {
        return config.kernelLines().stream().map(KernelLine::optionsText).toList();
    }

    /** The mkisofs options xorriso reconstructs from the image's system area and El Torito catalog. */
    private static String bootSetup(Path iso) {
        // xorriso says SORRY (exit 32) about a hidden El Torito image it cannot re-enable, yet reports it.
        Tool.Result report = Tool.run("xorriso", "-indev", iso.toString(), "-report_system_area", "as_mkisofs");
        assertThat(report.exitCode()).as(report.output()).isIn(0, 32);
        return report.stdout();
    }

    private static JsonArray partitions(Path iso) {
        return JsonParser.parseString(Tool.run("sfdisk", "--json", iso.toString()).ok().stdout()).getAsJsonObject()
                .getAsJsonObject("partitiontable").getAsJsonArray("partitions");
    }

    /** A file of the EFI FAT image lying at {@code offset} in the ISO, as mtools reads it. */
    private static String mtype(Path iso, long offset, String path) {
        return Tool.run("mtype", "-i", iso + "@@" + offset, "::" + path).ok().stdout();
    }

    private static void assertAppendedEspIsTheEfiImage(Path iso, LiveFamily f, Layout layout, String type)
            throws IOException {
        JsonArray parts = partitions(iso);
        JsonObject p2 = parts.get(1).getAsJsonObject();
        assertThat(p2.get("type").getAsString()).isEqualTo(type);
        assertThat(f.efiImage()).isEqualTo(new EfiImage("(appended partition 2)",
                p2.get("start").getAsLong() * 512, p2.get("size").getAsLong() * 512));
        assertThat(f.efiImage().length()).isEqualTo(Files.size(layout.efiImageFile()));
        for (var file : layout.efiFiles().entrySet()) {
            assertThat(mtype(iso, f.efiImage().offset(), file.getKey())).isEqualTo(file.getValue());
        }
    }

    @Test
    void ubuntuIsCasperWithOneGrubCfgForBothFirmwaresAndItsEfiImageAnAppendedGptPartition() throws IOException {
        Layout layout = isos.ubuntu();
        Path iso = layout.iso();
        String setup = bootSetup(iso);
        assertThat(setup).contains("-partition_offset 16", "--mbr-force-bootable", "-appended_part_as_gpt",
                "-b '/boot/grub/i386-pc/eltorito.img'", "-e '--interval:appended_partition_2");
        // the ESP type GUID in its on-disk byte order, and the ISO partition typed "basic data", as on Ubuntu's ISOs
        assertThat(setup).contains("-append_partition 2 28732ac11ff8d211ba4b00a0c93ec93b",
                "-iso_mbr_part_type a2a0d0ebe5b9334487c068b6b72699c7");
        assertThat(Tool.run("sfdisk", "--dump", iso.toString()).ok().stdout()).contains("label: gpt");

        LiveFamily f = detect(iso);
        assertThat(f.family()).isEqualTo(Family.UBUNTU_CASPER);
        assertThat(f.evidence()).containsExactly("/casper/filesystem.squashfs", "/.disk/casper-uuid-generic");
        assertThat(f.rootImage()).isEqualTo("/casper/filesystem.squashfs");
        assertThat(f.volumeLabel()).isEqualTo(FamilyLayoutIsos.UBUNTU_LABEL);
        assertThat(f.hybrid()).isTrue();
        assertAppendedEspIsTheEfiImage(iso, f, layout, FamilyLayoutIsos.ESP_TYPE);
        // Signed GRUB searches /.disk/info and reads the ISO 9660 grub.cfg: nothing inside the FAT is listed.
        assertThat(f.bootConfigs()).extracting(BootConfig::path, BootConfig::insideEfiImage, BootConfig::loader,
                BootConfig::firmware).containsExactly(
                        tuple("/boot/grub/grub.cfg", false, Loader.GRUB, Set.of(Firmware.BIOS, Firmware.UEFI)));
        BootConfig grub = config(f, "/boot/grub/grub.cfg", false);
        assertThat(grub.kernelLines()).extracting(KernelLine::kernel, KernelLine::optionsText, KernelLine::line)
                .containsExactly(
                        tuple("/casper/vmlinuz", "file=/cdrom/preseed/ubuntu.seed maybe-ubiquity quiet splash ---", 10),
                        tuple("/casper/vmlinuz",
                                "nomodeset file=/cdrom/preseed/ubuntu.seed maybe-ubiquity quiet splash ---", 15),
                        tuple("/boot/memtest86+.bin", "", 28));
        assertThat(f.family().supportsSeparateHome()).isTrue();
        assertThat(f.family().supportsProfiles()).isFalse();
    }

    @Test
    void archRelengIsFoundByItsSearchUuidWithSyslinuxAndTheSystemdBootEntriesInsideTheEfiPartition()
            throws IOException {
        Layout layout = isos.arch();
        Path iso = layout.iso();
        String setup = bootSetup(iso);
        assertThat(setup).contains("-isohybrid-mbr", "-partition_offset 16", "--mbr-force-bootable",
                "-append_partition 2 0xef", "-b '/boot/syslinux/isolinux.bin'");
        assertThat(Tool.run("xorriso", "-indev", iso.toString(), "-report_el_torito", "plain").ok().output())
                .containsPattern("El Torito boot img :\\s+2\\s+UEFI");
        // archisosearchuuid= is the ISO's volume modification date as blkid (by-uuid) spells it.
        String blkid = Tool.run("blkid", "-p", "-o", "export", iso.toString()).ok().stdout();
        assertThat(blkid).contains("UUID=" + FamilyLayoutIsos.ARCH_UUID, "LABEL=" + FamilyLayoutIsos.ARCH_LABEL);

        LiveFamily f = detect(iso);
        assertThat(f.family()).isEqualTo(Family.ARCH_ARCHISO);
        assertThat(f.evidence()).containsExactly("/arch/x86_64/airootfs.sfs",
                "archisobasedir= in /boot/syslinux/archiso_sys-linux.cfg");
        assertThat(f.rootImage()).isEqualTo("/arch/x86_64/airootfs.sfs");
        // releng searches by uuid only: no label on any kernel line.
        assertThat(f.referencedLabels()).isEmpty();
        assertThat(f.hybrid()).isTrue();
        // isohybrid MBR: p1 (type 0, active) holds the ISO from sector 64, p2 (0xEF) is the FAT image after it
        assertThat(Tool.run("sfdisk", "--dump", iso.toString()).ok().stdout()).contains("label: dos")
                .containsPattern("iso1 : start=\\s*64, size=\\s*\\d+, type=0, bootable");
        assertAppendedEspIsTheEfiImage(iso, f, layout, "ef");
        assertThat(f.bootConfigs()).extracting(c -> c.describeLocation(f.efiImage()), BootConfig::firmware)
                .containsExactly(
                        tuple("/boot/syslinux/archiso_head.cfg", Set.of(Firmware.BIOS)),
                        tuple("/boot/syslinux/archiso_sys-linux.cfg", Set.of(Firmware.BIOS)),
                        tuple("/boot/syslinux/archiso_sys.cfg", Set.of(Firmware.BIOS)),
                        tuple("/boot/syslinux/archiso_tail.cfg", Set.of(Firmware.BIOS)),
                        tuple("/boot/syslinux/syslinux.cfg", Set.of(Firmware.BIOS)),
                        tuple("/loader/entries/01-archiso-x86_64-linux.conf", Set.of(Firmware.UEFI)),
                        tuple("/loader/entries/02-archiso-x86_64-speech-linux.conf", Set.of(Firmware.UEFI)),
                        tuple("inside EFI image (appended partition 2): /loader/entries/01-archiso-x86_64-linux.conf",
                                Set.of(Firmware.UEFI)),
                        tuple("inside EFI image (appended partition 2): /loader/entries/02-archiso-x86_64-speech-linux.conf",
                                Set.of(Firmware.UEFI)));
        String uuid = "archisosearchuuid=" + FamilyLayoutIsos.ARCH_UUID;
        assertThat(options(config(f, "/boot/syslinux/archiso_sys-linux.cfg", false))).containsExactly(
                "archisobasedir=arch " + uuid, "archisobasedir=arch " + uuid + " accessibility=on");
        assertThat(config(f, "/boot/syslinux/archiso_tail.cfg", false).kernelLines()).isEmpty();
        BootConfig inside = config(f, "/loader/entries/01-archiso-x86_64-linux.conf", true);
        assertThat(inside.read()).isTrue();
        assertThat(inside.loader()).isEqualTo(Loader.SYSTEMD_BOOT);
        assertThat(inside.kernelLines()).extracting(KernelLine::kernel, KernelLine::optionsText, KernelLine::line)
                .containsExactly(tuple("/arch/boot/x86_64/vmlinuz-linux", "archisobasedir=arch " + uuid, 5));
        assertThat(options(config(f, "/loader/entries/02-archiso-x86_64-speech-linux.conf", true)))
                .containsExactly("archisobasedir=arch " + uuid + " accessibility=on");
        assertThat(f.family().supportsSeparateHome()).isFalse();
        assertThat(f.family().supportsProfiles()).isTrue();
    }

    @Test
    void systemRescueIsAnIsohybridMbrIsoWhoseUefiGrubReadsGrubsrcdCfgOnIso9660() throws IOException {
        Layout layout = isos.systemRescue();
        Path iso = layout.iso();
        String setup = bootSetup(iso);
        assertThat(setup).contains("-isohybrid-mbr", "-isohybrid-gpt-basdat", "-b '/isolinux/isolinux.bin'",
                "-e '/EFI/archiso/efiboot.img'");
        JsonArray parts = partitions(iso);
        assertThat(Tool.run("sfdisk", "--dump", iso.toString()).ok().stdout()).contains("label: dos");

        LiveFamily f = detect(iso);
        assertThat(f.family()).isEqualTo(Family.SYSTEMRESCUE);
        assertThat(f.evidence()).containsExactly("/sysresccd/", "/sysrescue.d/");
        assertThat(f.rootImage()).isEqualTo("/sysresccd/x86_64/airootfs.sfs");
        assertThat(f.referencedLabels()).containsExactly(FamilyLayoutIsos.SYSRESCUE_LABEL);
        assertThat(f.volumeLabel()).isEqualTo(FamilyLayoutIsos.SYSRESCUE_LABEL);
        assertThat(f.hybrid()).isTrue();
        assertThat(f.efiImage().path()).isEqualTo("/EFI/archiso/efiboot.img");
        // -isohybrid-gpt-basdat makes the El Torito EFI image MBR partition 2 (type 0xEF) as well.
        JsonObject p2 = parts.get(1).getAsJsonObject();
        assertThat(p2.get("type").getAsString()).isEqualTo("ef");
        assertThat(p2.get("start").getAsLong() * 512).isEqualTo(f.efiImage().offset());
        assertThat(mtype(iso, f.efiImage().offset(), "/efi/boot/bootx64.efi"))
                .isEqualTo(layout.efiFiles().get("/efi/boot/bootx64.efi"));
        assertThat(f.bootConfigs()).extracting(BootConfig::path, BootConfig::firmware).containsExactly(
                tuple("/boot/grub/grubsrcd.cfg", Set.of(Firmware.UEFI)),
                tuple("/isolinux/isolinux.cfg", Set.of(Firmware.BIOS)),
                tuple("/sysresccd/boot/syslinux/sysresccd.cfg", Set.of(Firmware.BIOS)),
                tuple("/sysresccd/boot/syslinux/sysresccd_head.cfg", Set.of(Firmware.BIOS)),
                tuple("/sysresccd/boot/syslinux/sysresccd_sys.cfg", Set.of(Firmware.BIOS)),
                tuple("/sysresccd/boot/syslinux/sysresccd_tail.cfg", Set.of(Firmware.BIOS)));
        assertThat(config(f, "/sysresccd/boot/syslinux/sysresccd_sys.cfg", false).kernelLines())
                .extracting(KernelLine::kernel, KernelLine::optionsText).containsExactly(
                        tuple("boot/x86_64/vmlinuz", "archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed"),
                        tuple("boot/x86_64/vmlinuz",
                                "archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed copytoram"),
                        tuple("boot/x86_64/vmlinuz",
                                "archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed checksum"),
                        tuple("boot/x86_64/vmlinuz",
                                "archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed nomodeset"),
                        tuple("boot/x86_64/vmlinuz",
                                "archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed findroot"),
                        tuple("boot/x86_64/vmlinuz",
                                "archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed break"));
        // GRUB passes the label through a variable set at the top of the file.
        assertThat(options(config(f, "/boot/grub/grubsrcd.cfg", false))).containsExactly(
                "archisobasedir=sysresccd $archiso_param iomem=relaxed",
                "archisobasedir=sysresccd $archiso_param iomem=relaxed copytoram");
        assertThat(f.family().supportsSeparateHome()).isFalse();
    }

    @Test
    void eachRootImageIsARealSquashfsHoldingTheLiveRootTree() throws IOException {
        for (Layout layout : List.of(isos.ubuntu(), isos.arch(), isos.systemRescue())) {
            LiveFamily f = detect(layout.iso());
            Path copy = dir.resolve(layout.iso().getFileName() + ".sfs");
            Tool.run("xorriso", "-osirrox", "on", "-indev", layout.iso().toString(), "-extract", f.rootImage(),
                    copy.toString()).ok();
            assertThat(Tool.run("unsquashfs", "-l", copy.toString()).ok().stdout().lines().map(String::strip))
                    .as(f.rootImage()).contains("squashfs-root/etc/os-release", "squashfs-root/usr/bin/true");
        }
    }
}
