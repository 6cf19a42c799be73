package org.stickwright.engine.part;

import org.stickwright.engine.io.MemoryBlockDevice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class GptTest {
    private static final long DISK = 64L << 20;
    private static final long SECTORS = DISK / 512;
    private static final UUID DISK_GUID = UUID.fromString("3A438ABC-EE59-4635-BB38-38B4F4DE16EB");
    private static final UUID PART_GUID = UUID.fromString("11111111-2222-3333-4444-555555555555");

    private static MemoryBlockDevice freshDisk() throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(DISK);
        FreshTables.writeGpt(disk, DISK_GUID, List.of(
                new GptPartitionEntry(GptTypes.EFI_SYSTEM, PART_GUID, 2048, 34815, GptPartitionEntry.LEGACY_BIOS_BOOTABLE, "EFI system"),
                new GptPartitionEntry(GptTypes.LINUX_FILESYSTEM, UUID.randomUUID(), 34816, 131037, 0, "persistence")));
        return disk;
    }

    @Test
    void freshGptHasTheStandardGeometry() throws Exception {
        MemoryBlockDevice disk = freshDisk();
        GptReader.Found found = GptReader.read(disk).orElseThrow();
        assertThat(found.primaryIntact()).isTrue();
        assertThat(found.backupIntact()).isTrue();
        assertThat(found.primary().entriesLba()).isEqualTo(2);
        assertThat(found.primary().alternateLba()).isEqualTo(SECTORS - 1);
        assertThat(found.backup().entriesLba()).isEqualTo(SECTORS - 33);
        assertThat(found.gpt().firstUsableLba()).isEqualTo(34);
        assertThat(found.gpt().lastUsableLba()).isEqualTo(SECTORS - 34);
        assertThat(found.gpt().usedEntries()).extracting(GptPartitionEntry::name).containsExactly("EFI system", "persistence");
        assertThat(found.gpt().usedEntries().get(0).attributes()).isEqualTo(4);
    }

    @Test
    void headerAndEntryBytesSitWhereTheSpecSays() throws Exception {
        MemoryBlockDevice disk = freshDisk();
        byte[] header = disk.readBytes(512, 512);
        assertThat(new String(header, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("EFI PART");
        assertThat(HexFormat.of().formatHex(header, 8, 16)).isEqualTo("000001005c000000");
        byte[] zeroedCrc = Arrays.copyOf(header, 92);
        Arrays.fill(zeroedCrc, 16, 20, (byte) 0);
        CRC32 crc = new CRC32();
        crc.update(zeroedCrc);
        assertThat(Bytes.u32(header, 16)).isEqualTo(crc.getValue());
        assertThat(HexFormat.of().formatHex(header, 56, 72)).isEqualTo("bc8a433a59ee3546bb3838b4f4de16eb");
        byte[] entry = disk.readBytes(1024, 128);
        assertThat(HexFormat.of().formatHex(entry, 0, 16)).isEqualTo("28732ac11ff8d211ba4b00a0c93ec93b");
        assertThat(Bytes.u64(entry, 32)).isEqualTo(2048);
        assertThat(Bytes.u64(entry, 40)).isEqualTo(34815);
        assertThat(new String(entry, 56, 20, StandardCharsets.UTF_16LE)).isEqualTo("EFI system");
        assertThat(Arrays.copyOfRange(entry, 76, 128)).containsOnly(0);
        // Both arrays carry the same bytes.
        assertThat(disk.readBytes((SECTORS - 33) * 512, 16384)).isEqualTo(disk.readBytes(1024, 16384));
    }

    /** The worked example in package-info.java, byte for byte. */
    @Test
    void packageDocumentationExampleIsWhatWeWrite() throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(64L << 20);
        FreshTables.writeGpt(disk, UUID.fromString("5EC00C5E-1D0E-4B7A-9A1F-0123456789AB"), List.of(new GptPartitionEntry(
                GptTypes.EFI_SYSTEM, UUID.fromString("0D15EA5E-0000-4000-8000-00000000EF00"), 2048, 34815, 0, "EFI")));
        HexFormat hex = HexFormat.of();
        assertThat(hex.formatHex(disk.readBytes(0x1BE, 16))).isEqualTo("00000200ee282008" + "01000000ffff0100");
        assertThat(hex.formatHex(disk.readBytes(0x200, 92))).isEqualTo("4546492050415254" + "00000100" + "5c000000"
                + "cb265b26" + "00000000" + "0100000000000000" + "ffff010000000000" + "2200000000000000"
                + "deff010000000000" + "5e0cc05e0e1d7a4b9a1f0123456789ab" + "0200000000000000" + "80000000" + "80000000"
                + "e0dbbc9c");
        assertThat(hex.formatHex(disk.readBytes(0x400, 64))).isEqualTo("28732ac11ff8d211ba4b00a0c93ec93b"
                + "5eea150d00000040800000000000ef00" + "0008000000000000" + "ff87000000000000"
                + "0000000000000000" + "450046004900" + "0000");
        MemoryBlockDevice mbrDisk = new MemoryBlockDevice(64L << 20);
        FreshTables.writeMbr(mbrDisk, Mbr.fresh(0x5717C4E2L, List.of(MbrPartitionEntry.of(MbrTypes.FAT32_LBA, 2048, 126976, true))));
        assertThat(hex.formatHex(mbrDisk.readBytes(0x1B8, 24))).isEqualTo("e2c417570000" + "80202100" + "0c073f08"
                + "00080000" + "00f00100" + "0000");
    }

    @Test
    void damagedPrimaryIsReadFromTheBackup() throws Exception {
        MemoryBlockDevice disk = freshDisk();
        disk.writeBytes(512 + 40, new byte[] {1}); // first usable LBA changed, CRC now wrong
        GptReader.Found found = GptReader.read(disk).orElseThrow();
        assertThat(found.primaryIntact()).isFalse();
        assertThat(found.backupIntact()).isTrue();
        assertThat(found.gpt().usedEntries()).hasSize(2);
        assertThat(found.problems()).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("GPT primary header").contains("CRC32"));
    }

    @Test
    void damagedPrimaryArrayIsReadFromTheBackup() throws Exception {
        MemoryBlockDevice disk = freshDisk();
        disk.writeBytes(1024 + 60, new byte[] {'X'});
        GptReader.Found found = GptReader.read(disk).orElseThrow();
        assertThat(found.primaryIntact()).isFalse();
        assertThat(found.gpt().usedEntries().get(0).name()).isEqualTo("EFI system");
        assertThat(found.problems().get(0).offset()).isEqualTo(1024);
    }

    @Test
    void bothCopiesDamagedIsAnErrorNamingThePrimary() throws Exception {
        MemoryBlockDevice disk = freshDisk();
        disk.writeBytes(512 + 40, new byte[] {1});
        disk.writeBytes((SECTORS - 1) * 512 + 40, new byte[] {1});
        assertThatThrownBy(() -> GptReader.read(disk))
                .isInstanceOf(PartitionTableException.class)
                .hasMessageContaining("GPT primary header")
                .satisfies(e -> assertThat(((PartitionTableException) e).offset()).isEqualTo(512 + 16))
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    }

    @Test
    void absurdEntryCountIsRefusedAtItsOffset() throws Exception {
        MemoryBlockDevice disk = freshDisk();
        rewriteHeaderField(disk, 1, 80, 0x7FFFFFFF);
        rewriteHeaderField(disk, SECTORS - 1, 80, 0x7FFFFFFF);
        assertThatThrownBy(() -> GptReader.read(disk))
                .isInstanceOf(PartitionTableException.class)
                .hasMessageContaining("entry count")
                .satisfies(e -> assertThat(((PartitionTableException) e).offset()).isEqualTo(512 + 80));
    }

    @Test
    void entryBeyondTheDiskIsRefused() throws Exception {
        MemoryBlockDevice disk = freshDisk();
        for (long arrayLba : new long[] {2, SECTORS - 33}) {
            disk.writeBytes(arrayLba * 512 + 128 + 40, longLe(SECTORS + 5));
        }
        CRC32 crc = new CRC32();
        crc.update(disk.readBytes(1024, 16384));
        rewriteHeaderField(disk, 1, 88, crc.getValue());
        rewriteHeaderField(disk, SECTORS - 1, 88, crc.getValue());
        assertThatThrownBy(() -> GptReader.read(disk))
                .isInstanceOf(PartitionTableException.class)
                .hasMessageContaining("GPT entry 2")
                .hasMessageContaining("not inside the disk")
                .satisfies(e -> assertThat(((PartitionTableException) e).offset()).isEqualTo(1024 + 128));
    }

    @Test
    void diskWithoutSignaturesHasNoGpt() throws Exception {
        assertThat(GptReader.read(new MemoryBlockDevice(DISK))).isEmpty();
    }

    @Test
    void writerRefusesOverlapsAndEntriesOutsideTheUsableRange() throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(DISK);
        assertThatThrownBy(() -> FreshTables.writeGpt(disk, DISK_GUID, List.of(
                new GptPartitionEntry(GptTypes.LINUX_FILESYSTEM, UUID.randomUUID(), 2048, 4095, 0, "a"),
                new GptPartitionEntry(GptTypes.LINUX_FILESYSTEM, UUID.randomUUID(), 4000, 8191, 0, "b"))))
                .isInstanceOf(PartitionTableException.class).hasMessageContaining("overlaps entry 1");
        assertThatThrownBy(() -> FreshTables.writeGpt(disk, DISK_GUID, List.of(
                new GptPartitionEntry(GptTypes.LINUX_FILESYSTEM, UUID.randomUUID(), 2048, SECTORS - 1, 0, "a"))))
                .isInstanceOf(PartitionTableException.class).hasMessageContaining("usable range");
    }

    @Test
    void wipeLeavesNoTable() throws Exception {
        MemoryBlockDevice disk = freshDisk();
        FreshTables.wipe(disk);
        assertThat(GptReader.read(disk)).isEmpty();
        assertThat(PartitionTables.read(disk).scheme()).isEqualTo(PartitionTables.Scheme.NONE);
        assertThat(disk.readBytes(0, 34 * 512)).containsOnly(0);
        assertThat(disk.readBytes((SECTORS - 33) * 512, 33 * 512)).containsOnly(0);
    }

    /** Sets a 32-bit header field and recomputes the header CRC32, as a buggy tool would write it. */
    private static void rewriteHeaderField(MemoryBlockDevice disk, long lba, int offset, long value) throws Exception {
        byte[] header = disk.readBytes(lba * 512, 512);
        Bytes.put32(header, offset, value);
        Bytes.put32(header, 16, 0);
        CRC32 crc = new CRC32();
        crc.update(header, 0, 92);
        Bytes.put32(header, 16, crc.getValue());
        disk.writeBytes(lba * 512, header);
    }

    private static byte[] longLe(long value) {
        byte[] bytes = new byte[8];
        Bytes.put64(bytes, 0, value);
        return bytes;
    }
}
