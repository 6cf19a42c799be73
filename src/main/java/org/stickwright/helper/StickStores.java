package org.stickwright.helper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.ext.Ext4Superblock;
import org.stickwright.engine.ext.Ext4Usage;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.FormatException;
import org.stickwright.engine.part.PartitionTables;
import org.stickwright.ipc.StoreInfo;

/**
 * Reads a stick's partitions and, for each ext4 one, its label, usage and clean/dirty state,
 * from the on-disk structures alone (no mount): the technician window's store list.
 */
public final class StickStores {
    /** Labels (or GPT names) the families' initramfs look for (design §2). */
    static final Set<String> PERSISTENCE_LABELS = Set.of("persistence", "writable", "casper-rw", "home-rw", "cow",
            "stickwright-persistence");

    private StickStores() {
    }

    public static List<StoreInfo> read(BlockDevice device) throws IOException {
        PartitionTables tables = PartitionTables.read(device);
        int sector = device.logicalSectorSize();
        List<StoreInfo> stores = new ArrayList<>();
        for (PartitionTables.Partition partition : tables.partitions()) {
            long offset = partition.firstLba() * sector;
            long length = partition.sectorCount() * sector;
            if (offset >= device.size() || length <= 0) {
                continue;
            }
            length = Math.min(length, device.size() - offset);
            String label = partition.name();
            String filesystem = "";
            long used = -1;
            String state = "";
            try {
                Ext4Reader ext4 = Ext4Reader.open(device.slice(offset, length));
                Ext4Superblock superblock = ext4.superblock();
                Ext4Usage usage = ext4.usage();
                filesystem = "ext4";
                label = superblock.label().isEmpty() ? label : superblock.label();
                used = usage.usedBlocks() * superblock.blockSize();
                state = superblock.needsRecovery() ? "needs-recovery"
                        : superblock.cleanlyUnmounted() ? "clean" : "not-cleanly-unmounted";
            } catch (FormatException e) {
                // Not ext4 (the ISO, the EFI image, a FAT data partition): listed without usage.
            }
            String role = PERSISTENCE_LABELS.contains(label.toLowerCase(Locale.ROOT)) || label.startsWith("persistence-")
                    ? "persistence" : "other";
            stores.add(new StoreInfo(partition.number(), label, filesystem, role, offset, length, used, state));
        }
        return stores;
    }
}
