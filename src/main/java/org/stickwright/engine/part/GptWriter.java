package org.stickwright.engine.part;

/*
 * Writing a GPT writes four things: the backup entry array, the backup header, the primary
 * entry array, the primary header — backup first, so that a write cut short leaves at least one
 * copy that either the old or the new primary complements. Both arrays carry the same bytes;
 * the headers differ in "my LBA", "other LBA", "entry array LBA" and therefore in CRC32.
 */

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.stickwright.engine.io.BlockDevice;

/** Writes both copies of a GPT. */
public final class GptWriter {
    private GptWriter() {
    }

    /**
     * Writes {@code gpt} with the primary array at LBA 2 and the backup header in the disk's last
     * sector, the backup array just before it.
     */
    public static void writeAtDiskEnd(BlockDevice device, Gpt gpt) throws IOException {
        int sectorSize = device.logicalSectorSize();
        write(device, gpt, 2, device.size() / sectorSize - 1);
    }

    /**
     * Writes {@code gpt}: primary header at LBA 1, primary array at {@code primaryEntriesLba},
     * backup header at {@code backupHeaderLba}, backup array right before it. Refuses a table
     * whose entries leave the usable range, overlap each other, or whose usable range reaches
     * into either array.
     */
    public static void write(BlockDevice device, Gpt gpt, long primaryEntriesLba, long backupHeaderLba) throws IOException {
        int sectorSize = device.logicalSectorSize();
        long diskSectors = device.size() / sectorSize;
        long arraySectors = gpt.arraySectors(sectorSize);
        check(gpt, primaryEntriesLba, backupHeaderLba, diskSectors, arraySectors);
        writeCopies(device, gpt, primaryEntriesLba, backupHeaderLba);
    }

    /**
     * Writes {@code gpt} like {@link #write} but without judging its entries: for a table
     * another tool made and we only move, such as the GPT xorriso's -isohybrid-gpt-basdat puts
     * beside an isohybrid MBR, whose entry 1 starts at sector 0 inside the primary array (the
     * MBR rules such disks; the GPT is kept consistent, not made valid). The copies must still
     * lie on the device.
     */
    public static void writeAsFound(BlockDevice device, Gpt gpt, long primaryEntriesLba, long backupHeaderLba)
            throws IOException {
        int sectorSize = device.logicalSectorSize();
        long diskSectors = device.size() / sectorSize;
        long arraySectors = gpt.arraySectors(sectorSize);
        if (primaryEntriesLba < 2 || backupHeaderLba >= diskSectors || backupHeaderLba - arraySectors <= 1) {
            throw new PartitionTableException("GPT to write", 0, "primary array at " + primaryEntriesLba
                    + " or backup header at " + backupHeaderLba + " does not fit a disk of " + diskSectors + " sectors");
        }
        writeCopies(device, gpt, primaryEntriesLba, backupHeaderLba);
    }

    private static void writeCopies(BlockDevice device, Gpt gpt, long primaryEntriesLba, long backupHeaderLba)
            throws IOException {
        int sectorSize = device.logicalSectorSize();
        long arraySectors = gpt.arraySectors(sectorSize);
        long backupEntriesLba = backupHeaderLba - arraySectors;
        byte[] array = gpt.encodeArray();
        long arrayCrc = GptHeader.crc32(array);
        GptHeader primary = new GptHeader(GptHeader.REVISION_1_0, GptHeader.SIZE, 1, backupHeaderLba, gpt.firstUsableLba(),
                gpt.lastUsableLba(), gpt.diskGuid(), primaryEntriesLba, gpt.slots().size(), gpt.entrySize(), arrayCrc);
        GptHeader backup = new GptHeader(GptHeader.REVISION_1_0, GptHeader.SIZE, backupHeaderLba, 1, gpt.firstUsableLba(),
                gpt.lastUsableLba(), gpt.diskGuid(), backupEntriesLba, gpt.slots().size(), gpt.entrySize(), arrayCrc);
        byte[] padded = Arrays.copyOf(array, (int) (arraySectors * sectorSize));
        device.writeBytes(backupEntriesLba * sectorSize, padded);
        device.writeBytes(backupHeaderLba * sectorSize, backup.encode(sectorSize));
        device.writeBytes(primaryEntriesLba * sectorSize, padded);
        device.writeBytes(sectorSize, primary.encode(sectorSize));
    }

    /** Zeroes the sector at {@code lba} (a stale GPT header) — the array it names stays, unreferenced. */
    public static void zeroHeader(BlockDevice device, long lba) throws IOException {
        device.writeBytes(lba * device.logicalSectorSize(), new byte[device.logicalSectorSize()]);
    }

    private static void check(Gpt gpt, long primaryEntriesLba, long backupHeaderLba, long diskSectors, long arraySectors)
            throws PartitionTableException {
        String structure = "GPT to write";
        if (primaryEntriesLba < 2 || backupHeaderLba >= diskSectors || backupHeaderLba - arraySectors <= gpt.lastUsableLba()
                || gpt.firstUsableLba() < primaryEntriesLba + arraySectors || gpt.firstUsableLba() > gpt.lastUsableLba()) {
            throw new PartitionTableException(structure, 0, "usable range " + gpt.firstUsableLba() + ".."
                    + gpt.lastUsableLba() + " does not fit between the arrays (primary at " + primaryEntriesLba
                    + ", backup header at " + backupHeaderLba + ", disk " + diskSectors + " sectors)");
        }
        List<GptPartitionEntry> slots = gpt.slots();
        for (int i = 0; i < slots.size(); i++) {
            GptPartitionEntry e = slots.get(i);
            if (!e.isUsed()) {
                continue;
            }
            if (e.firstLba() < gpt.firstUsableLba() || e.lastLba() > gpt.lastUsableLba() || e.lastLba() < e.firstLba()) {
                throw new PartitionTableException("GPT entry " + (i + 1) + " to write", 0, "sectors " + e.firstLba()
                        + ".." + e.lastLba() + " leave the usable range " + gpt.firstUsableLba() + ".." + gpt.lastUsableLba());
            }
            for (int j = 0; j < i; j++) {
                GptPartitionEntry other = slots.get(j);
                if (other.isUsed() && other.firstLba() <= e.lastLba() && e.firstLba() <= other.lastLba()) {
                    throw new PartitionTableException("GPT entry " + (i + 1) + " to write", 0,
                            "overlaps entry " + (j + 1));
                }
            }
        }
    }
}
