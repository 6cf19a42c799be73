package org.stickwright.engine.family;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.stickwright.engine.squashfs.SquashfsFormatException;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * Each family's layout, built by the real tools (xorriso, mksquashfs, mkfs.ext4, mkfs.fat), is
 * recognised with the exact facts it carries; xorriso's own El Torito report checks the EFI
 * image's extent and unsquashfs checks what we say of the root image's inside.
 */
@Tag(Tags.ORACLE)
class FamilyDetectorTest {
    private static final Path GRUB_RESCUE = Path.of("/usr/lib/grub-rescue/grub-rescue-cdrom.iso");

    @TempDir
    Path dir;
    private LiveIsoFixtures fixtures;

    @BeforeEach
    void tools() {
        Capabilities.requireTools(LiveIsoFixtures.TOOLS);
        Capabilities.requireTools("unsquashfs", "sfdisk");
        Capabilities.require(Files.exists(LiveIsoFixtures.ISOLINUX_BIN), "package isolinux is not installed");
        fixtures = new LiveIsoFixtures(dir);
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

    /** xorriso's report of the El Torito EFI image: path, start LBA and size. */
    private static void assertEfiImageAsXorrisoReportsIt(Path iso, EfiImage efi) {
        String report = Tool.run("xorriso", "-indev", iso.toString(), "-report_el_torito", "plain").ok().output();
        String lba = Tool.run("xorriso", "-indev", iso.toString(), "-find", efi.path(), "-exec", "report_lba", "--")
                .ok().output();
        assertThat(report).containsPattern("El Torito img path :\\s+\\d+\\s+" + java.util.regex.Pattern.quote(efi.path()));
        var match = java.util.regex.Pattern.compile("File data lba:\\s+0\\s*,\\s*(\\d+)\\s*,\\s*\\d+\\s*,\\s*(\\d+)")
                .matcher(lba);
        assertThat(match.find()).as(lba).isTrue();
        assertThat(efi.offset()).isEqualTo(Long.parseLong(match.group(1)) * 2048);
        assertThat(efi.length()).isEqualTo(Long.parseLong(match.group(2)));
    }

    /** unsquashfs -l of the root image extracted by xorriso: does it list squashfs-root/LiveOS/rootfs.img? */
    private boolean unsquashfsListsRootfsImg(Path iso, String image) {
        Path copy = dir.resolve("extracted-" + iso.getFileName() + ".sqfs");
        Tool.run("xorriso", "-osirrox", "on", "-indev", iso.toString(), "-extract", image, copy.toString()).ok();
        return Tool.run("unsquashfs", "-l", copy.toString()).ok().stdout().lines()
                .anyMatch(l -> l.strip().equals("squashfs-root/LiveOS/rootfs.img"));
    }

    @Test
    void fedoraWithAFlatSquashfsAllowsOnlyOverlayfsOverlays() throws IOException {
        Path iso = fixtures.fedoraFlat();
        LiveFamily f = detect(iso);
        assertThat(f.family()).isEqualTo(Family.FEDORA_DRACUT);
        assertThat(f.evidence()).containsExactly("/LiveOS/squashfs.img", "root=live:CDLABEL= in /EFI/BOOT/grub.cfg");
        assertThat(f.volumeLabel()).isEqualTo(LiveIsoFixtures.FEDORA_LABEL);
        assertThat(f.referencedLabels()).containsExactly(LiveIsoFixtures.FEDORA_LABEL);
        assertThat(f.labelsConsistent()).isTrue();
        assertThat(f.rootImage()).isEqualTo("/LiveOS/squashfs.img");
        assertThat(unsquashfsListsRootfsImg(iso, "/LiveOS/squashfs.img")).isFalse();
        assertThat(f.rootImageLayout()).isEqualTo(RootImageLayout.FLAT_SQUASHFS);
        assertThat(f.overlayKinds()).containsExactly(OverlayKind.OVERLAYFS_DIRECTORY,
                OverlayKind.OVERLAYFS_EMBEDDED_IMAGE);
        assertThat(f.hybrid()).isTrue();
        assertThat(f.efiImage().path()).isEqualTo("/images/efiboot.img");
        assertEfiImageAsXorrisoReportsIt(iso, f.efiImage());

        assertThat(f.bootConfigs()).extracting(BootConfig::path).containsExactly(
                "/EFI/BOOT/grub.cfg", "/isolinux/isolinux.cfg", "/EFI/BOOT/grub.cfg");
        BootConfig isolinux = config(f, "/isolinux/isolinux.cfg", false);
        assertThat(isolinux.loader()).isEqualTo(Loader.SYSLINUX);
        assertThat(isolinux.firmware()).containsExactly(Firmware.BIOS);
        assertThat(isolinux.kernelLines()).extracting(KernelLine::kernel).containsExactly("vmlinuz", "vmlinuz");
        assertThat(options(isolinux)).containsExactly(
                "initrd=initrd.img root=live:CDLABEL=Fedora-WS-Live-40-1-14 rd.live.image quiet rhgb",
                "initrd=initrd.img root=live:CDLABEL=Fedora-WS-Live-40-1-14 rd.live.image rd.live.check quiet");
        assertThat(isolinux.kernelLines()).extracting(KernelLine::line).containsExactly(7, 12);
        BootConfig efiOnIso = config(f, "/EFI/BOOT/grub.cfg", false);
        assertThat(efiOnIso.loader()).isEqualTo(Loader.GRUB);
        assertThat(efiOnIso.firmware()).containsExactly(Firmware.UEFI);
        assertThat(efiOnIso.read()).isTrue();
        assertThat(efiOnIso.kernelLines()).extracting(KernelLine::kernel)
                .containsExactly("/images/pxeboot/vmlinuz", "/images/pxeboot/vmlinuz");
        assertThat(efiOnIso.kernelLines().get(1).has("rd.live.check")).isTrue();
        BootConfig efiInside = config(f, "/EFI/BOOT/grub.cfg", true);
        // read by our FAT reader from the mkfs.fat image: the kernel lines the EFI GRUB really uses
        assertThat(efiInside.read()).isTrue();
        assertThat(efiInside.kernelLines()).extracting(KernelLine::optionsText)
                .isEqualTo(efiOnIso.kernelLines().stream().map(KernelLine::optionsText).toList());
        assertThat(efiInside.describeLocation(f.efiImage()))
                .isEqualTo("inside EFI image /images/efiboot.img: /EFI/BOOT/grub.cfg");
        assertThat(f.family().supportsSeparateHome()).isTrue();
        assertThat(f.family().supportsProfiles()).isTrue();
    }

    @Test
    void fedoraWithANestedRootfsImgAlsoAllowsADmSnapshotAndDecodesTheEscapedLabel() throws IOException {
        Path iso = fixtures.fedoraNested();
        LiveFamily f = detect(iso);
        assertThat(f.family()).isEqualTo(Family.FEDORA_DRACUT);
        assertThat(unsquashfsListsRootfsImg(iso, "/LiveOS/squashfs.img")).isTrue();
        assertThat(f.rootImageLayout()).isEqualTo(RootImageLayout.NESTED_ROOTFS_IMG);
        assertThat(f.overlayKinds()).containsExactly(OverlayKind.DM_SNAPSHOT, OverlayKind.OVERLAYFS_DIRECTORY,
                OverlayKind.OVERLAYFS_EMBEDDED_IMAGE);
        assertThat(f.volumeLabel()).isEqualTo("Fedora Live 20");
        assertThat(f.kernelLines()).allSatisfy(k -> assertThat(k.value("root")).hasValue("live:CDLABEL=Fedora\\x20Live\\x2020"));
        assertThat(f.referencedLabels()).containsExactly("Fedora Live 20");
        assertThat(f.labelsConsistent()).isTrue();
    }

    @Test
    void debianLiveReadsGrubCfgOnIso9660ForUefiThroughDiskInfo() throws IOException {
        Path iso = fixtures.debian();
        LiveFamily f = detect(iso);
        assertThat(f.family()).isEqualTo(Family.DEBIAN_LIVE);
        assertThat(f.evidence()).containsExactly("/live/filesystem.squashfs", "boot=live in /boot/grub/grub.cfg");
        assertThat(f.volumeLabel()).isEqualTo(LiveIsoFixtures.DEBIAN_LABEL);
        assertThat(f.referencedLabels()).isEmpty();
        assertThat(f.rootImage()).isEqualTo("/live/filesystem.squashfs");
        assertThat(f.rootImageLayout()).isNull();
        assertThat(f.overlayKinds()).isEmpty();
        assertThat(f.efiImage().path()).isEqualTo("/boot/grub/efi.img");
        assertEfiImageAsXorrisoReportsIt(iso, f.efiImage());
        assertThat(f.bootConfigs()).extracting(BootConfig::path).containsExactly("/boot/grub/grub.cfg",
                "/isolinux/isolinux.cfg", "/isolinux/live.cfg", "/isolinux/menu.cfg");
        assertThat(f.bootConfigs()).noneMatch(BootConfig::insideEfiImage);
        BootConfig grub = config(f, "/boot/grub/grub.cfg", false);
        assertThat(grub.firmware()).containsExactly(Firmware.UEFI);
        assertThat(grub.kernelLines()).extracting(KernelLine::kernel).containsOnly("/live/vmlinuz-6.1.0-18-amd64");
        assertThat(grub.kernelLines().get(0).options())
                .containsExactly("boot=live", "components", "quiet", "splash", "findiso=${iso_path}");
        BootConfig live = config(f, "/isolinux/live.cfg", false);
        assertThat(live.firmware()).containsExactly(Firmware.BIOS);
        assertThat(live.kernelLines()).hasSize(2);
        assertThat(options(live).get(0)).isEqualTo("boot=live components quiet splash findiso=${iso_path}");
        assertThat(config(f, "/isolinux/isolinux.cfg", false).kernelLines()).isEmpty();
        assertThat(f.family().supportsSeparateHome()).isTrue();
        assertThat(f.family().supportsProfiles()).isTrue();
    }

    @Test
    void ubuntuCasperIsRecognisedByItsSquashfsAndCasperUuidAndHasGrubForBothFirmwares() throws IOException {
        Path iso = fixtures.ubuntu();
        LiveFamily f = detect(iso);
        assertThat(f.family()).isEqualTo(Family.UBUNTU_CASPER);
        assertThat(f.evidence()).containsExactly("/casper/minimal.squashfs", "/.disk/casper-uuid-generic");
        assertThat(f.rootImage()).isEqualTo("/casper/minimal.squashfs");
        assertThat(f.volumeLabel()).isEqualTo(LiveIsoFixtures.UBUNTU_LABEL);
        assertThat(f.bootConfigs()).hasSize(1);
        BootConfig grub = config(f, "/boot/grub/grub.cfg", false);
        assertThat(grub.firmware()).containsExactlyInAnyOrder(Firmware.BIOS, Firmware.UEFI);
        assertThat(options(grub)).containsExactly("--- quiet splash", "nomodeset --- quiet splash");
        assertThat(f.hybrid()).isTrue();
        JsonObject p2 = JsonParser.parseString(Tool.run("sfdisk", "--json", iso.toString()).ok().stdout())
                .getAsJsonObject().getAsJsonObject("partitiontable").getAsJsonArray("partitions").get(1)
                .getAsJsonObject();
        assertThat(p2.get("type").getAsString()).isEqualTo("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
        assertThat(f.efiImage()).isEqualTo(new EfiImage("(appended partition 2)",
                p2.get("start").getAsLong() * 512, p2.get("size").getAsLong() * 512));
        assertThat(Tool.run("xorriso", "-indev", iso.toString(), "-report_el_torito", "plain").ok().output())
                .containsPattern("El Torito boot img :\\s+2\\s+UEFI\\s+y\\s+none\\s+\\S+\\s+\\S+\\s+\\d+\\s+"
                        + f.efiImage().offset() / 2048 + "\\b");
        assertThat(f.family().supportsSeparateHome()).isTrue();
        assertThat(f.family().supportsProfiles()).isFalse();
    }

    @Test
    void archisoListsSyslinuxAndSystemdBootEntriesAndTheEntriesInsideTheEfiImage() throws IOException {
        Path iso = fixtures.arch();
        LiveFamily f = detect(iso);
        assertThat(f.family()).isEqualTo(Family.ARCH_ARCHISO);
        assertThat(f.evidence()).containsExactly("/arch/x86_64/airootfs.sfs",
                "archisobasedir= in /boot/syslinux/archiso_sys-linux.cfg");
        assertThat(f.rootImage()).isEqualTo("/arch/x86_64/airootfs.sfs");
        assertThat(f.referencedLabels()).containsExactly("ARCH_202601");
        assertThat(f.labelsConsistent()).isTrue();
        assertThat(f.bootConfigs()).extracting(BootConfig::path).containsExactly(
                "/boot/syslinux/archiso_sys-linux.cfg", "/boot/syslinux/syslinux.cfg",
                "/loader/entries/01-archiso-linux.conf", "/loader/entries/01-archiso-linux.conf");
        BootConfig sys = config(f, "/boot/syslinux/archiso_sys-linux.cfg", false);
        assertThat(sys.kernelLines()).extracting(KernelLine::kernel)
                .containsExactly("/arch/boot/x86_64/vmlinuz-linux", "/arch/boot/x86_64/vmlinuz-linux");
        assertThat(options(sys)).containsExactly("archisobasedir=arch archisolabel=ARCH_202601",
                "archisobasedir=arch archisolabel=ARCH_202601 accessibility=on");
        assertThat(config(f, "/boot/syslinux/syslinux.cfg", false).kernelLines()).isEmpty();
        BootConfig entry = config(f, "/loader/entries/01-archiso-linux.conf", false);
        assertThat(entry.loader()).isEqualTo(Loader.SYSTEMD_BOOT);
        assertThat(entry.kernelLines()).singleElement().satisfies(k -> {
            assertThat(k.kernel()).isEqualTo("/arch/boot/x86_64/vmlinuz-linux");
            assertThat(k.value("archisolabel")).hasValue("ARCH_202601");
            assertThat(k.line()).isEqualTo(5);
        });
        BootConfig inside = config(f, "/loader/entries/01-archiso-linux.conf", true);
        assertThat(inside.describeLocation(f.efiImage()))
                .isEqualTo("inside EFI image /EFI/archiso/efiboot.img: /loader/entries/01-archiso-linux.conf");
        assertThat(inside.read()).isTrue();
        assertThat(inside.kernelLines()).singleElement().satisfies(k -> assertThat(k.value("archisolabel")).hasValue("ARCH_202601"));
        assertEfiImageAsXorrisoReportsIt(iso, f.efiImage());
        assertThat(f.family().supportsSeparateHome()).isFalse();
    }

    @Test
    void systemRescueIsArchisoWithItsOwnDirectoriesAndReadsGrubsrcdCfgOnUefi() throws IOException {
        Path iso = fixtures.systemRescue();
        LiveFamily f = detect(iso);
        assertThat(f.family()).isEqualTo(Family.SYSTEMRESCUE);
        assertThat(f.evidence()).containsExactly("/sysresccd/", "/sysrescue.d/");
        assertThat(f.rootImage()).isEqualTo("/sysresccd/x86_64/airootfs.sfs");
        assertThat(f.referencedLabels()).containsExactly("RESCUE1100");
        assertThat(f.hybrid()).isFalse();
        assertThat(f.bootConfigs()).extracting(BootConfig::path).containsExactly("/boot/grub/grubsrcd.cfg",
                "/isolinux/isolinux.cfg", "/sysresccd/boot/syslinux/sysresccd_sys.cfg");
        assertThat(config(f, "/boot/grub/grubsrcd.cfg", false).firmware()).containsExactly(Firmware.UEFI);
        assertThat(config(f, "/sysresccd/boot/syslinux/sysresccd_sys.cfg", false).firmware())
                .containsExactly(Firmware.BIOS);
        assertThat(f.kernelLines()).allSatisfy(k -> assertThat(k.value("archisobasedir")).hasValue("sysresccd"));
        assertThat(f.kernelLines()).hasSize(2);
        assertEfiImageAsXorrisoReportsIt(iso, f.efiImage());
    }

    @Test
    void fedora37WithGrubForBiosFindsBothGrubConfigsAndTheEfiImageInTheTree() throws IOException {
        Path iso = fixtures.fedora37();
        LiveFamily f = detect(iso);
        assertThat(f.family()).isEqualTo(Family.FEDORA_DRACUT);
        assertThat(f.hybrid()).isTrue();
        assertThat(f.rootImageLayout()).isEqualTo(RootImageLayout.FLAT_SQUASHFS);
        assertThat(f.referencedLabels()).containsExactly("Fedora-WS-Live-39-1-5");
        assertThat(f.bootConfigs()).extracting(c -> c.describeLocation(f.efiImage()), BootConfig::firmware)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("/EFI/BOOT/grub.cfg", Set.of(Firmware.UEFI)),
                        org.assertj.core.groups.Tuple.tuple("/boot/grub2/grub.cfg", Set.of(Firmware.BIOS)),
                        org.assertj.core.groups.Tuple.tuple("inside EFI image /images/efiboot.img: /EFI/BOOT/grub.cfg",
                                Set.of(Firmware.UEFI)));
        assertThat(f.efiImage().path()).isEqualTo("/images/efiboot.img");
        assertEfiImageAsXorrisoReportsIt(iso, f.efiImage());
    }

    @Test
    void anErofsRootImageIsFlatAndItsGrub2CfgIsListed() throws IOException {
        Capabilities.requireTools("mkfs.erofs");
        LiveFamily f = detect(fixtures.fedoraErofs());
        assertThat(f.family()).isEqualTo(Family.FEDORA_DRACUT);
        assertThat(f.rootImageLayout()).isEqualTo(RootImageLayout.FLAT_EROFS);
        assertThat(f.overlayKinds()).doesNotContain(OverlayKind.DM_SNAPSHOT).isNotEmpty();
        assertThat(f.efiImage()).isNull();
        BootConfig grub = config(f, "/boot/grub2/grub.cfg", false);
        assertThat(grub.firmware()).isEmpty();
        assertThat(grub.kernelLines()).singleElement()
                .satisfies(k -> assertThat(k.kernel()).isEqualTo("($root)/boot/x86_64/loader/linux"));
        assertThat(f.referencedLabels()).containsExactly("FEDORA_42");
    }

    @Test
    void aLiveDirectoryBootedByDracutIsTheDracutFamilyWithItsRdLiveDir() throws IOException {
        LiveFamily f = detect(fixtures.debianDracut());
        assertThat(f.family()).isEqualTo(Family.FEDORA_DRACUT);
        assertThat(f.evidence()).containsExactly("/live/filesystem.squashfs",
                "root=live:CDLABEL= in /boot/grub/grub.cfg");
        assertThat(f.rootImage()).isEqualTo("/live/filesystem.squashfs");
        assertThat(f.rootImageLayout()).isEqualTo(RootImageLayout.FLAT_SQUASHFS);
        assertThat(config(f, "/boot/grub/grub.cfg", false).firmware()).isEmpty();
    }

    @Test
    void aCorruptSquashfsIsReportedWithTheStructureNotGuessed() throws IOException {
        Path iso = fixtures.fedoraCorruptSquashfs();
        assertThatThrownBy(() -> detect(iso)).isInstanceOf(SquashfsFormatException.class)
                .hasMessageContaining("at byte");
    }

    @Test
    void aDataIsoWithALiveDirectoryButNoLiveSystemIsUnknown() throws IOException {
        LiveFamily f = detect(fixtures.plainData());
        assertThat(f.family()).isEqualTo(Family.UNKNOWN);
        assertThat(f.isKnown()).isFalse();
        assertThat(f.evidence()).isEmpty();
        assertThat(f.volumeLabel()).isEqualTo("DATA_DISC");
        assertThat(f.efiImage()).isNull();
        assertThat(f.bootConfigs()).isEmpty();
        assertThat(f.hybrid()).isFalse();
    }

    @Test
    void theRealGrubRescueIsoIsUnknownWithItsLabel() throws IOException {
        Capabilities.require(Files.exists(GRUB_RESCUE), "package grub-rescue-pc is not installed");
        LiveFamily f = detect(GRUB_RESCUE);
        String volumeId = Tool.run("xorriso", "-indev", GRUB_RESCUE.toString(), "-pvd_info").output().lines()
                .filter(l -> l.startsWith("Volume Id")).findFirst().orElseThrow()
                .replaceFirst("Volume Id\\s*:\\s*", "").trim();
        assertThat(f.family()).isEqualTo(Family.UNKNOWN);
        assertThat(f.volumeLabel()).isEqualTo(volumeId);
        assertThat(f.hybrid()).isTrue();
        assertThat(f.overlayKinds()).isEmpty();
        BootConfig grub = config(f, "/boot/grub/grub.cfg", false);
        assertThat(grub.firmware()).isEqualTo(Set.of(Firmware.BIOS));
        assertThat(grub.kernelLines()).extracting(KernelLine::kernel).contains("/vmlinuz");
    }
}
