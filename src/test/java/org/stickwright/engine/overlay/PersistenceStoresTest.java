package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.io.MemoryBlockDevice;
import org.stickwright.engine.overlay.PersistenceStores.Found;
import org.stickwright.engine.overlay.PersistenceStores.Kind;

/**
 * The label "persistence" alone does not make a live-boot store: live-boot ignores such a volume
 * without persistence.conf, and Fedora hybrid and archiso stores share the label.
 */
class PersistenceStoresTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void aFedoraStoreOnAVolumeLabelledPersistenceIsTheOnlyStoreFound() throws IOException {
        MemoryBlockDevice volume = new MemoryBlockDevice(32 * MIB);
        Ext4Formatter.format(volume, Ext4Options.labelled("persistence").withEntries(List.of(
                Ext4Entry.directory("/LiveOS", 0755),
                Ext4Entry.directory("/LiveOS/overlay-persistent", 0755),
                Ext4Entry.directory("/LiveOS/ovlwork", 0755))));
        List<Found> found = PersistenceStores.find(volume);
        assertThat(found).extracting(Found::kind).containsExactly(Kind.OVERLAYFS_DIRECTORY);
        assertThat(found.get(0).path()).isEqualTo("/LiveOS/overlay-persistent");
    }

    @Test
    void aVolumeLabelledPersistenceWithPersistenceConfIsALiveBootStore() throws IOException {
        MemoryBlockDevice volume = new MemoryBlockDevice(32 * MIB);
        Ext4Formatter.format(volume, Ext4Options.labelled("persistence").withEntries(OverlayfsUpperTest.persistenceVolume()));
        assertThat(PersistenceStores.find(volume)).extracting(Found::kind, Found::path)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.LIVE_BOOT_PERSISTENCE, "/rw"));
    }
}
