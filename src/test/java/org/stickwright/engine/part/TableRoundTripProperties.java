package org.stickwright.engine.part;

import org.stickwright.engine.io.MemoryBlockDevice;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever we write, we read back the same. */
class TableRoundTripProperties {
    private static final long MIB = 1L << 20;

    record Layout(long diskBytes, List<Long> sizes) {
    }

    @Property(tries = 200)
    void gptWrittenIsGptRead(@ForAll("layouts") Layout layout, @ForAll("names") List<String> names,
                             @ForAll long attributes, @ForAll long guidBits) throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(layout.diskBytes());
        List<LayoutPlanner.Extent> extents = planOrEmpty(LayoutPlanner.forGpt(layout.diskBytes(), 512, 32), layout.sizes());
        List<UUID> types = List.of(GptTypes.EFI_SYSTEM, GptTypes.MICROSOFT_BASIC_DATA, GptTypes.LINUX_FILESYSTEM);
        List<GptPartitionEntry> entries = new ArrayList<>();
        for (int i = 0; i < extents.size(); i++) {
            LayoutPlanner.Extent e = extents.get(i);
            entries.add(new GptPartitionEntry(types.get(i % 3), new UUID(guidBits, i), e.offset() / 512,
                    e.end() / 512 - 1, attributes ^ i, names.get(i % names.size())));
        }
        UUID diskGuid = new UUID(guidBits, ~guidBits);
        Gpt written = FreshTables.writeGpt(disk, diskGuid, entries);

        GptReader.Found found = GptReader.read(disk).orElseThrow();
        assertThat(found.problems()).isEmpty();
        assertThat(found.gpt()).isEqualTo(written);
        assertThat(found.gpt().usedEntries()).isEqualTo(entries);
        PartitionTables tables = PartitionTables.read(disk);
        assertThat(tables.scheme()).isEqualTo(PartitionTables.Scheme.GPT);
        assertThat(tables.mbr().kind()).isEqualTo(Mbr.Kind.PROTECTIVE);
        assertThat(tables.partitions()).hasSize(entries.size());
    }

    @Property(tries = 200)
    void mbrWrittenIsMbrRead(@ForAll("layouts") Layout layout, @ForAll int signature, @ForAll("activeSlot") int active,
                             @ForAll("bootCode") byte[] bootCode) throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(layout.diskBytes());
        List<LayoutPlanner.Extent> extents = planOrEmpty(LayoutPlanner.forMbr(layout.diskBytes(), 512),
                layout.sizes().subList(0, Math.min(4, layout.sizes().size())));
        int[] types = {MbrTypes.FAT32_LBA, MbrTypes.LINUX, MbrTypes.EFI_SYSTEM, MbrTypes.EXFAT_NTFS};
        List<MbrPartitionEntry> entries = new ArrayList<>();
        for (int i = 0; i < extents.size(); i++) {
            LayoutPlanner.Extent e = extents.get(i);
            entries.add(MbrPartitionEntry.of(types[i], e.offset() / 512, e.length() / 512, i == active));
        }
        Mbr written = Mbr.fresh(bootCode, signature, entries);
        FreshTables.writeMbr(disk, written);

        PartitionTables tables = PartitionTables.read(disk);
        assertThat(tables.scheme()).isEqualTo(PartitionTables.Scheme.MBR);
        assertThat(tables.mbr()).isEqualTo(written);
        assertThat(tables.mbr().bootCode()).isEqualTo(bootCode);
        assertThat(tables.partitions()).extracting(PartitionTables.Partition::firstLba)
                .containsExactlyElementsOf(entries.stream().map(MbrPartitionEntry::firstLba).toList());
    }

    private static List<LayoutPlanner.Extent> planOrEmpty(LayoutPlanner planner, List<Long> sizes) {
        List<LayoutPlanner.Request> requests = sizes.stream().map(LayoutPlanner.Request::ofSize).toList();
        while (!requests.isEmpty()) {
            try {
                return planner.plan(0, requests);
            } catch (LayoutDoesNotFitException e) {
                requests = requests.subList(0, e.requestIndex());
            }
        }
        return List.of();
    }

    @Provide
    Arbitrary<Layout> layouts() {
        // Whole MiB plus a few odd sectors: real sticks are rarely a whole number of MiB.
        Arbitrary<Long> disk = Combinators.combine(Arbitraries.longs().between(4, 4L << 20), Arbitraries.longs().between(0, 2047))
                .as((mib, sectors) -> mib * MIB + sectors * 512);
        Arbitrary<List<Long>> sizes = Arbitraries.longs().between(1, 64L << 30).list().ofMinSize(0).ofMaxSize(8);
        return Combinators.combine(disk, sizes).as(Layout::new);
    }

    @Provide
    Arbitrary<List<String>> names() {
        return Arbitraries.strings().withCharRange('\u0001', '\uD7FF').ofMaxLength(36).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<Integer> activeSlot() {
        return Arbitraries.integers().between(-1, 3);
    }

    @Provide
    Arbitrary<byte[]> bootCode() {
        return Arbitraries.bytes().array(byte[].class).ofSize(Mbr.BOOT_CODE_SIZE);
    }
}
