package org.stickwright.engine.overlay;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import org.stickwright.engine.io.MemoryBlockDevice;

/**
 * Jazzer target for the dm-snapshot store reader and the edits that read a store first
 * (recover, merge, resize check). Any exception other than DmSnapshotException is a finding,
 * as is a read that does not finish (a cycle) or exhausts memory.
 */
class DmSnapshotStoreFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void store(byte[] data) {
        try {
            MemoryBlockDevice device = new MemoryBlockDevice(data.clone());
            DmSnapshotStore store = DmSnapshotStore.read(device);
            store.dmsetupStatus();
            if (store.state() != DmSnapshotStore.State.INVALID) {
                DmSnapshotEditor.merge(store, device, new MemoryBlockDevice(64 * 1024));
                DmSnapshotEditor.checkResize(store, data.length * 2L);
            } else {
                DmSnapshotEditor.recover(device);
            }
        } catch (DmSnapshotException expected) {
            // corrupt input reported as such
        } catch (IOException e) {
            throw new AssertionError("not a DmSnapshotException", e);
        }
    }
}
