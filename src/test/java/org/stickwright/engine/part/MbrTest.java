package org.stickwright.engine.part;

import org.stickwright.engine.io.MemoryBlockDevice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class MbrTest {
    /** Sector 0 as xorriso -isohybrid-gpt-basdat wrote it (entries only; boot code random). */
    private static byte[] isohybridSector() {
        byte[] sector = new byte[512];
        for (int i = 0; i < 440; i++) {
            sector[i] = (byte) (i * 7 + 3);
        }
        byte[] table = HexFormat.of().parseHex(
                "80000100003f20020000000000180000"
                        + "00000103ef3f20040018000000100000" + "00".repeat(32) + "55aa");
        System.arraycopy(table, 0, sector, 446, table.length);
        return sector;
    }

    @Test
    void parsesIsohybridTableAndKeepsTypeZeroEntryAsUsed() throws Exception {
        Mbr mbr = Mbr.parse(isohybridSector(), "test");
        MbrPartitionEntry iso = mbr.entries().get(0);
        assertThat(iso.type()).isZero();
        assertThat(iso.isActive()).isTrue();
        assertThat(iso.firstLba()).isZero();
        assertThat(iso.sectorCount()).isEqualTo(6144);
        assertThat(iso.isEmpty()).isFalse();
        assertThat(mbr.entries().get(1).type()).isEqualTo(MbrTypes.EFI_SYSTEM);
        assertThat(mbr.entries().get(1).firstLba()).isEqualTo(6144);
        assertThat(mbr.kind()).isEqualTo(Mbr.Kind.PLAIN);
        assertThat(mbr.firstFreeSlot()).isEqualTo(3);
    }

    @Test
    void encodeReproducesTheSectorByteForByte() throws Exception {
        byte[] sector = isohybridSector();
        assertThat(Mbr.parse(sector, "test").encode()).isEqualTo(sector);
    }

    @Test
    void chsOfTheClassicFirstPartitionMatchesFdisk() {
        // fdisk has written 20 21 00 for LBA 2048 since 2009: head 32, sector 33, cylinder 0.
        assertThat(MbrPartitionEntry.chs(2048)).isEqualTo(0x202100);
        assertThat(MbrPartitionEntry.chs(1024L * 255 * 63)).isEqualTo(0xFEFFFF);
        byte[] bytes = MbrPartitionEntry.of(MbrTypes.FAT32_LBA, 2048, 4096, true).encode();
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("80202100" + "0c" + MbrHex.chs(2048 + 4095) + "00080000" + "00100000");
    }

    @Test
    void kindDistinguishesProtectiveHybridAndPlain() {
        MbrPartitionEntry ee = MbrPartitionEntry.of(MbrTypes.GPT_PROTECTIVE, 1, 1000, false);
        MbrPartitionEntry efi = MbrPartitionEntry.of(MbrTypes.EFI_SYSTEM, 2048, 100, false);
        assertThat(Mbr.fresh(1, List.of(ee)).kind()).isEqualTo(Mbr.Kind.PROTECTIVE);
        assertThat(Mbr.fresh(1, List.of(ee, efi)).kind()).isEqualTo(Mbr.Kind.HYBRID);
        assertThat(Mbr.fresh(1, List.of(efi)).kind()).isEqualTo(Mbr.Kind.PLAIN);
        assertThat(Mbr.fresh(1, List.of()).kind()).isEqualTo(Mbr.Kind.EMPTY);
    }

    @Test
    void missingBootSignatureNamesStructureAndOffset() {
        byte[] sector = isohybridSector();
        sector[511] = 0;
        assertThatThrownBy(() -> Mbr.parse(sector, "stick"))
                .isInstanceOf(PartitionTableException.class)
                .hasMessageContaining("MBR boot signature")
                .hasMessageContaining("byte 510")
                .satisfies(e -> assertThat(((PartitionTableException) e).offset()).isEqualTo(510));
    }

    @Test
    void entryBeyondTheDiskIsRefusedWithItsOffset() throws Exception {
        Mbr mbr = Mbr.parse(isohybridSector(), "test");
        assertThatThrownBy(() -> mbr.checkInside(8000, "stick"))
                .isInstanceOf(PartitionTableException.class)
                .hasMessageContaining("MBR entry 2")
                .satisfies(e -> assertThat(((PartitionTableException) e).offset()).isEqualTo(462));
    }

    @Test
    void writeEntryTouchesOnlyItsSixteenBytes() throws Exception {
        MemoryBlockDevice disk = MemoryBlockDevice.of(isohybridSector(), 1 << 24);
        MbrPartitionEntry entry = MbrPartitionEntry.of(MbrTypes.LINUX, 16384, 8192, false);
        Mbr.writeEntry(disk, 3, entry);
        assertThat(disk.bytesWritten()).isEqualTo(16);
        byte[] after = disk.readBytes(0, 512);
        byte[] expected = isohybridSector();
        System.arraycopy(entry.encode(), 0, expected, 478, 16);
        assertThat(after).isEqualTo(expected);
        assertThat(Mbr.parse(after, "test").entries().get(2)).isEqualTo(entry);
    }

    @Test
    void freshMbrHasSignatureAndEmptySlots() {
        byte[] sector = Mbr.fresh(0xCAFEF00DL, List.of(MbrPartitionEntry.of(MbrTypes.LINUX, 2048, 2048, false))).encode();
        assertThat(Arrays.copyOfRange(sector, 440, 444)).isEqualTo(new byte[] {0x0D, (byte) 0xF0, (byte) 0xFE, (byte) 0xCA});
        assertThat(Arrays.copyOfRange(sector, 462, 510)).containsOnly(0);
        assertThat(sector[510]).isEqualTo((byte) 0x55);
        assertThat(sector[511]).isEqualTo((byte) 0xAA);
    }

    /** Hex of CHS triples computed independently of MbrPartitionEntry: 255 heads, 63 sectors. */
    private static final class MbrHex {
        static String chs(long lba) {
            long c = lba / (255 * 63);
            long h = lba / 63 % 255;
            long s = lba % 63 + 1;
            return String.format("%02x%02x%02x", h, s | ((c >> 8) << 6), c & 0xFF);
        }
    }
}
