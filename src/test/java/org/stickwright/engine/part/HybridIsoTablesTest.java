package org.stickwright.engine.part;

import org.stickwright.engine.io.MemoryBlockDevice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The hybrid-ISO edits on synthetic disks, where every written byte can be counted. */
class HybridIsoTablesTest {
    private static final long MIB = 1L << 20;
    private static final long ISO_SECTORS = 9084; // as xorriso's Fedora-style test ISO
    private static final long DISK = 256 * MIB;
    private static final UUID DISK_GUID = UUID.fromString("3A438ABC-EE59-4635-BB38-38B4F4DE16EB");

    /** A GPT ISO as xorriso -partition_offset 16 lays it out, already dd'ed to a 256 MiB stick. */
    private static MemoryBlockDevice gptIsoOnStick() throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(DISK);
        List<GptPartitionEntry> slots = new java.util.ArrayList<>();
        slots.add(new GptPartitionEntry(GptTypes.MICROSOFT_BASIC_DATA, new UUID(1, 1), 64, 4323, 1L << 60, "ISO9660"));
        slots.add(new GptPartitionEntry(GptTypes.EFI_SYSTEM, new UUID(1, 2), 4324, 8419, 0, "Appended2"));
        slots.add(new GptPartitionEntry(GptTypes.MICROSOFT_BASIC_DATA, new UUID(1, 3), 8420, 9019, 1L << 60, "Gap1"));
        while (slots.size() < 248) {
            slots.add(GptPartitionEntry.UNUSED);
        }
        Gpt gpt = new Gpt(DISK_GUID, 64, ISO_SECTORS - 64, 128, slots);
        // Written as on the ISO: backup header in the ISO's last sector, not the stick's.
        try (var iso = disk.slice(0, ISO_SECTORS * 512)) {
            GptWriter.writeAtDiskEnd(iso, gpt);
            FreshTables.protectiveMbr(ISO_SECTORS).write(iso);
        }
        disk.resetWriteCount();
        return disk;
    }

    /** An isohybrid MBR ISO: entry 1 type 0x00 from LBA 0 active, entry 2 0xEF, plus a stale GPT. */
    private static MemoryBlockDevice isohybridOnStick() throws Exception {
        MemoryBlockDevice disk = gptIsoOnStick();
        Mbr mbr = Mbr.fresh(0x12345678L, List.of(
                new MbrPartitionEntry(0x80, 0x000100, 0x00, 0x3f2002, 0, 6144),
                new MbrPartitionEntry(0x00, 0x000103, 0xEF, 0x3f2004, 6144, 4096)));
        mbr.write(disk);
        disk.resetWriteCount();
        return disk;
    }

    @Test
    void gptIsoGetsTheEntryAndItsBackupMovesToTheStickEnd() throws Exception {
        MemoryBlockDevice disk = gptIsoOnStick();
        assertThat(HybridIsoTables.detect(disk)).isEqualTo(HybridIsoTables.Layout.GPT);
        assertThat(HybridIsoTables.contentEndBytes(disk)).isEqualTo(ISO_SECTORS * 512);
        HybridIsoTables.AddedPartition added = HybridIsoTables.addPartitionAfterIso(disk,
                HybridIsoTables.NewPartition.linux(LayoutPlanner.Request.ofSize(64 * MIB), "persistence"));
        assertThat(added.number()).isEqualTo(4);
        assertThat(added.firstLba()).isEqualTo(10240); // 9084 sectors rounded up to 5 MiB
        assertThat(added.sectorCount()).isEqualTo(64 * 2048);

        GptReader.Found found = GptReader.read(disk).orElseThrow();
        assertThat(found.problems()).isEmpty();
        long last = DISK / 512 - 1;
        assertThat(found.primary().alternateLba()).isEqualTo(last);
        assertThat(found.backup().myLba()).isEqualTo(last);
        assertThat(found.gpt().lastUsableLba()).isEqualTo(last - 62 - 1);
        assertThat(found.gpt().slots()).hasSize(248);
        assertThat(found.gpt().usedEntries()).extracting(GptPartitionEntry::name)
                .containsExactly("ISO9660", "Appended2", "Gap1", "persistence");
        assertThat(disk.readBytes((ISO_SECTORS - 1) * 512, 512)).as("old backup header zeroed").containsOnly(0);
        MbrPartitionEntry protective = Mbr.read(disk).entries().get(0);
        assertThat(protective.firstLba()).isEqualTo(1);
        assertThat(protective.sectorCount()).isEqualTo(DISK / 512 - 1);
        // Two arrays (62 sectors each), two headers, the old backup header, one MBR entry: nothing else.
        assertThat(disk.bytesWritten()).isEqualTo(2 * 62 * 512 + 3 * 512 + 16);
    }

    @Test
    void gptIsoWithDamagedPrimaryIsRepairedFromItsBackup() throws Exception {
        MemoryBlockDevice disk = gptIsoOnStick();
        disk.writeBytes(512 + 16, new byte[] {0x55});
        HybridIsoTables.addPartitionAfterIso(disk, HybridIsoTables.NewPartition.linux(LayoutPlanner.Request.restOfDisk(), "p"));
        GptReader.Found found = GptReader.read(disk).orElseThrow();
        assertThat(found.primaryIntact()).isTrue();
        assertThat(found.backupIntact()).isTrue();
        assertThat(found.gpt().usedEntries()).hasSize(4);
    }

    @Test
    void isohybridMbrGetsSlotThreeAndLosesOnlyItsStaleGptHeaders() throws Exception {
        MemoryBlockDevice disk = isohybridOnStick();
        byte[] sector0 = disk.readBytes(0, 512);
        byte[] staleArray = disk.readBytes(1024, 248 * 128);
        assertThat(HybridIsoTables.detect(disk)).isEqualTo(HybridIsoTables.Layout.ISOHYBRID_MBR);
        HybridIsoTables.AddedPartition added = HybridIsoTables.addPartitionAfterIso(disk,
                HybridIsoTables.NewPartition.linux(LayoutPlanner.Request.ofSize(32 * MIB), "persistence"));
        assertThat(added.number()).isEqualTo(3);
        assertThat(added.firstLba()).isEqualTo(10240);
        byte[] after = disk.readBytes(0, 512);
        for (int i = 0; i < 512; i++) {
            if (i < 478 || i >= 494) {
                assertThat(after[i]).as("byte %d of sector 0", i).isEqualTo(sector0[i]);
            }
        }
        assertThat(Mbr.parse(after, "t").entries().get(2)).isEqualTo(MbrPartitionEntry.of(MbrTypes.LINUX, 10240, 65536, false));
        assertThat(disk.readBytes(512, 512)).containsOnly(0);
        assertThat(disk.readBytes((ISO_SECTORS - 1) * 512, 512)).containsOnly(0);
        assertThat(disk.readBytes(1024, 248 * 128)).as("stale array left alone").isEqualTo(staleArray);
        assertThat(disk.bytesWritten()).isEqualTo(16 + 2 * 512);

        HybridIsoTables.AddedPartition second = HybridIsoTables.addPartitionAfterIso(disk,
                HybridIsoTables.NewPartition.fat32(LayoutPlanner.Request.restOfDisk(), "data"));
        assertThat(second.number()).isEqualTo(4);
        assertThat(second.firstLba()).isEqualTo(10240 + 65536);
        assertThat(PartitionTables.read(disk).partitions()).extracting(PartitionTables.Partition::type)
                .containsExactly("0x00", "0xef", "0x83", "0x0c");
        assertThatThrownBy(() -> HybridIsoTables.addPartitionAfterIso(disk,
                HybridIsoTables.NewPartition.linux(LayoutPlanner.Request.ofSize(MIB), "more")))
                .isInstanceOf(PartitionTableException.class).hasMessageContaining("all four entries are in use");
    }

    @Test
    void requestLargerThanTheStickSaysHowMuchFits() throws Exception {
        MemoryBlockDevice disk = gptIsoOnStick();
        assertThatThrownBy(() -> HybridIsoTables.addPartitionAfterIso(disk,
                HybridIsoTables.NewPartition.linux(LayoutPlanner.Request.ofSize(DISK), "persistence")))
                .isInstanceOfSatisfying(LayoutDoesNotFitException.class,
                        e -> assertThat(e.largestPossibleBytes()).isEqualTo(DISK - 5 * MIB - MIB));
        assertThat(disk.bytesWritten()).as("a refused request writes nothing").isZero();
    }

    @Test
    void isoSizeBeyondTheTablesPushesThePartitionFurther() throws Exception {
        MemoryBlockDevice disk = isohybridOnStick();
        HybridIsoTables.AddedPartition added = HybridIsoTables.addPartitionAfterIso(disk, 20 * MIB + 1,
                HybridIsoTables.NewPartition.linux(LayoutPlanner.Request.ofSize(MIB), "p"));
        assertThat(added.firstLba()).isEqualTo(21 * 2048);
    }

    @Test
    void trueHybridMbrMeansGptAndKeepsItsShortProtectiveEntry() throws Exception {
        MemoryBlockDevice disk = gptIsoOnStick();
        // gdisk-style hybrid: 0xEE covers only the GPT structures, the EFI partition is also in the MBR.
        Mbr.writeEntry(disk, 1, MbrPartitionEntry.of(MbrTypes.GPT_PROTECTIVE, 1, 63, false));
        Mbr.writeEntry(disk, 2, MbrPartitionEntry.of(MbrTypes.EFI_SYSTEM, 4324, 4096, false));
        PartitionTables tables = PartitionTables.read(disk);
        assertThat(tables.mbr().kind()).isEqualTo(Mbr.Kind.HYBRID);
        assertThat(tables.scheme()).isEqualTo(PartitionTables.Scheme.GPT);
        HybridIsoTables.addPartitionAfterIso(disk, HybridIsoTables.NewPartition.linux(LayoutPlanner.Request.ofSize(MIB), "p"));
        assertThat(Mbr.read(disk).entries().get(0).sectorCount()).isEqualTo(63);
        assertThat(Mbr.read(disk).entries().get(1).firstLba()).isEqualTo(4324);
    }

    @Test
    void ubuntuDummyBootableEntryStaysAndTheProtectiveEntryGrows() throws Exception {
        MemoryBlockDevice disk = gptIsoOnStick();
        MbrPartitionEntry dummy = new MbrPartitionEntry(0x80, 0x000100, 0x00, 0x000100, 0, 1);
        Mbr.writeEntry(disk, 2, dummy);
        HybridIsoTables.addPartitionAfterIso(disk, HybridIsoTables.NewPartition.linux(LayoutPlanner.Request.ofSize(MIB), "p"));
        Mbr mbr = Mbr.read(disk);
        assertThat(mbr.entries().get(0).endLba()).isEqualTo(DISK / 512);
        assertThat(mbr.entries().get(1)).isEqualTo(dummy);
    }
}
