package org.stickwright.engine.part;

/*
 * A hybrid ISO written byte for byte to a stick carries its own partition table, made for a
 * disk exactly as large as the ISO. Two kinds are in the wild (both from xorriso):
 *
 * isohybrid MBR (Debian, grub-mkrescue, -isohybrid-gpt-basdat): sector 0 is a plain MBR:
 *   entry 1  type 0x00 (or 0xCD, 0x83, 0x17), start LBA 0 or 1, active, covers the ISO 9660
 *   entry 2  type 0xEF, the EFI FAT image (often appended after the ISO)
 *   plus a GPT at LBA 1 whose backup header sits in the ISO's last sector; firmware and Linux
 *   ignore it because the MBR has no 0xEE entry. sgdisk, however, would read it and complain.
 * We add the new partition in the first all-zero MBR slot (16 bytes written, nothing else in
 * sector 0 touched: entry 1 looks empty by type but is the ISO) and zero both stale GPT headers.
 *
 * GPT ISO (Fedora 37+, Ubuntu; -partition_offset 16 -appended_part_as_gpt): a protective MBR
 * and a GPT with entries "ISO9660" from LBA 64, "Appended2" (EFI) and a "Gap" filler, the backup
 * header in the ISO's last sector. We keep the GPT, add the entry in the first free slot, write
 * the backup array and header at the stick's end (new last usable LBA), zero the old backup
 * header, and stretch the 0xEE entry that covered the ISO over the stick. Ubuntu's MBR has a
 * second, dummy entry (type 0x00, active, LBA 0, one sector: xorriso --mbr-force-bootable) for
 * BIOSes that boot only from a disk with an active entry; it stays.
 *
 * Converting an isohybrid-MBR stick to GPT is never done: the ISO 9660 must stay reachable as
 * a partition, or dracut mounts the whole disk and cannot then mount the persistence partition.
 */

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.stickwright.engine.io.BlockDevice;

/** Adds partitions after a hybrid ISO written to a larger disk, keeping the ISO's own table kind. */
public final class HybridIsoTables {
    private HybridIsoTables() {
    }

    /** Which table kind the ISO brought. */
    public enum Layout {
        /** A plain MBR rules; any GPT is stale. */
        ISOHYBRID_MBR,
        /** A protective (or hybrid) MBR and a GPT. */
        GPT
    }

    /**
     * A partition to add.
     *
     * @param request       its size, or the rest of the disk
     * @param mbrType       type byte when the disk stays MBR
     * @param gptType       type GUID when the disk is GPT
     * @param name          GPT name (Debian live-boot finds "persistence" by it)
     * @param uniqueGuid    GPT unique partition GUID
     * @param gptAttributes GPT attribute bits
     */
    public record NewPartition(LayoutPlanner.Request request, int mbrType, UUID gptType, String name, UUID uniqueGuid,
                               long gptAttributes) {
        public NewPartition {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(gptType, "gptType");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(uniqueGuid, "uniqueGuid");
        }

        /** A Linux filesystem partition (ext4 persistence). */
        public static NewPartition linux(LayoutPlanner.Request request, String name) {
            return new NewPartition(request, MbrTypes.LINUX, GptTypes.LINUX_FILESYSTEM, name, UUID.randomUUID(), 0);
        }

        /** A FAT32 data partition that Windows mounts too. */
        public static NewPartition fat32(LayoutPlanner.Request request, String name) {
            return new NewPartition(request, MbrTypes.FAT32_LBA, GptTypes.MICROSOFT_BASIC_DATA, name, UUID.randomUUID(), 0);
        }

        /** An exFAT data partition. */
        public static NewPartition exfat(LayoutPlanner.Request request, String name) {
            return new NewPartition(request, MbrTypes.EXFAT_NTFS, GptTypes.MICROSOFT_BASIC_DATA, name, UUID.randomUUID(), 0);
        }
    }

    /**
     * What was added.
     *
     * @param number      the partition number the OS will give it (/dev/sdX{number})
     * @param firstLba    first sector
     * @param sectorCount size in sectors
     * @param layout      the table kind it was added to
     */
    public record AddedPartition(int number, long firstLba, long sectorCount, Layout layout) {
        public long offsetBytes(int sectorSize) {
            return firstLba * sectorSize;
        }
    }

    /** The table kind of a written hybrid ISO. */
    public static Layout detect(BlockDevice device) throws IOException {
        return layoutOf(PartitionTables.read(device), device);
    }

    /**
     * One past the last byte the ISO's tables use: the end of every partition and, while it
     * is not yet at the disk's end, of the backup GPT. New partitions go after this.
     */
    public static long contentEndBytes(BlockDevice device) throws IOException {
        return contentEndBytes(PartitionTables.read(device), device);
    }

    /** Adds {@code partition} after the ISO and everything its tables use. */
    public static AddedPartition addPartitionAfterIso(BlockDevice device, NewPartition partition) throws IOException {
        return addPartitionAfterIso(device, 0, partition);
    }

    /**
     * Adds {@code partition} after both {@code isoEndBytes} (e.g. the ISO file's size) and all
     * content the tables describe, 1 MiB aligned.
     *
     * @throws LayoutDoesNotFitException when the disk has no room for it
     */
    public static AddedPartition addPartitionAfterIso(BlockDevice device, long isoEndBytes, NewPartition partition)
            throws IOException {
        PartitionTables tables = PartitionTables.read(device);
        Layout layout = layoutOf(tables, device);
        int sectorSize = device.logicalSectorSize();
        long diskSectors = device.size() / sectorSize;
        long contentEnd = Math.max(isoEndBytes, contentEndBytes(tables, device));
        return layout == Layout.ISOHYBRID_MBR
                ? addToMbr(device, tables.mbr(), contentEnd, partition)
                : addToGpt(device, tables, contentEnd, diskSectors, partition);
    }

    private static Layout layoutOf(PartitionTables tables, BlockDevice device) throws PartitionTableException {
        return switch (tables.scheme()) {
            case MBR -> Layout.ISOHYBRID_MBR;
            case GPT -> Layout.GPT;
            case NONE -> throw new PartitionTableException("partition table of " + device.name(), 0,
                    "neither an MBR nor a GPT: not a hybrid ISO");
        };
    }

    private static long contentEndBytes(PartitionTables tables, BlockDevice device) throws IOException {
        int sectorSize = device.logicalSectorSize();
        long diskSectors = device.size() / sectorSize;
        long endLba = 0;
        for (PartitionTables.Partition p : tables.partitions()) {
            endLba = Math.max(endLba, p.endLba());
        }
        if (tables.mbr() != null) {
            for (MbrPartitionEntry e : tables.mbr().entries()) {
                if (!e.isEmpty() && e.type() != MbrTypes.GPT_PROTECTIVE) {
                    endLba = Math.max(endLba, e.endLba());
                }
            }
        }
        if (tables.gpt() != null) {
            GptReader.Found gpt = tables.gpt();
            if (gpt.primary() != null && gpt.primary().alternateLba() < diskSectors - 1) {
                endLba = Math.max(endLba, gpt.primary().alternateLba() + 1);
            }
            if (gpt.backup() != null && gpt.backup().myLba() < diskSectors - 1) {
                endLba = Math.max(endLba, gpt.backup().myLba() + 1);
            }
        }
        return endLba * sectorSize;
    }

    private static AddedPartition addToMbr(BlockDevice device, Mbr mbr, long contentEnd, NewPartition partition)
            throws IOException {
        int slot = mbr.firstFreeSlot();
        if (slot < 0) {
            throw new PartitionTableException("MBR of " + device.name(), Mbr.TABLE_OFFSET,
                    "all four entries are in use; no room for another partition");
        }
        int sectorSize = device.logicalSectorSize();
        LayoutPlanner.Extent extent = LayoutPlanner.forMbr(device.size(), sectorSize)
                .plan(contentEnd, List.of(partition.request())).get(0);
        MbrPartitionEntry entry = MbrPartitionEntry.of(partition.mbrType(), extent.firstSector(sectorSize),
                extent.sectorCount(sectorSize), false);
        FreshTables.zeroGptHeaders(device);
        Mbr.writeEntry(device, slot, entry);
        return new AddedPartition(slot, entry.firstLba(), entry.sectorCount(), Layout.ISOHYBRID_MBR);
    }

    private static AddedPartition addToGpt(BlockDevice device, PartitionTables tables, long contentEnd, long diskSectors,
                                           NewPartition partition) throws IOException {
        int sectorSize = device.logicalSectorSize();
        GptReader.Found found = tables.gpt();
        Gpt gpt = found.gpt();
        int slot = gpt.firstFreeSlot();
        if (slot < 0) {
            throw new PartitionTableException("GPT entry array of " + device.name(), found.header().entriesLba() * sectorSize,
                    "all " + gpt.slots().size() + " entries are in use");
        }
        long arraySectors = gpt.arraySectors(sectorSize);
        LayoutPlanner planner = LayoutPlanner.forGpt(device.size(), sectorSize, arraySectors);
        LayoutPlanner.Extent extent = planner.plan(contentEnd, List.of(partition.request())).get(0);
        long first = extent.firstSector(sectorSize);
        GptPartitionEntry entry = new GptPartitionEntry(partition.gptType(), partition.uniqueGuid(), first,
                first + extent.sectorCount(sectorSize) - 1, partition.gptAttributes(), partition.name());
        long newBackupLba = diskSectors - 1;
        Gpt grown = gpt.withSlot(slot, entry).withUsableRange(gpt.firstUsableLba(), newBackupLba - arraySectors - 1);
        long primaryEntriesLba = found.primary() != null ? found.primary().entriesLba() : 2;
        long oldBackupLba = found.backup() != null ? found.backup().myLba()
                : found.primary().alternateLba();

        GptWriter.write(device, grown, primaryEntriesLba, newBackupLba);
        if (oldBackupLba != newBackupLba && oldBackupLba > 1 && oldBackupLba < diskSectors
                && GptHeader.hasSignature(device.readBytes(oldBackupLba * sectorSize, sectorSize))) {
            GptWriter.zeroHeader(device, oldBackupLba);
        }
        stretchProtectiveEntry(device, tables.mbr(), oldBackupLba + 1, diskSectors);
        return new AddedPartition(slot + 1, first, extent.sectorCount(sectorSize), Layout.GPT);
    }

    /**
     * A 0xEE entry that covered the whole ISO ({@code oldDiskEndLba}) is stretched over the whole
     * stick (up to 2^32-1 sectors). That is the protective entry, also when a "bootable" dummy entry
     * sits beside it (xorriso --mbr-force-bootable, Ubuntu). A true hybrid MBR's 0xEE entry, which
     * ends where the first hybrid partition begins, is left as its maker sized it.
     */
    private static void stretchProtectiveEntry(BlockDevice device, Mbr mbr, long oldDiskEndLba, long diskSectors)
            throws IOException {
        if (mbr == null) {
            return;
        }
        for (int i = 0; i < 4; i++) {
            MbrPartitionEntry e = mbr.entries().get(i);
            boolean coveredTheIso = e.endLba() >= oldDiskEndLba || e.sectorCount() == LayoutPlanner.MBR_MAX_SECTORS;
            if (e.type() == MbrTypes.GPT_PROTECTIVE && coveredTheIso && e.firstLba() < diskSectors) {
                long count = Math.min(diskSectors - e.firstLba(), LayoutPlanner.MBR_MAX_SECTORS);
                MbrPartitionEntry stretched = new MbrPartitionEntry(e.status(), e.chsFirst(), e.type(),
                        MbrPartitionEntry.chs(e.firstLba() + count - 1), e.firstLba(), count);
                if (!stretched.equals(e)) {
                    Mbr.writeEntry(device, i + 1, stretched);
                }
            }
        }
    }
}
