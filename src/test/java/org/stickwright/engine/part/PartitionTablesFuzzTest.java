package org.stickwright.engine.part;

import org.stickwright.engine.io.MemoryBlockDevice;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Feeds arbitrary bytes to the table readers as the start of a disk. Allowed outcomes: tables,
 * or our own PartitionTableException. Anything else (EOF, index errors, OOM, a hang) is a bug.
 * In CI this runs over the seeds in PartitionTablesFuzzTestInputs/; JAZZER_FUZZ=1 fuzzes for real.
 */
class PartitionTablesFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void readTables(byte[] input) throws Exception {
        if (input.length < 2) {
            return;
        }
        // The first two bytes choose how much larger than the input the disk claims to be, so
        // backup headers can sit past the input (in zeros) or in it.
        long extraSectors = ((input[0] & 0xFF) << 8 | (input[1] & 0xFF)) * 7L;
        byte[] contents = java.util.Arrays.copyOfRange(input, 2, input.length);
        long size = (contents.length + 511L) / 512 * 512 + extraSectors * 512;
        try (MemoryBlockDevice disk = MemoryBlockDevice.of(contents, Math.max(size, 512))) {
            try {
                PartitionTables tables = PartitionTables.read(disk);
                for (PartitionTables.Partition p : tables.partitions()) {
                    if (p.sectorCount() <= 0 && tables.scheme() == PartitionTables.Scheme.GPT) {
                        throw new AssertionError("GPT partition without sectors accepted: " + p);
                    }
                }
                if (tables.scheme() != PartitionTables.Scheme.NONE) {
                    addAndReread(disk, tables);
                }
            } catch (PartitionTableException expected) {
                if (expected.getMessage() == null || !expected.getMessage().contains(" at byte ")) {
                    throw new AssertionError("exception does not name its offset", expected);
                }
            }
            try {
                GptReader.read(disk);
            } catch (PartitionTableException expected) {
                // corrupt GPT: fine
            }
        }
    }

    /** Whatever table we accepted, adding a partition either works and reads back, or is refused cleanly. */
    private static void addAndReread(MemoryBlockDevice disk, PartitionTables before) throws Exception {
        HybridIsoTables.AddedPartition added;
        try {
            added = HybridIsoTables.addPartitionAfterIso(disk,
                    HybridIsoTables.NewPartition.linux(LayoutPlanner.Request.restOfDisk(), "persistence"));
        } catch (LayoutDoesNotFitException | PartitionTableException refused) {
            return;
        }
        PartitionTables after = PartitionTables.read(disk);
        if (after.scheme() != before.scheme() || after.partitions().stream().noneMatch(
                p -> p.number() == added.number() && p.firstLba() == added.firstLba() && p.sectorCount() == added.sectorCount())) {
            throw new AssertionError("added " + added + " but read back " + after.partitions());
        }
    }
}
