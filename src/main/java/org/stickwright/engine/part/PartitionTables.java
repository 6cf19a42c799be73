package org.stickwright.engine.part;

/*
 * Which table rules a disk is decided as the Linux kernel decides it (block/partitions/efi.c,
 * msdos.c): a GPT counts only when sector 0 holds a protective or hybrid MBR (an 0xEE entry),
 * or holds no MBR at all. A plain MBR wins over any GPT also present — that is the situation on
 * isohybrid ISOs built with xorriso -isohybrid-gpt-basdat, whose GPT nobody uses.
 */

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.stickwright.engine.io.BlockDevice;

/**
 * The partition tables of a disk and the partitions they define.
 *
 * @param scheme     which table is in force
 * @param mbr        sector 0, or null when it holds no 55 AA signature
 * @param gpt        the GPT, or null when there is none (or, under an MBR scheme, a damaged one)
 * @param partitions the partitions of the table in force, by number
 */
public record PartitionTables(Scheme scheme, Mbr mbr, GptReader.Found gpt, List<Partition> partitions) {
    public enum Scheme { NONE, MBR, GPT }

    /**
     * One partition as the operating system will number it.
     *
     * @param number      1-based (MBR slot, or GPT slot index + 1)
     * @param firstLba    first sector
     * @param sectorCount size in sectors
     * @param type        "0x83"-style for MBR, the type GUID in upper case for GPT
     * @param name        the GPT name, "" under MBR
     * @param bootable    MBR active flag, or GPT attribute bit 2
     */
    public record Partition(int number, long firstLba, long sectorCount, String type, String name, boolean bootable) {
        public long endLba() {
            return firstLba + sectorCount;
        }
    }

    public PartitionTables {
        partitions = List.copyOf(partitions);
    }

    /** Reads both tables and decides which one rules. */
    public static PartitionTables read(BlockDevice device) throws IOException {
        int sectorSize = device.logicalSectorSize();
        long diskSectors = device.size() / sectorSize;
        Mbr mbr = null;
        if (device.size() >= Mbr.SECTOR_SIZE) {
            byte[] sector0 = device.readBytes(0, Mbr.SECTOR_SIZE);
            if ((sector0[510] & 0xFF) == 0x55 && (sector0[511] & 0xFF) == 0xAA) {
                mbr = Mbr.parse(sector0, device.name());
            }
        }
        boolean gptRules = mbr == null || mbr.kind() == Mbr.Kind.PROTECTIVE || mbr.kind() == Mbr.Kind.HYBRID;
        if (gptRules) {
            GptReader.Found gpt = GptReader.read(device).orElse(null);
            if (gpt == null) {
                if (mbr != null) {
                    throw new PartitionTableException("GPT of " + device.name(), sectorSize,
                            "the MBR has a protective 0xEE entry but neither GPT header is there");
                }
                return new PartitionTables(Scheme.NONE, null, null, List.of());
            }
            List<Partition> partitions = new ArrayList<>();
            List<GptPartitionEntry> slots = gpt.gpt().slots();
            for (int i = 0; i < slots.size(); i++) {
                GptPartitionEntry e = slots.get(i);
                if (e.isUsed()) {
                    partitions.add(new Partition(i + 1, e.firstLba(), e.sectorCount(),
                            e.type().toString().toUpperCase(Locale.ROOT), e.name(),
                            (e.attributes() & GptPartitionEntry.LEGACY_BIOS_BOOTABLE) != 0));
                }
            }
            return new PartitionTables(Scheme.GPT, mbr, gpt, partitions);
        }
        mbr.checkInside(diskSectors, device.name());
        GptReader.Found staleGpt;
        try {
            staleGpt = GptReader.read(device).orElse(null);
        } catch (PartitionTableException ignored) {
            // Under a plain MBR a GPT is dead weight; a broken one changes nothing.
            staleGpt = null;
        }
        List<Partition> partitions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            MbrPartitionEntry e = mbr.entries().get(i);
            if (!e.isEmpty()) {
                partitions.add(new Partition(i + 1, e.firstLba(), e.sectorCount(),
                        String.format("0x%02x", e.type()), "", e.isActive()));
            }
        }
        return new PartitionTables(Scheme.MBR, mbr, staleGpt, partitions);
    }
}
