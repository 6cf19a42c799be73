package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.io.MemoryBlockDevice;

class DmSnapshotStoreTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void readsTheWorkedExampleOfThePackageDocumentation() throws IOException {
        KernelLikeStore store = new KernelLikeStore(256 * MIB, 8);
        store.add(42, (byte) 0x42);
        store.add(7, (byte) 0x07);
        assertThat(HexFormat.of().formatHex(store.device.readBytes(0, 16))).isEqualTo("536e41700100000001000000" + "08000000");
        assertThat(HexFormat.of().formatHex(store.device.readBytes(4096, 32)))
                .isEqualTo("2a000000000000000200000000000000" + "07000000000000000300000000000000");

        DmSnapshotStore read = DmSnapshotStore.read(store.device);
        assertThat(read.state()).isEqualTo(DmSnapshotStore.State.VALID);
        assertThat(read.exceptionCount()).isEqualTo(2);
        assertThat(read.oldChunk(0)).isEqualTo(42);
        assertThat(read.newChunk(1)).isEqualTo(3);
        assertThat(read.dmsetupStatus()).isEqualTo("32/524288 16");
        assertThat(read.full()).isFalse();
    }

    @Test
    void aZeroHeaderIsAFreshStoreAsTheKernelInitialisesIt() throws IOException {
        DmSnapshotStore fresh = DmSnapshotStore.read(new MemoryBlockDevice(64 * MIB));
        assertThat(fresh.state()).isEqualTo(DmSnapshotStore.State.FRESH);
        assertThat(fresh.exceptionCount()).isZero();
        assertThat(fresh.dmsetupStatus()).isEqualTo("16/131072 16");
    }

    @Test
    void aFullAreaMakesTheKernelReadTheNextOneAndSkipItsChunk() throws IOException {
        KernelLikeStore store = new KernelLikeStore(8 * MIB, 8);
        for (int i = 0; i < 256; i++) {
            store.add(1000 + i, (byte) i);
        }
        DmSnapshotStore exactlyFull = DmSnapshotStore.read(store.device);
        assertThat(exactlyFull.currentArea()).isEqualTo(1);
        assertThat(exactlyFull.nextFreeChunk()).isEqualTo(259); // 258 is area 1
        assertThat(exactlyFull.dmsetupStatus()).isEqualTo(store.status()).isEqualTo("2072/16384 24");

        store.add(5, (byte) 5);
        DmSnapshotStore next = DmSnapshotStore.read(store.device);
        assertThat(next.exceptionCount()).isEqualTo(257);
        assertThat(next.newChunk(256)).isEqualTo(259);
        assertThat(next.dmsetupStatus()).isEqualTo(store.status()).isEqualTo("2080/16384 24");
    }

    @Property(tries = 40)
    void figuresMatchTheKernelModelForAnyNumberOfExceptions(@ForAll @IntRange(min = 0, max = 700) int count,
            @ForAll @IntRange(min = 0, max = 2) int chunkShift) throws IOException {
        int chunkSectors = 1 << chunkShift;
        KernelLikeStore store = new KernelLikeStore(4 * MIB, chunkSectors);
        long capacity = 4 * MIB / store.chunkBytes();
        for (int i = 0; i < count && store.nextFree + 2 < capacity; i++) {
            store.add(i * 3L + 1, (byte) i);
        }
        DmSnapshotStore read = DmSnapshotStore.read(store.device);
        assertThat(read.dmsetupStatus()).isEqualTo(store.status());
        assertThat(read.exceptionCount()).isEqualTo(store.records.size());
        for (int i = 0; i < read.exceptionCount(); i++) {
            assertThat(new long[] {read.oldChunk(i), read.newChunk(i)}).containsExactly(store.records.get(i));
        }
    }

    @Test
    void fullWhenTheNextAllocationWouldNotFit() throws IOException {
        KernelLikeStore store = new KernelLikeStore(8 * 4096, 8); // chunks 0..7: header, area 0, data 2..7
        for (int i = 0; i < 5; i++) {
            store.add(i, (byte) 1);
        }
        assertThat(DmSnapshotStore.read(store.device).full()).isFalse();
        store.add(9, (byte) 1);
        DmSnapshotStore full = DmSnapshotStore.read(store.device);
        assertThat(full.full()).isTrue();
        assertThat(full.dmsetupStatus()).isEqualTo("64/64 16");
    }

    @Test
    void anInvalidatedStoreSaysSoLikeTheKernel() throws IOException {
        KernelLikeStore store = new KernelLikeStore(MIB, 8);
        store.add(3, (byte) 3);
        store.putInt(4, 0);
        DmSnapshotStore invalid = DmSnapshotStore.read(store.device);
        assertThat(invalid.state()).isEqualTo(DmSnapshotStore.State.INVALID);
        assertThat(invalid.dmsetupStatus()).isEqualTo("Invalid");
        assertThat(invalid.exceptionCount()).isEqualTo(1);
    }

    @Test
    void corruptHeadersNameTheFieldAndItsOffset() throws IOException {
        assertCorrupt(store -> store.putInt(0, 0x12345678), "header", 0, "magic 0x12345678");
        assertCorrupt(store -> store.putInt(8, 2), "header", 8, "version 2");
        assertCorrupt(store -> store.putInt(12, 3), "header", 12, "chunk size 3");
        assertCorrupt(store -> store.putInt(12, 0), "header", 12, "chunk size 0");
        assertThatThrownBy(() -> DmSnapshotStore.read(new MemoryBlockDevice(100)))
                .isInstanceOf(DmSnapshotException.class).hasMessageContaining("shorter than one sector");
    }

    @Test
    void recordsPointingOutsideTheStoreOrAtMetadataAreRejected() throws IOException {
        assertCorrupt(store -> store.putLong(4096 + 16 + 8, 1L << 40), "exception record 1 of metadata area 0",
                4096 + 16, "past the end");
        assertCorrupt(store -> store.putLong(4096 + 8, 1), "exception record 0 of metadata area 0", 4096,
                "metadata area");
        assertCorrupt(store -> store.putLong(4096 + 8, -5), "exception record 0 of metadata area 0", 4096,
                "past the end");
        assertCorrupt(store -> store.putLong(4096, Long.MAX_VALUE), "exception record 0 of metadata area 0", 4096,
                "beyond any origin");
    }

    @Test
    void aFullLastAreaWhoseSuccessorLiesPastTheEndIsATruncatedStore() throws IOException {
        KernelLikeStore store = new KernelLikeStore(2 * MIB, 8);
        for (int i = 0; i < 256; i++) {
            store.add(i, (byte) 1);
        }
        MemoryBlockDevice truncated = MemoryBlockDevice.of(store.device.readBytes(0, 258 * 4096), 258 * 4096);
        assertThatThrownBy(() -> DmSnapshotStore.read(truncated)).isInstanceOfSatisfying(DmSnapshotException.class,
                e -> {
                    assertThat(e.structure()).isEqualTo("metadata area 1");
                    assertThat(e.offset()).isEqualTo(258L * 4096);
                });
    }

    interface Damage {
        void apply(KernelLikeStore store);
    }

    private static void assertCorrupt(Damage damage, String structure, long offset, String problem) {
        KernelLikeStore store = new KernelLikeStore(MIB, 8);
        store.add(10, (byte) 1);
        store.add(11, (byte) 2);
        damage.apply(store);
        assertThatThrownBy(() -> DmSnapshotStore.read(store.device)).isInstanceOfSatisfying(DmSnapshotException.class,
                e -> {
                    assertThat(e.structure()).isEqualTo(structure);
                    assertThat(e.offset()).isEqualTo(offset);
                    assertThat(e.getMessage()).contains(problem);
                });
    }
}
