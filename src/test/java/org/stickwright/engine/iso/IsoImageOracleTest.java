package org.stickwright.engine.iso;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** Our reader against xorriso's and isoinfo's view of the same images. */
@Tag(Tags.ORACLE)
class IsoImageOracleTest {
    static final Path GRUB_RESCUE = Path.of("/usr/lib/grub-rescue/grub-rescue-cdrom.iso");

    @TempDir
    static Path dir;
    static Path src;
    static Path iso;
    static Path offsetIso;

    @BeforeAll
    static void build() throws IOException {
        Capabilities.requireTools("xorriso", "isoinfo", "mkfs.fat", "mcopy");
        Capabilities.require(Files.exists(IsoFixtures.ISOHYBRID_MBR), "isolinux is not installed");
        src = IsoFixtures.sourceTree(dir);
        iso = IsoFixtures.buildIso(dir, src, "plain.iso");
        offsetIso = IsoFixtures.buildIso(dir, src, "offset.iso", "-partition_offset", "16");
    }

    private static TreeMap<String, String> ours(Path image, Path into) throws IOException {
        try (ImageFile device = ImageFile.openReadOnly(image)) {
            IsoImage.open(device).extract(new HostDirectoryTreeSink(into));
        }
        return IsoFixtures.describe(into);
    }

    @Test
    void extractionEqualsXorrisoOnGeneratedIso() throws IOException {
        TreeMap<String, String> expected = IsoFixtures.describe(IsoFixtures.xorrisoExtract(iso, dir.resolve("x1")));
        TreeMap<String, String> actual = ours(iso, dir.resolve("o1"));
        assertThat(actual).isEqualTo(expected);
        // The fixture really contains what the reader has to get right.
        assertThat(actual).containsKey(IsoFixtures.LONG_NAME).containsKey(IsoFixtures.UNICODE_NAME)
                .containsEntry("dangling-link", "link -> ../nowhere/at/all")
                .containsEntry("run.sh", expected.get("run.sh"))
                .containsKey("level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/bottom.txt");
        assertThat(actual.get("run.sh")).endsWith("rwxr-x---");
    }

    @Test
    void extractionEqualsXorrisoOnGrubRescueIso() throws IOException {
        Capabilities.require(Files.exists(GRUB_RESCUE), "grub-rescue-pc is not installed (" + GRUB_RESCUE + ")");
        TreeMap<String, String> expected = IsoFixtures.describe(
                IsoFixtures.xorrisoExtract(GRUB_RESCUE, dir.resolve("x2")));
        TreeMap<String, String> actual = ours(GRUB_RESCUE, dir.resolve("o2"));
        assertThat(actual).hasSizeGreaterThan(200).isEqualTo(expected);
    }

    @Test
    void deepDirectoriesRelocatedByRockRidgeReadAsXorrisoShowsThem() throws IOException {
        Path relocated = IsoFixtures.buildIso(dir, src, "relocated.iso", "-rr_reloc_dir", "RR_MOVED");
        String primary = Tool.run("isoinfo", "-f", "-i", relocated.toString()).ok().stdout();
        assertThat(primary).as("the fixture really relocates").contains("/RR_MOVED/LEVEL8");
        TreeMap<String, String> expected = IsoFixtures.describe(
                IsoFixtures.xorrisoExtract(relocated, dir.resolve("x4")));
        assertThat(ours(relocated, dir.resolve("o4"))).isEqualTo(expected)
                .containsKey("level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/bottom.txt")
                .doesNotContainKey("RR_MOVED");
    }

    /**
     * Files of 4 GiB and more are split into several records of one name; an image that size
     * is too slow to build here, so split a small file's record into two the same way
     * (flag 0x80 on the first, the second continuing two blocks later) and let xorriso judge.
     */
    @Test
    void multiExtentFileReadsAsXorrisoJoinsIt() throws IOException {
        Path split = dir.resolve("multi-extent.iso");
        Files.copy(iso, split);
        byte[] bytes = Files.readAllBytes(split);
        long record;
        long dataOffset;
        try (ImageFile device = ImageFile.openReadOnly(split)) {
            IsoEntry big = IsoImage.open(device).find("/boot/bios.img").orElseThrow();
            record = big.recordOffset();
            dataOffset = big.firstDataOffset();
        }
        int at = (int) record;
        int length = bytes[at] & 0xff;
        int blockStart = at - at % 2048;
        int used = blockStart;
        while (used < blockStart + 2048 && bytes[used] != 0) {
            used += bytes[used] & 0xff;
        }
        assertThat(blockStart + 2048 - used).as("room for one more record").isGreaterThanOrEqualTo(length);
        long total = Bytes.le32(bytes, at + 10);
        long firstPart = 2 * 2048;
        byte[] second = Arrays.copyOfRange(bytes, at, at + length);
        Bytes.putBoth32(second, 2, dataOffset / 2048 + 2);
        Bytes.putBoth32(second, 10, total - firstPart);
        System.arraycopy(bytes, at + length, bytes, at + 2 * length, used - (at + length));
        System.arraycopy(second, 0, bytes, at + length, length);
        Bytes.putBoth32(bytes, at + 10, firstPart);
        bytes[at + 25] |= (byte) 0x80;
        Files.write(split, bytes);

        TreeMap<String, String> expected = IsoFixtures.describe(IsoFixtures.xorrisoExtract(split, dir.resolve("x5")));
        assertThat(ours(split, dir.resolve("o5"))).isEqualTo(expected);
        try (ImageFile device = ImageFile.openReadOnly(split)) {
            IsoEntry big = IsoImage.open(device).find("/boot/bios.img").orElseThrow();
            assertThat(big.extents()).containsExactly(new IsoExtent(dataOffset, firstPart),
                    new IsoExtent(dataOffset + firstPart, total - firstPart));
            assertThat(big.size()).isEqualTo(Files.size(src.resolve("boot/bios.img")));
            assertThatThrownBy(() -> IsoPatcher.replace(device, "/boot/bios.img", new byte[1]))
                    .isInstanceOf(IOException.class).hasMessageContaining("multi-extent");
        }
    }

    @Test
    void partitionOffsetImageReadsTheSameAndExposesItsSecondSet() throws IOException {
        TreeMap<String, String> expected = IsoFixtures.describe(
                IsoFixtures.xorrisoExtract(offsetIso, dir.resolve("x3")));
        assertThat(ours(offsetIso, dir.resolve("o3"))).isEqualTo(expected);
        try (ImageFile device = ImageFile.openReadOnly(offsetIso)) {
            IsoImage image = IsoImage.open(device);
            assertThat(image.partitionSetOffsets()).containsExactly(16L * 2048);
            // The partition's own view (what mounting /dev/sdX1 reads) lists the same tree.
            IsoImage partition = IsoImage.open(device.slice(32768, device.size() - 32768));
            assertThat(paths(partition)).isEqualTo(paths(image));
        }
    }

    private static TreeSet<String> paths(IsoImage image) throws IOException {
        TreeSet<String> set = new TreeSet<>();
        for (IsoEntry e : image.walk()) {
            set.add(e.path() + " " + e.kind() + " " + (e.isFile() ? e.size() : 0));
        }
        return set;
    }

    @Test
    void jolietNamesEqualIsoinfo() throws IOException {
        // isoinfo prints Joliet names in a single-byte charset: compare with every non-ASCII
        // character folded to '_', and check the exact Unicode name separately.
        TreeSet<String> expected = new TreeSet<>();
        for (String line : Tool.run("isoinfo", "-J", "-f", "-i", iso.toString()).ok().stdout().split("\n")) {
            expected.add(asciiFold(line));
        }
        try (ImageFile device = ImageFile.openReadOnly(iso)) {
            IsoImage joliet = IsoImage.open(device, IsoImage.Naming.JOLIET);
            TreeSet<String> actual = new TreeSet<>();
            TreeSet<String> exact = new TreeSet<>();
            for (IsoEntry e : joliet.walk()) {
                actual.add(asciiFold(e.path()));
                exact.add(e.path());
            }
            assertThat(exact).contains("/" + IsoFixtures.UNICODE_NAME);
            assertThat(actual).isEqualTo(expected);
            IsoEntry cfg = joliet.find("/boot/grub/grub.cfg").orElseThrow();
            assertThat(joliet.readAll(cfg)).isEqualTo(Files.readAllBytes(src.resolve("boot/grub/grub.cfg")));
        }
    }

    private static String asciiFold(String s) {
        return s.codePoints().map(c -> c < 0x80 ? c : '_').collect(StringBuilder::new, StringBuilder::appendCodePoint,
                StringBuilder::append).toString();
    }

    @Test
    void primaryNamesEqualIsoinfoWithoutExtensions() throws IOException {
        TreeSet<String> expected = new TreeSet<>();
        for (String line : Tool.run("isoinfo", "-f", "-i", iso.toString()).ok().stdout().split("\n")) {
            expected.add(line.replaceAll(";1$", "").replaceAll("\\.$", ""));
        }
        try (ImageFile device = ImageFile.openReadOnly(iso)) {
            IsoImage primary = IsoImage.open(device, IsoImage.Naming.ISO9660);
            TreeSet<String> actual = new TreeSet<>();
            for (IsoEntry e : primary.walk()) {
                actual.add(e.path());
            }
            assertThat(actual).isEqualTo(expected);
        }
    }

    @Test
    void volumeFactsEqualIsoinfo() throws IOException {
        String info = Tool.run("isoinfo", "-d", "-i", iso.toString()).ok().stdout();
        try (ImageFile device = ImageFile.openReadOnly(iso)) {
            IsoVolume volume = IsoImage.open(device).volume();
            assertThat(volume.label()).isEqualTo(field(info, "Volume id")).isEqualTo("STICK_TEST");
            assertThat(volume.jolietLabel()).isEqualTo("STICK_TEST");
            assertThat(volume.publisher()).isEqualTo(field(info, "Publisher id"));
            assertThat(volume.volumeSpaceBlocks()).isEqualTo(Long.parseLong(field(info, "Volume size is")));
            assertThat(volume.volumeSpaceBytes()).isEqualTo(Files.size(iso));
            assertThat(volume.creationDate()).isNotNull();
            assertThat(volume.dataPreparer()).startsWith("XORRISO");
        }
    }

    private static String field(String info, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ":? ?(.*)$").matcher(info);
        assertThat(m.find()).as(name).isTrue();
        return m.group(1).trim();
    }

    @Test
    void elToritoEntriesEqualXorrisoReport() throws IOException {
        String report = Tool.run("xorriso", "-indev", iso.toString(), "-report_el_torito", "plain").ok().stdout();
        Pattern img = Pattern.compile("(?m)^El Torito boot img :\\s+(\\d+)\\s+(\\S+)\\s+(\\S)\\s+(\\S+)\\s+(\\S+)"
                + "\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)$");
        Matcher m = img.matcher(report);
        try (ImageFile device = ImageFile.openReadOnly(iso)) {
            IsoImage image = IsoImage.open(device);
            ElToritoCatalog catalog = image.elTorito().orElseThrow();
            int n = 0;
            while (m.find()) {
                ElToritoCatalog.BootEntry entry = catalog.entries().get(n++);
                assertThat(entry.platform()).isEqualTo(m.group(2).equals("UEFI") ? 0xEF : 0);
                assertThat(entry.bootable()).isEqualTo(m.group(3).equals("y"));
                assertThat(entry.sectorCount()).isEqualTo(Integer.parseInt(m.group(7)));
                assertThat(entry.loadRba()).isEqualTo(Long.parseLong(m.group(8)));
            }
            assertThat(n).isEqualTo(2).isEqualTo(catalog.entries().size());
            IsoEntry efi = image.efiBootImage().orElseThrow();
            assertThat(efi.path()).isEqualTo("/boot/efiboot.img");
            byte[] fat = Files.readAllBytes(dir.resolve("efiboot.img"));
            IsoExtent extent = efi.extents().get(0);
            assertThat(extent.length()).isEqualTo(fat.length);
            assertThat(device.slice(extent.offset(), extent.length()).readBytes(0, fat.length)).isEqualTo(fat);
            assertThat(image.hybrid().isHybrid()).isTrue();
            assertThat(image.hybrid().gptHeader()).isTrue();
            assertThat(image.hybrid().isohybridStyle()).isEqualTo("syslinux");
            assertThat(image.hybrid().partitions()).anySatisfy(p -> assertThat(p.type()).isEqualTo(0xEF));
        }
    }

    @Test
    void grubRescueIsAGrub2HybridWithBiosBootOnly() throws IOException {
        Capabilities.require(Files.exists(GRUB_RESCUE), "grub-rescue-pc is not installed");
        String report = Tool.run("xorriso", "-indev", GRUB_RESCUE.toString(), "-report_el_torito", "plain",
                "-report_system_area", "plain").ok().stdout();
        try (ImageFile device = ImageFile.openReadOnly(GRUB_RESCUE)) {
            IsoImage image = IsoImage.open(device);
            ElToritoCatalog catalog = image.elTorito().orElseThrow();
            assertThat(report).contains("El Torito catalog  : " + catalog.catalogLba() + " ");
            assertThat(report).containsPattern("El Torito boot img :\\s+1\\s+BIOS\\s+y\\s+none\\s+\\S+\\s+\\S+\\s+"
                    + catalog.defaultEntry().sectorCount() + "\\s+" + catalog.defaultEntry().loadRba());
            assertThat(image.efiBootImage()).isEmpty();
            HybridLayout hybrid = image.hybrid();
            assertThat(hybrid.isohybridStyle()).isEqualTo("grub2");
            assertThat(report).contains("grub2-mbr");
            assertThat(hybrid.partitions()).hasSize(1);
            assertThat(image.volume().label()).isEqualTo("ISOIMAGE");
            IsoEntry loader = image.find("/boot/grub/i386-pc/eltorito.img").orElseThrow();
            assertThat(loader.firstDataOffset()).isEqualTo(catalog.defaultEntry().loadRba() * 2048);
            Map<String, String> byPath = new TreeMap<>();
            for (IsoEntry e : image.walk()) {
                byPath.put(e.path(), e.kind().name());
            }
            assertThat(byPath).containsEntry("/boot/grub/grub.cfg", "FILE").containsEntry("/boot/grub", "DIRECTORY");
        }
    }
}
