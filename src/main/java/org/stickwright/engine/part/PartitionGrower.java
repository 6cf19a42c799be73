package org.stickwright.engine.part;

/*
 * Moving a partition's end further out, into free space after it; its start and contents stay.
 * What is rewritten, by table kind:
 *
 *   MBR   the 16-byte entry (sector 0, byte 446 + 16 x (n-1)): sector count at +12 and the CHS
 *         end at +5..+7. Nothing else in sector 0 (boot code, the isohybrid ISO entry) moves.
 *   GPT   the entry's last LBA (+40 in its 128-byte slot), then both entry arrays and both
 *         headers with their CRC32s (GptWriter), at the places they already are. A hybrid MBR
 *         entry that mirrors the partition (same start and end) is grown alongside it.
 *
 * The free space is what no other partition starts in: from the partition's end up to the
 * next partition's start, the disk's end (MBR, and at most 2^32 - 1 sectors from the start)
 * or the last usable LBA (GPT). A partition inside another one's range (isohybrid: the EFI
 * image inside the ISO entry) is ignored only when it starts before this partition.
 *
 * Example: a Debian hybrid stick of 8 GiB, MBR, the ISO in entry 1 (sectors 0..819199),
 * persistence in entry 3 at 821248 with 2097152 sectors (1 GiB). Growing it to 4 GiB writes
 * sector count 8388608 into entry 3 — 16 bytes in sector 0.
 */

import java.io.IOException;
import org.stickwright.engine.io.BlockDevice;

/** Grows one partition's entry into the free space after it. */
public final class PartitionGrower {
    private PartitionGrower() {
    }

    /** The partition cannot grow as asked; the message says why and how far it could. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message);
        }
    }

    /**
     * What growing would do.
     *
     * @param number     partition number (MBR slot 1-4, GPT entry index + 1)
     * @param firstLba   its start, unchanged
     * @param oldSectors its size now
     * @param newSectors its size after growing
     * @param maxSectors the most it could have (up to the next partition or the table's end)
     */
    public record Plan(PartitionTables.Scheme scheme, int number, int sectorSize, long firstLba, long oldSectors,
            long newSectors, long maxSectors) {
        public long newBytes() {
            return newSectors * sectorSize;
        }

        public long maxBytes() {
            return maxSectors * sectorSize;
        }
    }

    /**
     * Checks that partition {@code number} of {@code device} can become {@code bytes} long
     * (rounded down to whole sectors; {@code Long.MAX_VALUE} = all the free space after it).
     * A size that is not larger, or larger than the free space allows, is refused
     * ({@link Refused}, naming the room there is). Nothing is written.
     */
    public static Plan plan(BlockDevice device, int number, long bytes) throws IOException {
        PartitionTables tables = PartitionTables.read(device);
        PartitionTables.Partition partition = tables.partitions().stream().filter(p -> p.number() == number)
                .findFirst().orElseThrow(() -> new PartitionTableException("partition table of " + device.name(), 0,
                        "no partition " + number));
        int sectorSize = device.logicalSectorSize();
        long diskSectors = device.size() / sectorSize;
        long limit;
        if (tables.scheme() == PartitionTables.Scheme.GPT) {
            limit = tables.gpt().gpt().lastUsableLba() + 1;
        } else {
            limit = Math.min(diskSectors, partition.firstLba() + LayoutPlanner.MBR_MAX_SECTORS);
        }
        for (PartitionTables.Partition other : tables.partitions()) {
            if (other.number() != number && other.firstLba() > partition.firstLba()) {
                limit = Math.min(limit, other.firstLba());
            }
        }
        long max = limit - partition.firstLba();
        long wanted = bytes == Long.MAX_VALUE ? max : bytes / sectorSize;
        if (wanted <= partition.sectorCount()) {
            throw new Refused("partition " + number + " of " + device.name() + " already has "
                    + partition.sectorCount() * sectorSize + " bytes" + (bytes == Long.MAX_VALUE
                    ? " and no free space follows it" : "; asked for " + wanted * sectorSize) + "; a partition only grows here");
        }
        if (wanted > max) {
            throw new Refused("partition " + number + " of " + device.name() + " can grow to at most "
                    + max * sectorSize + " bytes (up to " + (limit == diskSectors ? "the end of the disk"
                    : "sector " + limit + ", where the next partition or the table's usable space ends")
                    + "); asked for " + wanted * sectorSize);
        }
        return new Plan(tables.scheme(), number, sectorSize, partition.firstLba(), partition.sectorCount(), wanted, max);
    }

    /** Writes the grown entry (see the class comment); the partition's contents are not touched. */
    public static void grow(BlockDevice device, Plan plan) throws IOException {
        PartitionTables tables = PartitionTables.read(device);
        long oldEnd = plan.firstLba() + plan.oldSectors() - 1;
        long newEnd = plan.firstLba() + plan.newSectors() - 1;
        if (tables.scheme() == PartitionTables.Scheme.GPT) {
            GptReader.Found found = tables.gpt();
            Gpt gpt = found.gpt();
            GptPartitionEntry e = gpt.slots().get(plan.number() - 1);
            if (e.firstLba() != plan.firstLba() || e.lastLba() != oldEnd) {
                throw new PartitionTableException("GPT entry " + plan.number() + " of " + device.name(), 0,
                        "changed since it was planned");
            }
            Gpt grown = gpt.withSlot(plan.number() - 1, new GptPartitionEntry(e.type(), e.unique(), e.firstLba(),
                    newEnd, e.attributes(), e.name()));
            long primaryEntries = found.primary() != null ? found.primary().entriesLba() : 2;
            long backupHeader = found.backup() != null ? found.backup().myLba() : found.primary().alternateLba();
            GptWriter.write(device, grown, primaryEntries, backupHeader);
            if (tables.mbr() != null) {
                for (int i = 0; i < 4; i++) {
                    MbrPartitionEntry m = tables.mbr().entries().get(i);
                    if (m.type() != MbrTypes.GPT_PROTECTIVE && !m.isEmpty() && m.firstLba() == plan.firstLba()
                            && m.sectorCount() == plan.oldSectors()) {
                        Mbr.writeEntry(device, i + 1, resized(m, plan.newSectors()));
                    }
                }
            }
        } else {
            MbrPartitionEntry m = tables.mbr().entries().get(plan.number() - 1);
            if (m.firstLba() != plan.firstLba() || m.sectorCount() != plan.oldSectors()) {
                throw new PartitionTableException("MBR entry " + plan.number() + " of " + device.name(),
                        Mbr.TABLE_OFFSET + 16L * (plan.number() - 1), "changed since it was planned");
            }
            Mbr.writeEntry(device, plan.number(), resized(m, plan.newSectors()));
        }
        device.flush();
    }

    private static MbrPartitionEntry resized(MbrPartitionEntry m, long sectors) {
        return new MbrPartitionEntry(m.status(), m.chsFirst(), m.type(), MbrPartitionEntry.chs(m.firstLba() + sectors - 1),
                m.firstLba(), sectors);
    }
}
