package org.stickwright.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.family.BootConfig;
import org.stickwright.engine.family.FamilyDetector;
import org.stickwright.engine.family.KernelLine;
import org.stickwright.engine.family.LiveFamily;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.FamilyLayoutIsos;
import org.stickwright.testing.FamilyLayoutIsos.Layout;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;
import org.stickwright.testing.WrittenStick;
import org.stickwright.testing.WrittenStick.Part;

/**
 * {@code stickwright create IMAGE TARGET --persistence 256M} (hybrid mode, run as a process) on
 * the Ubuntu, Arch and SystemRescue stand-ins of {@link FamilyLayoutIsos}, which this machine
 * cannot boot. What each family's initramfs and boot loaders will read is checked with the
 * reference tools, as exact text (persistence-mechanisms.md §4, §6, §8; issue #5):
 *
 * <ul>
 * <li>every boot path's configuration: the ISO 9660 tree read by xorriso and isoinfo from the
 * stick's first byte, by xorriso from partition 1 (the -partition_offset tree the kernel mounts),
 * and by our IsoImage; the EFI FAT image read by mtools at its partition's offset;</li>
 * <li>the partitions: sfdisk, sgdisk -v, blkid labels, e2fsck -fn and debugfs on each ext4 store;</li>
 * <li>what must not change: the ISO's own partitions, its uuid/label (archisosearchuuid=,
 * archisolabel= must still find it), Ubuntu's and SystemRescue's EFI image (the signed chain).</li>
 * </ul>
 */
@Tag(Tags.ORACLE)
class HybridFamilyLayoutsTest {
    private static final long MIB = 1 << 20;
    private static final String LINUX_FS = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

    @TempDir
    Path dir;
    private FamilyLayoutIsos isos;

    @BeforeEach
    void tools() {
        FamilyLayoutIsos.requireTools();
        Capabilities.requireTools(WrittenStick.TOOLS);
        isos = new FamilyLayoutIsos(dir);
    }

    // ---- the expected configurations ----------------------------------------------------

    /**
     * Ubuntu's grub.cfg after create: the default entry copied with {@code persistent} before
     * {@code ---} (casper hands what follows to the installed system), the original kept as the
     * plain entry; safe graphics and memtest untouched.
     */
    private static final String UBUNTU_GRUB_CFG = """
            set timeout=30

            loadfont unicode

            set menu_color_normal=white/black
            set menu_color_highlight=black/light-gray

            # stickwright: persistence profile persistent
            menuentry "Try or Install Ubuntu (persistent)" {
            	set gfxpayload=keep
            	linux	/casper/vmlinuz  file=/cdrom/preseed/ubuntu.seed maybe-ubiquity quiet splash persistent ---
            	initrd	/casper/initrd
            }
            # stickwright: live entry without persistence
            menuentry "Try or Install Ubuntu (no persistence)" {
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

    private static final String ARCH_UUID = FamilyLayoutIsos.ARCH_UUID;

    /** archiso's BIOS entries: cow_label= and always an explicit cow_directory= (§4.2's default-dir trap). */
    private static final String ARCH_SYS_LINUX_CFG = """
            # stickwright: persistence profile persistent
            LABEL arch64
            TEXT HELP
            Boot the Arch Linux install medium on BIOS.
            It allows you to install Arch Linux or perform system maintenance.
            ENDTEXT
            MENU LABEL Arch Linux install medium (x86_64, BIOS) (persistent)
            LINUX /arch/boot/x86_64/vmlinuz-linux
            INITRD /arch/boot/x86_64/initramfs-linux.img
            APPEND archisobasedir=arch archisosearchuuid=%1$s cow_label=persistence cow_directory=persistent
            # stickwright: live entry without persistence
            LABEL arch64-nopersist
            TEXT HELP
            Boot the Arch Linux install medium on BIOS.
            It allows you to install Arch Linux or perform system maintenance.
            ENDTEXT
            MENU LABEL Arch Linux install medium (x86_64, BIOS) (no persistence)
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

    private static final String ARCH_ENTRY_PERSISTENT = """
            title    Arch Linux install medium (x86_64, UEFI) (persistent)
            sort-key 01
            linux    /arch/boot/x86_64/vmlinuz-linux
            initrd   /arch/boot/x86_64/initramfs-linux.img
            options  archisobasedir=arch archisosearchuuid=%s cow_label=persistence cow_directory=persistent
            """.formatted(ARCH_UUID);

    private static final String ARCH_ENTRY_PLAIN = """
            title    Arch Linux install medium (x86_64, UEFI) (no persistence)
            sort-key 01
            linux    /arch/boot/x86_64/vmlinuz-linux
            initrd   /arch/boot/x86_64/initramfs-linux.img
            options  archisobasedir=arch archisosearchuuid=%s
            """.formatted(ARCH_UUID);

    private static final String ARCH_LOADER_CONF = """
            timeout 15
            default 01-archiso-x86_64-linux-stickwright-persistent.conf
            beep on
            """;

    /** SystemRescue's default BIOS entry as shipped, and what create makes of it (the rest of the file stays). */
    private static final String SYSRESCUE_DEFAULT_ENTRY = """
            LABEL sysresccd
            TEXT HELP
            Boot the SystemRescue live medium.
            ENDTEXT
            MENU LABEL Boot SystemRescue using default options
            LINUX boot/x86_64/vmlinuz
            INITRD boot/intel_ucode.img,boot/amd_ucode.img,boot/x86_64/sysresccd.img
            APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed
            """;

    private static final String SYSRESCUE_DEFAULT_ENTRY_AFTER = """
            # stickwright: persistence profile persistent
            LABEL sysresccd
            TEXT HELP
            Boot the SystemRescue live medium.
            ENDTEXT
            MENU LABEL Boot SystemRescue using default options (persistent)
            LINUX boot/x86_64/vmlinuz
            INITRD boot/intel_ucode.img,boot/amd_ucode.img,boot/x86_64/sysresccd.img
            APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed cow_label=persistence cow_directory=persistent
            # stickwright: live entry without persistence
            LABEL sysresccd-nopersist
            TEXT HELP
            Boot the SystemRescue live medium.
            ENDTEXT
            MENU LABEL Boot SystemRescue using default options (no persistence)
            LINUX boot/x86_64/vmlinuz
            INITRD boot/intel_ucode.img,boot/amd_ucode.img,boot/x86_64/sysresccd.img
            APPEND archisobasedir=sysresccd archisolabel=RESCUE1100 iomem=relaxed
            """;

    /** GRUB's fallback=1 named the copytoram entry, which is now the third: fallback=2. */
    private static final String SYSRESCUE_GRUBSRCD_CFG = """
            # Global options
            set timeout=30
            set default=0
            set fallback=2
            set pager=1

            if [ -z "$archiso_param" ]; then
              set archiso_param="archisolabel=RESCUE1100"
            fi

            # stickwright: persistence profile persistent
            menuentry "Boot SystemRescue using default options (persistent)" {
                    set gfxpayload=keep
                    linux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd $archiso_param iomem=relaxed cow_label=persistence cow_directory=persistent
                    initrd /sysresccd/boot/intel_ucode.img /sysresccd/boot/amd_ucode.img /sysresccd/boot/x86_64/sysresccd.img
            }
            # stickwright: live entry without persistence
            menuentry "Boot SystemRescue using default options (no persistence)" {
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

    // ---- helpers ------------------------------------------------------------------------

    /** Runs {@code stickwright create ISO TARGET --persistence 256M --size 512M ARGS --yes --seed 7}. */
    private Tool.Result create(Layout layout, Path target, String... args) {
        List<String> command = new ArrayList<>(List.of("create", layout.iso().toString(), target.toString(),
                "--persistence", "256M"));
        if (!Files.exists(target)) {
            command.addAll(List.of("--size", "512M"));
        }
        command.addAll(Arrays.asList(args));
        command.addAll(List.of("--yes", "--seed", "7"));
        return CliProcess.run(120, command.toArray(String[]::new));
    }

    private WrittenStick created(Layout layout, String... args) throws IOException {
        Path target = dir.resolve(layout.iso().getFileName() + ".stick");
        Tool.Result result = create(layout, target, args);
        assertThat(result.exitCode()).as(result.output()).isZero();
        Path scratch = Files.createDirectories(dir.resolve("readback-" + target.getFileName()));
        return new WrittenStick(target, scratch);
    }

    /** The ISO's own partition table, as sfdisk reads it from the ISO file. */
    private WrittenStick original(Layout layout) {
        return new WrittenStick(layout.iso(), dir);
    }

    /** A file read four ways: xorriso and isoinfo from the disk's start, our IsoImage, and xorriso from partition 1. */
    private static void assertIsoFileEverywhere(WrittenStick stick, String path, String expected) throws IOException {
        assertThat(stick.isoFileByXorriso(path)).as("xorriso: " + path).isEqualTo(expected);
        assertThat(stick.isoFileByIsoinfo(path)).as("isoinfo: " + path).isEqualTo(expected);
        try (ImageFile file = ImageFile.openReadOnly(stick.image())) {
            IsoImage iso = IsoImage.open(file);
            assertThat(text(iso, path)).as("IsoImage: " + path).isEqualTo(expected);
            for (long offset : iso.partitionSetOffsets()) {
                // read as the kernel reads /dev/sdX1: nothing past the partition's end
                Part holder = stick.partitions().stream().filter(p -> p.start() == offset).findFirst()
                        .orElseThrow(() -> new AssertionError("no partition starts at the tree at " + offset));
                BlockDevice partition = file.slice(offset, holder.size());
                assertThat(text(IsoImage.open(partition), path)).as("IsoImage, tree at " + offset + ": " + path)
                        .isEqualTo(expected);
            }
        }
        assertThat(stick.isoFileInPartition(1, path)).as("xorriso, partition 1: " + path).isEqualTo(expected);
    }

    private static String text(IsoImage iso, String path) throws IOException {
        return new String(iso.readAll(iso.find(path).orElseThrow(() -> new AssertionError(path + " missing"))),
                StandardCharsets.UTF_8);
    }

    /** The ISO's partitions are still there, unchanged, and every file of the ISO still lists. */
    private static void assertIsoIntact(WrittenStick stick, WrittenStick iso, Layout layout, int isoPartitions) {
        assertThat(stick.partitions().subList(0, isoPartitions)).isEqualTo(iso.partitions());
        // sfdisk finds nothing wrong that the ISO as shipped does not already have (isohybrid's p1 holds p2)
        assertThat(stick.sfdiskProblems()).isEqualTo(iso.sfdiskProblems());
        assertThat(stick.isoTreeByXorriso()).containsAll(layout.isoFiles().keySet());
    }

    /** An ext4 store: label, exact size, 1 MiB aligned, e2fsck -fn clean; returns its extracted image. */
    private static Path assertExt4Store(WrittenStick stick, String label, long size) {
        Part part = stick.partitionLabelled(label)
                .orElseThrow(() -> new AssertionError("no partition labelled " + label + ": " + stick.partitions()));
        assertThat(stick.blkid(part, "TYPE")).isEqualTo("ext4");
        assertThat(part.size()).isEqualTo(size);
        assertThat(part.start() % MIB).isZero();
        Path ext4 = stick.extract(part);
        assertThat(WrittenStick.e2fsckClean(ext4)).contains(label + ":");
        return ext4;
    }

    private static void assertCowDirectory(Path ext4, String directory) {
        assertThat(WrittenStick.ext4Names(ext4, "/" + directory)).containsExactlyInAnyOrder("upperdir", "workdir");
    }

    private static void assertSgdiskClean(WrittenStick stick) {
        assertThat(stick.sgdiskVerify()).contains("No problems found");
    }

    private static byte[] bytes(Path image, long offset, long length) throws IOException {
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            return file.readBytes(offset, Math.toIntExact(length));
        }
    }

    // ---- Ubuntu -------------------------------------------------------------------------

    @Test
    void ubuntuGetsPersistentBeforeTheTripleDashAndAWritablePartitionWhileItsEfiPartitionStaysAsShipped()
            throws IOException {
        Layout layout = isos.ubuntu();
        WrittenStick iso = original(layout);
        WrittenStick stick = created(layout);

        assertThat(stick.tableKind()).isEqualTo("gpt");
        assertSgdiskClean(stick);
        assertIsoIntact(stick, iso, layout, 3);
        Path writable = assertExt4Store(stick, "writable", 256 * MIB);
        assertThat(stick.partitionLabelled("writable").orElseThrow().type()).isEqualTo(LINUX_FS);
        // casper's layout: /upper and /work at the root of the "writable" filesystem
        assertThat(WrittenStick.ext4Names(writable, "/")).containsExactlyInAnyOrder("lost+found", "upper", "work");

        // one grub.cfg serves BIOS (eltorito.img) and UEFI (signed GRUB searching /.disk/info)
        assertIsoFileEverywhere(stick, "/boot/grub/grub.cfg", UBUNTU_GRUB_CFG);
        // the appended EFI partition (shim, signed GRUB) is byte for byte the one Ubuntu shipped
        Part esp = stick.partition(2);
        assertThat(esp.type()).isEqualTo(FamilyLayoutIsos.ESP_TYPE);
        assertThat(bytes(stick.image(), esp.start(), esp.size())).isEqualTo(Files.readAllBytes(layout.efiImageFile()));
        assertThat(stick.fatFile(esp.start(), "/EFI/boot/grubx64.efi"))
                .isEqualTo(layout.efiFiles().get("/EFI/boot/grubx64.efi"));
        // the stick is still an Ubuntu live medium to our own detector, now with the persistent entry
        try (ImageFile file = ImageFile.openReadOnly(stick.image())) {
            LiveFamily f = FamilyDetector.detect(IsoImage.open(file));
            assertThat(f.family()).isEqualTo(org.stickwright.engine.family.Family.UBUNTU_CASPER);
            assertThat(f.hybrid()).isTrue();
            assertThat(f.kernelLines()).filteredOn(k -> k.has("persistent")).singleElement()
                    .satisfies(k -> assertThat(k.options().subList(k.options().size() - 2, k.options().size()))
                            .containsExactly("persistent", "---"));
        }
    }

    @Test
    void ubuntu2404LinesWhoseOptionsFollowTheTripleDashGetPersistentRightAfterTheKernel() throws IOException {
        Layout layout = isos.ubuntu(FamilyLayoutIsos.UBUNTU_NOBLE_GRUB_CFG);
        WrittenStick stick = created(layout);
        assertSgdiskClean(stick);
        assertIsoFileEverywhere(stick, "/boot/grub/grub.cfg", """
                set timeout=30

                loadfont unicode

                # stickwright: persistence profile persistent
                menuentry "Try or Install Ubuntu (persistent)" {
                	set gfxpayload=keep
                	linux	/casper/vmlinuz persistent  --- quiet splash
                	initrd	/casper/initrd
                }
                # stickwright: live entry without persistence
                menuentry "Try or Install Ubuntu (no persistence)" {
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
    }

    @Test
    void aGrubCfgThatOutgrowsItsLastBlockIsRelocatedAndBothIsoTreesFollowIt() throws IOException {
        // a remix's longer menu: 1,900 bytes, so the edit (+330 bytes) cannot stay in the file's one block
        StringBuilder notes = new StringBuilder();
        while (notes.length() < 1900 - FamilyLayoutIsos.UBUNTU_GRUB_CFG.length()) {
            notes.append("# remix note ").append(notes.length()).append(": keep the menu readable on 80 columns\n");
        }
        String anchor = "loadfont unicode\n";
        String shipped = FamilyLayoutIsos.UBUNTU_GRUB_CFG.replace(anchor, anchor + notes);
        String expected = UBUNTU_GRUB_CFG.replace(anchor, anchor + notes);
        assertThat(shipped.length()).isLessThanOrEqualTo(2048);
        assertThat(expected.length()).isGreaterThan(2048);
        Layout layout = isos.ubuntu(shipped);
        WrittenStick stick = created(layout);
        assertSgdiskClean(stick);
        assertIsoFileEverywhere(stick, "/boot/grub/grub.cfg", expected);
        assertThat(stick.isoTreeByXorriso()).containsAll(layout.isoFiles().keySet());
    }

    @Test
    void aGrubCfgTooBigForTheFreeBlocksInsidePartitionOneIsRefusedAtPlanTimeAndNothingIsWritten() throws IOException {
        // 20 blocks shipped, 21 after the edit: partition 1 has only the dozen zero blocks after the
        // whole-disk descriptors free, and after it come the ESP and xorriso's padding
        StringBuilder notes = new StringBuilder();
        while (notes.length() < 20 * 2048 - 200 - FamilyLayoutIsos.UBUNTU_GRUB_CFG.length()) {
            notes.append("# remix note ").append(notes.length()).append(": keep the menu readable on 80 columns\n");
        }
        String anchor = "loadfont unicode\n";
        Layout layout = isos.ubuntu(FamilyLayoutIsos.UBUNTU_GRUB_CFG.replace(anchor, anchor + notes));
        Path target = dir.resolve("too-big-grub.stick");
        Tool.Result result = create(layout, target);
        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        assertThat(result.stderr()).contains("/boot/grub/grub.cfg", "outside the partition");
        assertThat(target).doesNotExist();
    }

    @Test
    void ubuntuHomeIsAPartitionLabelledHomeRwWhichCasperMountsByLabel() throws IOException {
        Layout layout = isos.ubuntu();
        WrittenStick stick = created(layout, "--home", "128M");
        assertSgdiskClean(stick);
        assertExt4Store(stick, "writable", 256 * MIB);
        Path home = assertExt4Store(stick, "home-rw", 128 * MIB);
        assertThat(WrittenStick.ext4Names(home, "/")).containsOnly("lost+found");
        // casper finds home-rw by its label: the kernel line needs nothing more than "persistent"
        assertIsoFileEverywhere(stick, "/boot/grub/grub.cfg", UBUNTU_GRUB_CFG);
    }

    @Test
    void ubuntuRefusesProfilesNamingCasperAndWritesNothing() throws IOException {
        Layout layout = isos.ubuntu();
        Path target = dir.resolve("refused.stick");
        Tool.Result result = create(layout, target, "--profile", "work=64M");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        assertThat(result.stderr()).contains("--profile", "casper", "writable");
        assertThat(target).doesNotExist();
    }

    // ---- Arch ---------------------------------------------------------------------------

    @Test
    void archGetsCowLabelAndCowDirectoryInSyslinuxAndInTheSystemdBootEntriesInsideTheEfiPartition()
            throws IOException {
        Layout layout = isos.arch();
        WrittenStick iso = original(layout);
        WrittenStick stick = created(layout);

        // isohybrid MBR kept: p1 (the ISO, type 0, active) and p2 (0xEF) as shipped, the store is p3
        assertThat(stick.tableKind()).isEqualTo("dos");
        assertSgdiskClean(stick);
        assertIsoIntact(stick, iso, layout, 2);
        // mkarchiso's deliberately invalid GPT is zeroed: nothing may read a table without the new partitions
        assertThat(new String(bytes(stick.image(), 512, 8), StandardCharsets.US_ASCII)).isNotEqualTo("EFI PART");
        Path store = assertExt4Store(stick, "persistence", 256 * MIB);
        assertThat(stick.partitionLabelled("persistence").orElseThrow().type()).isEqualTo("83");
        assertCowDirectory(store, "persistent");
        // archisosearchuuid= still finds the ISO: partition 1 keeps the volume's uuid (and label)
        Part p1 = stick.partition(1);
        assertThat(stick.blkid(p1, "UUID")).isEqualTo(ARCH_UUID);
        assertThat(stick.blkid(p1, "LABEL")).isEqualTo(FamilyLayoutIsos.ARCH_LABEL);

        assertIsoFileEverywhere(stick, "/boot/syslinux/archiso_sys-linux.cfg", ARCH_SYS_LINUX_CFG);
        // systemd-boot reads loader/ in the FAT partition it started from
        long esp = stick.partition(2).start();
        assertThat(stick.fatDirectory(esp, "/loader/entries")).containsExactlyInAnyOrder(
                "::/loader/entries/01-archiso-x86_64-linux.conf",
                "::/loader/entries/01-archiso-x86_64-linux-stickwright-persistent.conf",
                "::/loader/entries/02-archiso-x86_64-speech-linux.conf");
        assertThat(stick.fatFile(esp, "/loader/entries/01-archiso-x86_64-linux-stickwright-persistent.conf"))
                .isEqualTo(ARCH_ENTRY_PERSISTENT);
        assertThat(stick.fatFile(esp, "/loader/entries/01-archiso-x86_64-linux.conf")).isEqualTo(ARCH_ENTRY_PLAIN);
        assertThat(stick.fatFile(esp, "/loader/entries/02-archiso-x86_64-speech-linux.conf"))
                .isEqualTo(FamilyLayoutIsos.ARCH_ENTRY_SPEECH);
        assertThat(stick.fatFile(esp, "/loader/loader.conf")).isEqualTo(ARCH_LOADER_CONF);
        assertThat(stick.fatFile(esp, "/EFI/BOOT/BOOTx64.EFI")).isEqualTo(layout.efiFiles().get("/EFI/BOOT/BOOTx64.EFI"));
        Tool.run("fsck.fat", "-n", stick.extract(stick.partition(2)).toString()).ok();

        // our own detector, run on the stick, reads the same entries through the ESP
        try (ImageFile file = ImageFile.openReadOnly(stick.image())) {
            LiveFamily f = FamilyDetector.detect(IsoImage.open(file));
            assertThat(f.bootConfigs().stream().filter(BootConfig::insideEfiImage)
                    .flatMap(c -> c.kernelLines().stream()).map(KernelLine::optionsText)).containsExactlyInAnyOrder(
                            "archisobasedir=arch archisosearchuuid=" + ARCH_UUID,
                            "archisobasedir=arch archisosearchuuid=" + ARCH_UUID
                                    + " cow_label=persistence cow_directory=persistent",
                            "archisobasedir=arch archisosearchuuid=" + ARCH_UUID + " accessibility=on");
        }
    }

    /** (cow_label, cow_directory) of every persistent entry in a syslinux or systemd-boot text. */
    private static List<String> cowStores(String text) {
        List<String> stores = new ArrayList<>();
        Matcher m = Pattern.compile("cow_label=(\\S+) cow_directory=(\\S+)").matcher(text);
        while (m.find()) {
            stores.add(m.group(1) + ":" + m.group(2));
        }
        return stores;
    }

    /** Every profile's store exists: a partition with that label holding directory/upperdir and workdir. */
    private static void assertStoresExist(WrittenStick stick, List<String> stores) {
        for (String store : stores) {
            String[] labelAndDirectory = store.split(":");
            Part part = stick.partitionLabelled(labelAndDirectory[0])
                    .orElseThrow(() -> new AssertionError("no partition labelled " + labelAndDirectory[0]));
            Path ext4 = stick.extract(part);
            WrittenStick.e2fsckClean(ext4);
            assertCowDirectory(ext4, labelAndDirectory[1]);
        }
    }

    @Test
    void anArchProfileGetsItsOwnEntryInBothBootPathsAndItsOwnStore() throws IOException {
        Layout layout = isos.arch();
        WrittenStick stick = created(layout, "--profile", "work=64M", "--data-fs", "none");
        assertSgdiskClean(stick);

        String bios = stick.isoFileInPartition(1, "/boot/syslinux/archiso_sys-linux.cfg");
        assertThat(bios).contains("LABEL arch64-persistent-work\n",
                "MENU LABEL Arch Linux install medium (x86_64, BIOS) (persistent: work)\n");
        long esp = stick.partition(2).start();
        String efi = stick.fatFile(esp, "/loader/entries/01-archiso-x86_64-linux-stickwright-persistent-work.conf");
        assertThat(efi).startsWith("title    Arch Linux install medium (x86_64, UEFI) (persistent: work)\n");
        // the same two stores, in the same order, on both paths; two different stores, each real
        List<String> stores = cowStores(bios);
        assertThat(stores).hasSize(2).doesNotHaveDuplicates().first().isEqualTo("persistence:persistent");
        assertThat(cowStores(stick.fatFile(esp,
                "/loader/entries/01-archiso-x86_64-linux-stickwright-persistent.conf") + efi)).isEqualTo(stores);
        assertStoresExist(stick, stores);
    }

    @Test
    void archTakesTwoProfilesAsTheIssueAsksThroughCowDirectory() throws IOException {
        Layout layout = isos.arch();
        WrittenStick stick = created(layout, "--profile", "work=64M", "--profile", "play=64M");
        assertSgdiskClean(stick);
        String bios = stick.isoFileInPartition(1, "/boot/syslinux/archiso_sys-linux.cfg");
        List<String> stores = cowStores(bios);
        assertThat(stores).containsExactly("persistence:persistent", "persistence:work", "persistence:play");
        long esp = stick.partition(2).start();
        assertThat(stick.fatDirectory(esp, "/loader/entries")).hasSize(5);
        String efi = stick.fatFile(esp, "/loader/entries/01-archiso-x86_64-linux-stickwright-persistent.conf")
                + stick.fatFile(esp, "/loader/entries/01-archiso-x86_64-linux-stickwright-persistent-work.conf")
                + stick.fatFile(esp, "/loader/entries/01-archiso-x86_64-linux-stickwright-persistent-play.conf");
        assertThat(cowStores(efi)).isEqualTo(stores);
        assertThat(bios).contains("MENU LABEL Arch Linux install medium (x86_64, BIOS) (persistent: play)\n");
        // one partition holds all three stores, sized 256M + 64M + 64M; the MBR's last entry is
        // left for the data partition
        Path store = assertExt4Store(stick, "persistence", 384 * MIB);
        assertThat(WrittenStick.ext4Names(store, "/")).containsExactlyInAnyOrder("lost+found", "persistent", "work",
                "play");
        assertStoresExist(stick, stores);
        assertThat(stick.partitions()).hasSize(4);
        assertThat(stick.partition(4).type()).isEqualTo("c");
        assertThat(stick.blkid(stick.partition(4), "TYPE")).isEqualTo("vfat");
    }

    @Test
    void archAndSystemRescueRefuseHomeNamingTheFamilyAndWriteNothing() throws IOException {
        for (Layout layout : List.of(isos.arch(), isos.systemRescue())) {
            Path target = dir.resolve("home-" + layout.iso().getFileName());
            Tool.Result result = create(layout, target, "--home", "64M");
            assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
            assertThat(result.stderr()).contains("--home", "has no separate home");
            assertThat(target).doesNotExist();
        }
    }

    @Test
    void creatingAgainOnTheSameStickChangesNothing() throws IOException {
        Layout layout = isos.arch();
        WrittenStick stick = created(layout);
        Path copy = dir.resolve("first.stick");
        Tool.run("cp", "--sparse=always", stick.image().toString(), copy.toString()).ok();
        Tool.Result again = create(layout, stick.image());
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(Files.mismatch(copy, stick.image())).isEqualTo(-1L);
    }

    // ---- SystemRescue -------------------------------------------------------------------

    @Test
    void aSystemRescueProfileGetsItsOwnEntryInSyslinuxAndInGrubsrcdCfgAndItsOwnStore() throws IOException {
        Layout layout = isos.systemRescue();
        WrittenStick stick = created(layout, "--profile", "lab=64M", "--data-fs", "none");
        assertSgdiskClean(stick);
        String bios = stick.isoFileByXorriso("/sysresccd/boot/syslinux/sysresccd_sys.cfg");
        String uefi = stick.isoFileByXorriso("/boot/grub/grubsrcd.cfg");
        assertThat(bios).contains("LABEL sysresccd-persistent-lab\n",
                "MENU LABEL Boot SystemRescue using default options (persistent: lab)\n");
        assertThat(uefi).contains("menuentry \"Boot SystemRescue using default options (persistent: lab)\" {\n");
        List<String> stores = cowStores(bios);
        assertThat(stores).hasSize(2).doesNotHaveDuplicates().first().isEqualTo("persistence:persistent");
        assertThat(cowStores(uefi)).isEqualTo(stores);
        assertStoresExist(stick, stores);
    }

    @Test
    void systemRescueGetsCowParametersInSyslinuxAndInTheGrubCfgItsEfiLoaderReadsOnIso9660() throws IOException {
        Layout layout = isos.systemRescue();
        WrittenStick iso = original(layout);
        WrittenStick stick = created(layout);

        assertThat(stick.tableKind()).isEqualTo("dos");
        assertSgdiskClean(stick);
        assertIsoIntact(stick, iso, layout, 2);
        Path store = assertExt4Store(stick, "persistence", 256 * MIB);
        assertCowDirectory(store, "persistent");
        assertThat(stick.blkid(stick.partition(1), "LABEL")).isEqualTo(FamilyLayoutIsos.SYSRESCUE_LABEL);

        String shipped = FamilyLayoutIsos.SYSRESCUE_SYS_CFG;
        assertThat(shipped.indexOf(SYSRESCUE_DEFAULT_ENTRY)).isPositive()
                .isEqualTo(shipped.lastIndexOf(SYSRESCUE_DEFAULT_ENTRY));
        assertIsoFileEverywhere(stick, "/sysresccd/boot/syslinux/sysresccd_sys.cfg",
                shipped.replace(SYSRESCUE_DEFAULT_ENTRY, SYSRESCUE_DEFAULT_ENTRY_AFTER));
        assertIsoFileEverywhere(stick, "/boot/grub/grubsrcd.cfg", SYSRESCUE_GRUBSRCD_CFG);
        // what the entries do not need stays as shipped: the YAML, the loader chain, the EFI image
        for (String path : List.of("/sysrescue.d/100-defaults.yaml", "/isolinux/isolinux.cfg",
                "/sysresccd/boot/syslinux/sysresccd.cfg", "/boot/grub/loopback.cfg")) {
            assertThat(stick.isoFileByXorriso(path)).as(path).isEqualTo(layout.isoFiles().get(path));
        }
        Part esp = stick.partition(2);
        assertThat(esp.type()).isEqualTo("ef");
        assertThat(bytes(stick.image(), esp.start(), Files.size(layout.efiImageFile())))
                .isEqualTo(Files.readAllBytes(layout.efiImageFile()));
        assertThat(stick.fatFile(esp.start(), "/efi/boot/bootx64.efi"))
                .isEqualTo(layout.efiFiles().get("/efi/boot/bootx64.efi"));
    }
}
