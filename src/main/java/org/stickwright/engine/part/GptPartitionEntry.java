package org.stickwright.engine.part;

/*
 * One GPT partition entry (128 bytes in every GPT seen in practice; the header states the size):
 *
 *   +0   type GUID        16 bytes, mixed-endian (see Guids); all zero = unused slot
 *   +16  unique GUID      16 bytes; Linux shows it as PARTUUID
 *   +32  first LBA        64-bit little-endian
 *   +40  last LBA         64-bit little-endian, inclusive
 *   +48  attributes       bit 0 required, bit 1 no block-IO protocol, bit 2 legacy BIOS bootable,
 *                         bits 48-63 type-specific (Microsoft: 60 read-only, 62 hidden, 63 no automount)
 *   +56  name             72 bytes = 36 UTF-16LE code units, NUL-padded
 */

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/**
 * A GPT partition entry.
 *
 * @param type       type GUID ({@link GptTypes})
 * @param unique     unique partition GUID
 * @param firstLba   first sector
 * @param lastLba    last sector, inclusive
 * @param attributes attribute bits ({@link #LEGACY_BIOS_BOOTABLE} ...)
 * @param name       up to 36 UTF-16 code units
 */
public record GptPartitionEntry(UUID type, UUID unique, long firstLba, long lastLba, long attributes, String name) {
    /** Bytes the name field takes; larger entries leave the rest reserved. */
    public static final int NAME_BYTES = 72;
    public static final int MIN_SIZE = 128;
    public static final long REQUIRED = 1L;
    public static final long NO_BLOCK_IO_PROTOCOL = 1L << 1;
    /** Bit 2: some BIOS loaders (syslinux gptmbr) boot the partition carrying it. */
    public static final long LEGACY_BIOS_BOOTABLE = 1L << 2;
    /** An unused slot. */
    public static final GptPartitionEntry UNUSED = new GptPartitionEntry(GptTypes.UNUSED, GptTypes.UNUSED, 0, 0, 0, "");

    public GptPartitionEntry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(unique, "unique");
        Objects.requireNonNull(name, "name");
        if (name.length() > NAME_BYTES / 2) {
            throw new IllegalArgumentException("GPT partition name longer than 36 UTF-16 units: " + name);
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("GPT partition name contains NUL");
        }
    }

    public boolean isUsed() {
        return !type.equals(GptTypes.UNUSED);
    }

    public long sectorCount() {
        return lastLba - firstLba + 1;
    }

    static GptPartitionEntry decode(byte[] bytes, int offset) {
        UUID type = Guids.decode(bytes, offset);
        UUID unique = Guids.decode(bytes, offset + 16);
        int length = 0;
        while (length < NAME_BYTES / 2 && Bytes.u16(bytes, offset + 56 + 2 * length) != 0) {
            length++;
        }
        String name = new String(bytes, offset + 56, 2 * length, StandardCharsets.UTF_16LE);
        if (name.length() > NAME_BYTES / 2) {
            // Cannot grow in decoding UTF-16, but the invariant must hold even for broken surrogates.
            name = name.substring(0, NAME_BYTES / 2);
        }
        return new GptPartitionEntry(type, unique, Bytes.u64(bytes, offset + 32), Bytes.u64(bytes, offset + 40),
                Bytes.u64(bytes, offset + 48), name);
    }

    void encode(byte[] bytes, int offset) {
        Guids.encode(type, bytes, offset);
        Guids.encode(unique, bytes, offset + 16);
        Bytes.put64(bytes, offset + 32, firstLba);
        Bytes.put64(bytes, offset + 40, lastLba);
        Bytes.put64(bytes, offset + 48, attributes);
        for (int i = 0; i < name.length(); i++) {
            Bytes.put16(bytes, offset + 56 + 2 * i, name.charAt(i));
        }
    }
}
