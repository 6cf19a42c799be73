package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.io.MemoryBlockDevice;

class DmSnapshotEditorTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void resetZeroesTheFirst64KiBSoTheKernelStartsAfresh() throws IOException {
        KernelLikeStore store = new KernelLikeStore(4 * MIB, 8);
        for (int i = 0; i < 20; i++) {
            store.add(i, (byte) 7);
        }
        DmSnapshotEditor.reset(store.device);
        assertThat(store.device.readBytes(0, 64 * 1024)).containsOnly(0);
        assertThat(store.device.readBytes(64 * 1024, 16)).containsOnly(7); // data beyond is left alone
        assertThat(DmSnapshotStore.read(store.device).state()).isEqualTo(DmSnapshotStore.State.FRESH);
    }

    @Test
    void resetOfAStoreWithBigChunksZeroesTheWholeHeaderChunk() throws IOException {
        KernelLikeStore store = new KernelLikeStore(8 * MIB, 256); // 128 KiB chunks
        store.add(1, (byte) 9);
        store.putInt(100 * 1024, 0x55);
        DmSnapshotEditor.reset(store.device);
        assertThat(store.device.readBytes(0, 128 * 1024)).containsOnly(0);
    }

    @Test
    void recoverSetsTheValidFlagBackAndKeepsTheTable() throws IOException {
        KernelLikeStore store = new KernelLikeStore(4 * MIB, 8);
        for (int i = 0; i < 300; i++) {
            store.add(i * 2L, (byte) i);
        }
        String before = DmSnapshotStore.read(store.device).dmsetupStatus();
        store.putInt(4, 0);
        DmSnapshotEditor.Recovery recovery = DmSnapshotEditor.recover(store.device);
        assertThat(recovery.exceptions()).isEqualTo(300);
        assertThat(recovery.lost()).contains("e2fsck");
        DmSnapshotStore after = DmSnapshotStore.read(store.device);
        assertThat(after.state()).isEqualTo(DmSnapshotStore.State.VALID);
        assertThat(after.dmsetupStatus()).isEqualTo(before);
    }

    @Test
    void recoverRefusesAValidStoreAndChangesNothing() throws IOException {
        KernelLikeStore store = new KernelLikeStore(MIB, 8);
        store.add(1, (byte) 1);
        byte[] before = store.device.readBytes(0, (int) MIB);
        assertThatThrownBy(() -> DmSnapshotEditor.recover(store.device)).isInstanceOf(DmSnapshotException.class)
                .hasMessageContaining("not invalidated");
        assertThat(store.device.readBytes(0, (int) MIB)).isEqualTo(before);
    }

    @Test
    void growKeepsEveryByteAndZeroesTheNewMetadataAreasOverStaleData() throws IOException {
        KernelLikeStore store = new KernelLikeStore(2 * MIB, 8);
        for (int i = 0; i < 400; i++) {
            store.add(i + 5L, (byte) (i + 1));
        }
        DmSnapshotStore old = DmSnapshotStore.read(store.device);
        long size = DmSnapshotEditor.checkResize(old, 5 * MIB + 100);
        assertThat(size).isEqualTo(5 * MIB);
        byte[] stale = new byte[(int) size];
        Arrays.fill(stale, (byte) 0xEE);
        MemoryBlockDevice grown = new MemoryBlockDevice(stale);
        DmSnapshotEditor.copyResized(store.device, old, grown, false);

        assertThat(grown.readBytes(0, (int) (2 * MIB))).isEqualTo(store.device.readBytes(0, (int) (2 * MIB)));
        for (long area = 0; old.areaLocation(area) < size / 4096; area++) {
            long location = old.areaLocation(area);
            if (location * 4096 >= 2 * MIB) {
                assertThat(grown.readBytes(location * 4096, 4096)).as("area %d", area).containsOnly(0);
            }
        }
        DmSnapshotStore read = DmSnapshotStore.read(grown);
        assertThat(read.exceptionCount()).isEqualTo(400);
        assertThat(read.allocatedSectors()).isEqualTo(old.allocatedSectors());
        assertThat(read.totalSectors()).isEqualTo(5 * MIB / 512);
    }

    @Test
    void shrinkStopsAtTheHighestUsedChunkPlusOneFree() throws IOException {
        KernelLikeStore store = new KernelLikeStore(8 * MIB, 8);
        for (int i = 0; i < 256; i++) {
            store.add(i, (byte) 3);
        }
        DmSnapshotStore old = DmSnapshotStore.read(store.device);
        // area 0 full: chunks 0..257 used, area 1 (chunk 258) read by the kernel, next free 259
        assertThat(old.minimumSizeBytes()).isEqualTo(260 * 4096L);
        assertThatThrownBy(() -> DmSnapshotEditor.checkResize(old, 259 * 4096L))
                .isInstanceOf(DmSnapshotException.class).hasMessageContaining("at least " + 260 * 4096L);
        long size = DmSnapshotEditor.checkResize(old, 260 * 4096L);
        MemoryBlockDevice shrunk = new MemoryBlockDevice(size);
        DmSnapshotEditor.copyResized(store.device, old, shrunk, true);
        DmSnapshotStore read = DmSnapshotStore.read(shrunk);
        assertThat(read.exceptionCount()).isEqualTo(256);
        assertThat(read.full()).isFalse();
        assertThat(read.dmsetupStatus()).isEqualTo(old.allocatedSectors() + "/2080 24");
    }

    @Test
    void invalidStoresAreNeitherResizedNorMerged() throws IOException {
        KernelLikeStore store = new KernelLikeStore(MIB, 8);
        store.add(1, (byte) 1);
        store.putInt(4, 0);
        DmSnapshotStore invalid = DmSnapshotStore.read(store.device);
        assertThatThrownBy(() -> DmSnapshotEditor.checkResize(invalid, 4 * MIB)).hasMessageContaining("recover");
        assertThatThrownBy(() -> DmSnapshotEditor.merge(invalid, store.device, new MemoryBlockDevice(MIB)))
                .hasMessageContaining("recover");
    }

    @Test
    void mergeCopiesEachChunkToItsOriginPlaceAndTruncatesAtTheEnd() throws IOException {
        KernelLikeStore store = new KernelLikeStore(MIB, 8);
        store.add(0, (byte) 0x11);
        store.add(2, (byte) 0x22);
        store.add(3, (byte) 0x33); // origin is 3.5 chunks: only half of this one fits
        store.add(9, (byte) 0x99); // beyond the origin
        byte[] origin = new byte[4096 * 3 + 2048];
        Arrays.fill(origin, (byte) 0xAA);
        MemoryBlockDevice originDevice = new MemoryBlockDevice(origin);
        DmSnapshotEditor.MergeResult result = DmSnapshotEditor.merge(DmSnapshotStore.read(store.device),
                store.device, originDevice);
        assertThat(result).isEqualTo(new DmSnapshotEditor.MergeResult(3, 1, 1));
        assertThat(Arrays.copyOfRange(origin, 0, 4096)).containsOnly(0x11);
        assertThat(Arrays.copyOfRange(origin, 4096, 8192)).containsOnly(0xAA);
        assertThat(Arrays.copyOfRange(origin, 8192, 12288)).containsOnly(0x22);
        assertThat(Arrays.copyOfRange(origin, 12288, origin.length)).containsOnly(0x33);
    }
}
