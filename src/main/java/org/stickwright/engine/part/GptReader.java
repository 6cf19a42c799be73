package org.stickwright.engine.part;

/*
 * Reading a GPT means trusting one of two copies. The primary header (LBA 1) is tried first;
 * its "other header" field says where the backup is. That is usually the disk's last sector,
 * but on a hybrid ISO written to a stick it is the ISO's last sector, far from the stick's end.
 * When the primary is damaged, the backup is looked for where the damaged header still says,
 * then in the last sector; when the primary is absent, in the last sector only.
 * A copy counts only when its header CRC32, its entry array CRC32 and its fields all check out.
 */

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.stickwright.engine.io.BlockDevice;

/** Reads a GPT from either copy. */
public final class GptReader {
    private GptReader() {
    }

    /**
     * What was found on the disk.
     *
     * @param gpt      the table, from the primary copy when it is intact, else from the backup
     * @param primary  the primary header, or null when it is damaged or absent
     * @param backup   the backup header, or null when it is damaged or absent
     * @param problems what was wrong with the copy not used (empty when both are intact)
     */
    public record Found(Gpt gpt, GptHeader primary, GptHeader backup, List<PartitionTableException> problems) {
        public Found {
            problems = List.copyOf(problems);
        }

        public boolean primaryIntact() {
            return primary != null;
        }

        public boolean backupIntact() {
            return backup != null;
        }

        /** The header the table was taken from. */
        public GptHeader header() {
            return primary != null ? primary : backup;
        }
    }

    /**
     * Reads the GPT of {@code device}. Empty when neither LBA 1 nor the backup location holds
     * an "EFI PART" signature; throws {@link PartitionTableException} when a signature is there
     * but no copy is intact.
     */
    public static Optional<Found> read(BlockDevice device) throws IOException {
        int sectorSize = device.logicalSectorSize();
        long diskSectors = device.size() / sectorSize;
        if (diskSectors < 3) {
            return Optional.empty();
        }
        List<PartitionTableException> problems = new ArrayList<>();
        byte[] primarySector = device.readBytes(sectorSize, sectorSize);
        boolean primarySigned = GptHeader.hasSignature(primarySector);
        GptHeader primary = null;
        Gpt fromPrimary = null;
        // Where to look for the backup: where the primary says (even a damaged primary's field is
        // worth a try: on a stick it is the ISO's end), then the disk's last sector.
        List<Long> backupCandidates = new ArrayList<>();
        if (primarySigned) {
            long alternate = Bytes.u64(primarySector, 32);
            if (alternate > 1 && alternate < diskSectors) {
                backupCandidates.add(alternate);
            }
            try {
                GptHeader header = GptHeader.parse(primarySector, 1, diskSectors, "GPT primary header of " + device.name(),
                        sectorSize);
                fromPrimary = readArray(device, header, diskSectors, "GPT primary entry array");
                primary = header;
            } catch (PartitionTableException e) {
                problems.add(e);
            }
        }
        if (!backupCandidates.contains(diskSectors - 1) && (primary == null || backupCandidates.isEmpty())) {
            backupCandidates.add(diskSectors - 1);
        }
        boolean backupSigned = false;
        GptHeader backup = null;
        Gpt fromBackup = null;
        List<PartitionTableException> backupProblems = new ArrayList<>();
        for (long backupLba : backupCandidates) {
            byte[] backupSector = device.readBytes(backupLba * sectorSize, sectorSize);
            String structure = "GPT backup header of " + device.name();
            if (!GptHeader.hasSignature(backupSector)) {
                backupProblems.add(new PartitionTableException(structure, backupLba * sectorSize, "no \"EFI PART\" signature"));
                continue;
            }
            backupSigned = true;
            try {
                GptHeader header = GptHeader.parse(backupSector, backupLba, diskSectors, structure, backupLba * sectorSize);
                fromBackup = readArray(device, header, diskSectors, "GPT backup entry array");
                backup = header;
                backupProblems.clear();
                break;
            } catch (PartitionTableException e) {
                backupProblems.add(e);
            }
        }
        if (primarySigned || backupSigned) {
            problems.addAll(backupProblems);
        }
        if (!primarySigned && !backupSigned) {
            return Optional.empty();
        }
        if (fromPrimary == null && fromBackup == null) {
            PartitionTableException first = problems.get(0);
            for (int i = 1; i < problems.size(); i++) {
                first.addSuppressed(problems.get(i));
            }
            throw first;
        }
        return Optional.of(new Found(fromPrimary != null ? fromPrimary : fromBackup, primary, backup, problems));
    }

    private static Gpt readArray(BlockDevice device, GptHeader header, long diskSectors, String structure)
            throws IOException {
        int sectorSize = device.logicalSectorSize();
        long arrayOffset = header.entriesLba() * sectorSize;
        byte[] array = device.readBytes(arrayOffset, (int) header.arrayBytes());
        long crc = GptHeader.crc32(array);
        String where = structure + " of " + device.name();
        if (crc != header.entriesCrc32()) {
            throw new PartitionTableException(where, arrayOffset, String.format(
                    "CRC32 is %08x, the header expects %08x", crc, header.entriesCrc32()));
        }
        List<GptPartitionEntry> slots = new ArrayList<>(header.entryCount());
        for (int i = 0; i < header.entryCount(); i++) {
            GptPartitionEntry entry = GptPartitionEntry.decode(array, i * header.entrySize());
            if (entry.isUsed()) {
                if (entry.firstLba() < 0 || entry.lastLba() < entry.firstLba() || entry.lastLba() >= diskSectors) {
                    throw new PartitionTableException("GPT entry " + (i + 1) + " (" + where + ")",
                            arrayOffset + (long) i * header.entrySize(), "sectors " + Long.toUnsignedString(entry.firstLba())
                            + ".." + Long.toUnsignedString(entry.lastLba()) + " are not inside the disk's " + diskSectors);
                }
            } else {
                entry = GptPartitionEntry.UNUSED;
            }
            slots.add(entry);
        }
        return new Gpt(header.diskGuid(), header.firstUsableLba(), header.lastUsableLba(), header.entrySize(), slots);
    }
}
