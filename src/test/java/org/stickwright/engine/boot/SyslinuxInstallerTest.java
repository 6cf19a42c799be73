package org.stickwright.engine.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.Capabilities;

/**
 * The SYSLINUX installer's arithmetic (extent list rules, checksums, ADV) and the reading of the
 * host's SYSLINUX binaries. The installer's result booting under SeaBIOS is proven by
 * {@code ExtractBootTest}.
 */
class SyslinuxInstallerTest {
    @TempDir
    Path dir;

    @Test
    void extentsSplitAt127SectorsAndAtGaps() {
        List<Long> sectors = new ArrayList<>(LongStream.range(1000, 1200).boxed().toList());
        sectors.add(5000L);
        List<long[]> extents = SyslinuxInstaller.extents(sectors);
        // 127 sectors is the most below 64 KiB; a gap starts a new extent
        assertThat(extents).extracting(e -> e[1]).containsExactly(127L, 73L, 1L);
        assertThat(extents).extracting(e -> e[0]).containsExactly(1000L, 1127L, 5000L);
    }

    @Property
    void extentsCoverEverySectorInOrderInRunsOfConsecutiveSectors(
            @ForAll @IntRange(min = 1, max = 400) int count, @ForAll @IntRange(min = 0, max = 40) int gapEvery,
            @ForAll @LongRange(min = 0, max = 1L << 40) long start) {
        List<Long> sectors = new ArrayList<>();
        long next = start;
        for (int i = 0; i < count; i++) {
            sectors.add(next);
            next += gapEvery > 0 && i % gapEvery == gapEvery - 1 ? 3 : 1;
        }
        List<long[]> extents = SyslinuxInstaller.extents(sectors);
        List<Long> covered = new ArrayList<>();
        for (int i = 0; i < extents.size(); i++) {
            long[] e = extents.get(i);
            assertThat(e[1]).isBetween(1L, 127L);
            if (i > 0 && e[1] > 0) {
                long[] previous = extents.get(i - 1);
                assertThat(previous[0] + previous[1] != e[0] || previous[1] == 127).as("runs are as long as they can be")
                        .isTrue();
            }
            for (long s = 0; s < e[1]; s++) {
                covered.add(e[0] + s);
            }
        }
        assertThat(covered).isEqualTo(sectors);
    }

    @Test
    void anEmptyAdvSectorCarriesItsMagicsAndChecksum() {
        ByteBuffer adv = ByteBuffer.wrap(SyslinuxInstaller.emptyAdv()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(adv.getInt(0)).isEqualTo(0x5A2D2FA5);
        assertThat(adv.getInt(508)).isEqualTo(0xDD28BF64);
        int sum = 0;
        for (int i = 8; i < 508; i += 4) {
            sum += adv.getInt(i);
        }
        assertThat(adv.getInt(4) + sum).isEqualTo(0xA3041767);
    }

    @Test
    void patchingPointsTheBootSectorAtTheLoaderAndBalancesTheChecksum() throws IOException {
        Capabilities.requireTools("syslinux");
        SyslinuxFiles files = SyslinuxFiles.fromHost().orElseThrow();
        assertThat(files.version()).matches("\\d+\\.\\d+");
        assertThat(files.ldlinuxSys().length % 512).isZero();
        byte[] loader = files.ldlinuxSys().clone();
        byte[] boot = files.bootSector().clone();
        int nsect = loader.length / 512 + 2;
        List<Long> sectors = LongStream.range(5000, 5000 + nsect).boxed().toList();
        SyslinuxInstaller.patch(loader, boot, sectors);

        ByteBuffer img = ByteBuffer.wrap(loader).order(ByteOrder.LITTLE_ENDIAN);
        int sum = 0;
        for (int i = 0; i < loader.length / 4; i++) {
            sum += img.getInt(4 * i);
        }
        assertThat(sum).as("dwords sum to LDLINUX_MAGIC").isEqualTo(SyslinuxFiles.LDLINUX_MAGIC);
        int pa = SyslinuxFiles.patchArea(loader);
        assertThat(img.getShort(pa + 8) & 0xFFFF).as("data sectors").isEqualTo(nsect - 2);
        assertThat(img.getShort(pa + 10)).as("ADV sectors").isEqualTo((short) 2);
        int epa = img.getShort(pa + 22) & 0xFFFF;
        ByteBuffer bs = ByteBuffer.wrap(boot).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bs.getInt(img.getShort(epa + 14) & 0xFFFF)).as("sector 1 pointer").isEqualTo(5000);
        int adv = img.getShort(epa) & 0xFFFF;
        assertThat(img.getLong(adv)).isEqualTo(5000L + nsect - 2);
        assertThat(img.getLong(adv + 8)).isEqualTo(5000L + nsect - 1);
        int secptr = img.getShort(epa + 10) & 0xFFFF;
        assertThat(img.getLong(secptr)).as("first extent").isEqualTo(5001);
    }

    @Test
    void aLoaderInTooFewSectorsIsRefused() throws IOException {
        Capabilities.requireTools("syslinux");
        SyslinuxFiles files = SyslinuxFiles.fromHost().orElseThrow();
        assertThatThrownBy(() -> SyslinuxInstaller.patch(files.ldlinuxSys().clone(), files.bootSector().clone(),
                List.of(1L, 2L, 3L))).isInstanceOf(IOException.class).hasMessageContaining("sectors");
    }

    @Test
    void aDirectoryWithoutSyslinuxFilesIsRefusedNamingWhatIsMissing() throws IOException {
        assertThatThrownBy(() -> SyslinuxFiles.fromDirectory(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("mbr.bin");
        Files.write(dir.resolve("mbr.bin"), new byte[440]);
        Files.write(dir.resolve("gptmbr.bin"), new byte[440]);
        Files.write(dir.resolve("ldlinux.bss"), new byte[512]);
        Files.write(dir.resolve("ldlinux.sys"), new byte[4096]);
        Files.write(dir.resolve("ldlinux.c32"), "not an elf".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> SyslinuxFiles.fromDirectory(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("ldlinux.bss");
        Files.write(dir.resolve("syslinux"), new byte[100_000]);
        Files.delete(dir.resolve("ldlinux.bss"));
        assertThatThrownBy(() -> SyslinuxFiles.fromDirectory(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("no SYSLINUX FAT boot sector");
    }

    @Test
    void theMenuOffersTheGrubEntriesUnderStableLabels() {
        String grub = """
                serial --unit=0 --speed=115200
                set timeout=3
                # stickwright: persistence profile persistent
                menuentry 'Live (persistent)' {
                \tlinux /vmlinuz root=live:UUID=1A2B-3C4D rd.live.overlay=UUID=1A2B-3C4D
                \tinitrd /initrd.img /extra.img
                }
                menuentry 'Live (persistent: work)' {
                \tlinux /vmlinuz rd.live.overlay=UUID=1A2B-3C4D:/LiveOS/overlay-work
                \tinitrd /initrd.img
                }
                submenu 'More' {
                \tmenuentry 'Hidden' { linux /other }
                }
                menuentry 'Live (no persistence)' --hotkey=1 {
                \tlinux /vmlinuz root=live:UUID=1A2B-3C4D
                \tinitrd /initrd.img
                }
                """;
        String cfg = SyslinuxMenu.fromGrub(grub.getBytes(StandardCharsets.UTF_8));
        assertThat(cfg).startsWith("serial 0 115200\nprompt 1\ntimeout 30\ndefault persistent\n")
                .contains("label persistent\n  menu label Live (persistent)\n  kernel /vmlinuz\n"
                        + "  append initrd=/initrd.img,/extra.img root=live:UUID=1A2B-3C4D rd.live.overlay=UUID=1A2B-3C4D\n")
                .contains("label persistent-work\n", "label live\n")
                .doesNotContain("Hidden", "/other");
    }
}
