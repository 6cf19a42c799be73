package org.stickwright.engine.part;

/*
 * The Master Boot Record is sector 0 (512 bytes):
 *
 *   0..439   boot code: BIOS jumps here; isohybrid ISOs keep their loader (isohdpfx, GRUB boot.img)
 *   440..443 disk signature (Windows uses it to tell disks apart; Linux shows it as PARTUUID xxxxxxxx-NN)
 *   444..445 usually zero ("copy protected" 0x5A5A on some tools)
 *   446..509 four 16-byte partition entries (see MbrPartitionEntry)
 *   510..511 0x55 0xAA
 *
 * A GPT disk keeps an MBR too: "protective" when its only entry has type 0xEE and covers the disk
 * from LBA 1, "hybrid" when real entries sit beside the 0xEE one.
 */

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.io.IOException;
import org.stickwright.engine.io.BlockDevice;

/**
 * A parsed Master Boot Record. The boot code is carried along byte for byte, so writing back an
 * MBR read from an ISO keeps the ISO bootable.
 *
 * @param bootCode      bytes 0..439
 * @param diskSignature bytes 440..443 as an unsigned 32-bit value
 * @param reserved      bytes 444..445
 * @param entries       the four entries, slot 1 first
 */
public record Mbr(byte[] bootCode, long diskSignature, int reserved, List<MbrPartitionEntry> entries) {
    public static final int SECTOR_SIZE = 512;
    public static final int BOOT_CODE_SIZE = 440;
    public static final int SIGNATURE_OFFSET = 440;
    public static final int TABLE_OFFSET = 446;
    public static final int BOOT_SIGNATURE_OFFSET = 510;

    /** What the MBR says about the rest of the disk. */
    public enum Kind {
        /** Boot signature present, no entries. */
        EMPTY,
        /** One 0xEE entry and nothing else: the disk is GPT. */
        PROTECTIVE,
        /** A 0xEE entry beside real entries: GPT, with some partitions also visible to BIOS. */
        HYBRID,
        /** A classic MBR ("dos" label), isohybrid ISOs included. */
        PLAIN
    }

    public Mbr {
        Objects.requireNonNull(bootCode, "bootCode");
        if (bootCode.length != BOOT_CODE_SIZE) {
            throw new IllegalArgumentException("boot code must be " + BOOT_CODE_SIZE + " bytes");
        }
        if (entries.size() != 4) {
            throw new IllegalArgumentException("an MBR has exactly four entries");
        }
        bootCode = bootCode.clone();
        entries = List.copyOf(entries);
    }

    /** An MBR with zero boot code, the given signature and entries (missing slots are empty). */
    public static Mbr fresh(long diskSignature, List<MbrPartitionEntry> entries) {
        return fresh(new byte[BOOT_CODE_SIZE], diskSignature, entries);
    }

    /** An MBR with the given boot code (e.g. kept from the old sector 0). */
    public static Mbr fresh(byte[] bootCode, long diskSignature, List<MbrPartitionEntry> entries) {
        if (entries.size() > 4) {
            throw new IllegalArgumentException("an MBR holds at most four primary partitions, not " + entries.size());
        }
        List<MbrPartitionEntry> slots = new ArrayList<>(entries);
        while (slots.size() < 4) {
            slots.add(MbrPartitionEntry.EMPTY);
        }
        return new Mbr(bootCode, diskSignature & 0xFFFFFFFFL, 0, slots);
    }

    /**
     * Parses sector 0. Throws when the 0x55AA signature is missing: without it nothing on the
     * disk is a table (a blank stick, or a superfloppy).
     */
    public static Mbr parse(byte[] sector, String deviceName) throws PartitionTableException {
        if (sector.length < SECTOR_SIZE) {
            throw new PartitionTableException("MBR of " + deviceName, 0, "only " + sector.length + " bytes");
        }
        if ((sector[BOOT_SIGNATURE_OFFSET] & 0xFF) != 0x55 || (sector[BOOT_SIGNATURE_OFFSET + 1] & 0xFF) != 0xAA) {
            throw new PartitionTableException("MBR boot signature of " + deviceName, BOOT_SIGNATURE_OFFSET,
                    String.format("expected 55 AA, found %02X %02X", sector[510] & 0xFF, sector[511] & 0xFF));
        }
        List<MbrPartitionEntry> entries = new ArrayList<>(4);
        for (int i = 0; i < 4; i++) {
            entries.add(MbrPartitionEntry.decode(sector, TABLE_OFFSET + i * MbrPartitionEntry.SIZE));
        }
        return new Mbr(Arrays.copyOf(sector, BOOT_CODE_SIZE), Bytes.u32(sector, SIGNATURE_OFFSET),
                Bytes.u16(sector, 444), entries);
    }

    /** Reads and parses sector 0 of {@code device}. */
    public static Mbr read(BlockDevice device) throws IOException {
        if (device.size() < SECTOR_SIZE) {
            throw new PartitionTableException("MBR of " + device.name(), 0, "device holds only " + device.size() + " bytes");
        }
        return parse(device.readBytes(0, SECTOR_SIZE), device.name());
    }

    /** Checks that every used entry lies inside a disk of {@code diskSectors} sectors. */
    public void checkInside(long diskSectors, String deviceName) throws PartitionTableException {
        for (int i = 0; i < 4; i++) {
            MbrPartitionEntry e = entries.get(i);
            if (e.isEmpty() || e.type() == MbrTypes.GPT_PROTECTIVE) {
                // A protective entry may legally claim more than the disk (sizes are capped at 2^32-1 or copied).
                continue;
            }
            if (e.endLba() > diskSectors) {
                throw new PartitionTableException("MBR entry " + (i + 1) + " of " + deviceName,
                        TABLE_OFFSET + i * MbrPartitionEntry.SIZE,
                        "sectors " + e.firstLba() + "+" + e.sectorCount() + " end beyond the disk's " + diskSectors);
            }
        }
    }

    public Kind kind() {
        boolean protective = false;
        boolean other = false;
        for (MbrPartitionEntry e : entries) {
            if (e.isEmpty()) {
                continue;
            }
            if (e.type() == MbrTypes.GPT_PROTECTIVE) {
                protective = true;
            } else {
                other = true;
            }
        }
        if (protective) {
            return other ? Kind.HYBRID : Kind.PROTECTIVE;
        }
        return other ? Kind.PLAIN : Kind.EMPTY;
    }

    /** The 1-based number of the first all-zero slot, or -1 when all four are used. */
    public int firstFreeSlot() {
        for (int i = 0; i < 4; i++) {
            if (entries.get(i).isEmpty()) {
                return i + 1;
            }
        }
        return -1;
    }

    @Override
    public byte[] bootCode() {
        return bootCode.clone();
    }

    /** This MBR with slot {@code number} (1-based) replaced. */
    public Mbr withEntry(int number, MbrPartitionEntry entry) {
        List<MbrPartitionEntry> copy = new ArrayList<>(entries);
        copy.set(number - 1, entry);
        return new Mbr(bootCode, diskSignature, reserved, copy);
    }

    /** The 512 bytes of sector 0. */
    public byte[] encode() {
        byte[] sector = new byte[SECTOR_SIZE];
        System.arraycopy(bootCode, 0, sector, 0, BOOT_CODE_SIZE);
        Bytes.put32(sector, SIGNATURE_OFFSET, diskSignature);
        Bytes.put16(sector, 444, reserved);
        for (int i = 0; i < 4; i++) {
            System.arraycopy(entries.get(i).encode(), 0, sector, TABLE_OFFSET + i * MbrPartitionEntry.SIZE,
                    MbrPartitionEntry.SIZE);
        }
        sector[BOOT_SIGNATURE_OFFSET] = 0x55;
        sector[BOOT_SIGNATURE_OFFSET + 1] = (byte) 0xAA;
        return sector;
    }

    /** Writes the whole of sector 0. */
    public void write(BlockDevice device) throws IOException {
        device.writeBytes(0, encode());
    }

    /**
     * Writes only the 16 bytes of slot {@code number} (1-based): the boot code, the other
     * entries and the signature stay exactly as they are on the device.
     */
    public static void writeEntry(BlockDevice device, int number, MbrPartitionEntry entry) throws IOException {
        if (number < 1 || number > 4) {
            throw new IllegalArgumentException("MBR slot " + number + " does not exist");
        }
        device.writeBytes(TABLE_OFFSET + (number - 1) * (long) MbrPartitionEntry.SIZE, entry.encode());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Mbr m && Arrays.equals(bootCode, m.bootCode) && diskSignature == m.diskSignature
                && reserved == m.reserved && entries.equals(m.entries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(bootCode), diskSignature, reserved, entries);
    }

    @Override
    public String toString() {
        return "Mbr[signature=" + String.format("%08x", diskSignature) + ", entries=" + entries + "]";
    }
}
