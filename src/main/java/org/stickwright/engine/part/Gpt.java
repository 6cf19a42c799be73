package org.stickwright.engine.part;

/*
 * A GUID Partition Table occupies both ends of the disk (512-byte sectors, 128 entries):
 *
 *   LBA 0          protective MBR (one 0xEE entry from LBA 1)
 *   LBA 1          primary header
 *   LBA 2..33      primary entry array (128 x 128 bytes = 32 sectors)
 *   LBA 34..N-34   usable space (partitions, 1 MiB aligned from LBA 2048)
 *   LBA N-33..N-2  backup entry array (same bytes as the primary array)
 *   LBA N-1        backup header (its own LBA, the primary's as "other", the backup array's LBA)
 *
 * This record holds what both copies share; where the copies sit is the writer's business.
 */

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The contents of a GPT: disk GUID, usable range and every entry slot (used or not, so that
 * partition numbers — slot index + 1 — survive a rewrite).
 *
 * @param diskGuid       the disk GUID
 * @param firstUsableLba first sector partitions may use
 * @param lastUsableLba  last sector partitions may use
 * @param entrySize      bytes per entry (128)
 * @param slots          all entry slots; partition number = index + 1
 */
public record Gpt(UUID diskGuid, long firstUsableLba, long lastUsableLba, int entrySize, List<GptPartitionEntry> slots) {
    /** The usual number of slots; the array then takes 16 KiB. */
    public static final int DEFAULT_ENTRY_COUNT = 128;

    public Gpt {
        Objects.requireNonNull(diskGuid, "diskGuid");
        if (entrySize < GptPartitionEntry.MIN_SIZE || Integer.bitCount(entrySize) != 1) {
            throw new IllegalArgumentException("GPT entry size " + entrySize + " is not 128 x 2^n");
        }
        if (slots.isEmpty() || (long) slots.size() * entrySize > GptHeader.MAX_ARRAY_BYTES) {
            throw new IllegalArgumentException("GPT with " + slots.size() + " slots");
        }
        slots = List.copyOf(slots);
    }

    /**
     * A new GPT for a disk of {@code diskSectors} sectors: 128 slots, usable range between the
     * two entry arrays, {@code entries} in slots 1, 2, ...
     */
    public static Gpt fresh(long diskSectors, int sectorSize, UUID diskGuid, List<GptPartitionEntry> entries) {
        if (entries.size() > DEFAULT_ENTRY_COUNT) {
            throw new IllegalArgumentException("at most " + DEFAULT_ENTRY_COUNT + " partitions");
        }
        long arraySectors = arraySectors(DEFAULT_ENTRY_COUNT, GptPartitionEntry.MIN_SIZE, sectorSize);
        long firstUsable = 2 + arraySectors;
        long lastUsable = diskSectors - 2 - arraySectors;
        if (lastUsable < firstUsable) {
            throw new IllegalArgumentException("a disk of " + diskSectors + " sectors cannot hold a GPT");
        }
        List<GptPartitionEntry> slots = new ArrayList<>(entries);
        while (slots.size() < DEFAULT_ENTRY_COUNT) {
            slots.add(GptPartitionEntry.UNUSED);
        }
        return new Gpt(diskGuid, firstUsable, lastUsable, GptPartitionEntry.MIN_SIZE, slots);
    }

    static long arraySectors(long entryCount, int entrySize, int sectorSize) {
        return (entryCount * entrySize + sectorSize - 1) / sectorSize;
    }

    /** Sectors one copy of the entry array takes. */
    public long arraySectors(int sectorSize) {
        return arraySectors(slots.size(), entrySize, sectorSize);
    }

    /** The used entries, in slot order. */
    public List<GptPartitionEntry> usedEntries() {
        return slots.stream().filter(GptPartitionEntry::isUsed).toList();
    }

    /** The 0-based index of the first unused slot, or -1. */
    public int firstFreeSlot() {
        for (int i = 0; i < slots.size(); i++) {
            if (!slots.get(i).isUsed()) {
                return i;
            }
        }
        return -1;
    }

    public Gpt withSlot(int index, GptPartitionEntry entry) {
        List<GptPartitionEntry> copy = new ArrayList<>(slots);
        copy.set(index, entry);
        return new Gpt(diskGuid, firstUsableLba, lastUsableLba, entrySize, copy);
    }

    public Gpt withUsableRange(long firstUsable, long lastUsable) {
        return new Gpt(diskGuid, firstUsable, lastUsable, entrySize, slots);
    }

    /** The entry array, exactly {@code slots.size() * entrySize} bytes. */
    public byte[] encodeArray() {
        byte[] array = new byte[slots.size() * entrySize];
        for (int i = 0; i < slots.size(); i++) {
            GptPartitionEntry entry = slots.get(i);
            if (entry.isUsed()) {
                entry.encode(array, i * entrySize);
            }
        }
        return array;
    }
}
