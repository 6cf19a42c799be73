package org.stickwright.engine.ext;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What {@link Ext4Formatter} makes: volume label (at most 16 bytes of UTF-8), UUID ({@code null}
 * for a random one), bytes of space per inode (mke2fs's {@code -i}, default 16384), the share of
 * blocks reserved for root in percent (mke2fs's {@code -m}, default 5; persistence partitions
 * usually want 0), the creation time written into every timestamp, and the tree to populate.
 */
public record Ext4Options(String label, UUID uuid, int bytesPerInode, int reservedPercent, Instant creationTime,
        List<Ext4Entry> entries) {

    public Ext4Options {
        label = label == null ? "" : label;
        if (label.getBytes(StandardCharsets.UTF_8).length > 16) {
            throw new IllegalArgumentException("ext4 labels hold at most 16 bytes: " + label);
        }
        if (bytesPerInode < 4096 || bytesPerInode > 67_108_864 || Integer.bitCount(bytesPerInode) != 1) {
            throw new IllegalArgumentException("bytes per inode must be a power of two from 4096 to 64 MiB: " + bytesPerInode);
        }
        if (reservedPercent < 0 || reservedPercent > 50) {
            throw new IllegalArgumentException("reserved percentage must be 0..50: " + reservedPercent);
        }
        creationTime = creationTime == null ? Instant.now() : creationTime;
        entries = List.copyOf(entries == null ? List.of() : entries);
    }

    /** Label, random UUID, mke2fs defaults, nothing populated. */
    public static Ext4Options labelled(String label) {
        return new Ext4Options(label, null, 16384, 5, null, List.of());
    }

    public Ext4Options withUuid(UUID newUuid) {
        return new Ext4Options(label, newUuid, bytesPerInode, reservedPercent, creationTime, entries);
    }

    public Ext4Options withReservedPercent(int percent) {
        return new Ext4Options(label, uuid, bytesPerInode, percent, creationTime, entries);
    }

    public Ext4Options withBytesPerInode(int bytes) {
        return new Ext4Options(label, uuid, bytes, reservedPercent, creationTime, entries);
    }

    public Ext4Options withCreationTime(Instant time) {
        return new Ext4Options(label, uuid, bytesPerInode, reservedPercent, Objects.requireNonNull(time), entries);
    }

    public Ext4Options withEntries(List<Ext4Entry> newEntries) {
        return new Ext4Options(label, uuid, bytesPerInode, reservedPercent, creationTime, newEntries);
    }
}
