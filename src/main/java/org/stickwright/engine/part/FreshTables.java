package org.stickwright.engine.part;

/*
 * New tables on a whole disk, and the opposite: wiping them. "Wiped" means sector 0, the
 * primary GPT (LBA 1 and its entry array) and the backup GPT (the array and header at the
 * disk's end, and wherever the old primary said the backup was) are zero, so every tool and
 * firmware sees a disk without partitions. A job that fails half way wipes so: a stick is either
 * complete and verified or visibly blank, never half-written yet plausible.
 */

import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.stickwright.engine.io.BlockDevice;

/** Writes fresh MBR or GPT tables, and wipes tables. */
public final class FreshTables {
    private FreshTables() {
    }

    /**
     * Writes {@code mbr} as the only table: sector 0 in full, and any GPT headers zeroed so
     * that no tool mistakes the disk for GPT. Entries must lie inside the disk and not overlap.
     */
    public static void writeMbr(BlockDevice device, Mbr mbr) throws IOException {
        long diskSectors = device.size() / device.logicalSectorSize();
        mbr.checkInside(diskSectors, device.name());
        List<MbrPartitionEntry> entries = mbr.entries();
        for (int i = 0; i < 4; i++) {
            MbrPartitionEntry a = entries.get(i);
            if (a.isEmpty()) {
                continue;
            }
            if (a.firstLba() == 0 || a.sectorCount() == 0) {
                throw new PartitionTableException("MBR entry " + (i + 1) + " to write", Mbr.TABLE_OFFSET + 16L * i,
                        "a new partition must start after sector 0 and have sectors");
            }
            for (int j = 0; j < i; j++) {
                MbrPartitionEntry b = entries.get(j);
                if (!b.isEmpty() && a.firstLba() < b.endLba() && b.firstLba() < a.endLba()) {
                    throw new PartitionTableException("MBR entry " + (i + 1) + " to write", Mbr.TABLE_OFFSET + 16L * i,
                            "overlaps entry " + (j + 1));
                }
            }
        }
        zeroGptHeaders(device);
        mbr.write(device);
    }

    /**
     * Writes a protective MBR and a new GPT with {@code entries} in slots 1, 2, ... (128 slots,
     * backup at the disk's end).
     */
    public static Gpt writeGpt(BlockDevice device, UUID diskGuid, List<GptPartitionEntry> entries) throws IOException {
        int sectorSize = device.logicalSectorSize();
        long diskSectors = device.size() / sectorSize;
        Gpt gpt = Gpt.fresh(diskSectors, sectorSize, diskGuid, entries);
        zeroGptHeaders(device);
        GptWriter.writeAtDiskEnd(device, gpt);
        protectiveMbr(diskSectors).write(device);
        return gpt;
    }

    /** The MBR of a pure GPT disk: one 0xEE entry from LBA 1 over the whole disk (capped at 2^32-1 sectors). */
    public static Mbr protectiveMbr(long diskSectors) {
        long count = Math.min(diskSectors - 1, LayoutPlanner.MBR_MAX_SECTORS);
        MbrPartitionEntry entry = new MbrPartitionEntry(0, MbrPartitionEntry.chs(1), MbrTypes.GPT_PROTECTIVE,
                MbrPartitionEntry.chs(count), 1, count);
        return Mbr.fresh(0, List.of(entry));
    }

    /** Zeroes sector 0, the primary GPT header and array, and the backup GPT array and header. */
    public static void wipe(BlockDevice device) throws IOException {
        int sectorSize = device.logicalSectorSize();
        long diskSectors = device.size() / sectorSize;
        zeroGptHeaders(device);
        long arraySectors = Gpt.arraySectors(Gpt.DEFAULT_ENTRY_COUNT, GptPartitionEntry.MIN_SIZE, sectorSize);
        long head = Math.min(diskSectors, 2 + arraySectors);
        device.writeBytes(0, new byte[(int) (head * sectorSize)]);
        long tailStart = Math.max(head, diskSectors - 1 - arraySectors);
        if (tailStart < diskSectors) {
            device.writeBytes(tailStart * sectorSize, new byte[(int) ((diskSectors - tailStart) * sectorSize)]);
        }
    }

    /**
     * Zeroes every sector that holds a GPT header: LBA 1, the last sector, and the backup LBA the
     * header at LBA 1 names (even with a bad CRC: it is still a header someone may find).
     */
    static void zeroGptHeaders(BlockDevice device) throws IOException {
        int sectorSize = device.logicalSectorSize();
        long diskSectors = device.size() / sectorSize;
        if (diskSectors < 2) {
            return;
        }
        byte[] primary = device.readBytes(sectorSize, sectorSize);
        if (GptHeader.hasSignature(primary)) {
            long alternate = Bytes.u64(primary, 32);
            if (alternate > 1 && alternate < diskSectors && GptHeader.hasSignature(device.readBytes(alternate * sectorSize, sectorSize))) {
                GptWriter.zeroHeader(device, alternate);
            }
            GptWriter.zeroHeader(device, 1);
        }
        if (GptHeader.hasSignature(device.readBytes((diskSectors - 1) * sectorSize, sectorSize))) {
            GptWriter.zeroHeader(device, diskSectors - 1);
        }
    }
}
