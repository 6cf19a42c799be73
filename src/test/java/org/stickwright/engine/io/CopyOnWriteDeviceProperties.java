package org.stickwright.engine.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A {@link CopyOnWriteDevice} reads like a plain in-memory copy of its base (grown with zeros)
 * that received the same writes, never changes its base, and its pending sectors replayed onto a
 * copy of the base give exactly that copy.
 */
class CopyOnWriteDeviceProperties {
    private static final int BASE = 5000;
    private static final int SIZE = 9000;

    record Write(int offset, byte[] bytes) {
    }

    @Provide
    Arbitrary<List<Write>> writes() {
        Arbitrary<Write> write = Combinators.combine(Arbitraries.integers().between(0, SIZE - 1),
                Arbitraries.integers().between(1, 1500), Arbitraries.integers())
                .as((offset, length, seed) -> {
                    int n = Math.min(length, SIZE - offset);
                    byte[] bytes = new byte[n];
                    new java.util.Random(seed).nextBytes(bytes);
                    return new Write(offset, bytes);
                });
        return write.list().ofMaxSize(12);
    }

    @Property(tries = 200)
    void readsAsTheBaseWithTheWritesAppliedAndLeavesTheBaseAlone(@ForAll("writes") List<Write> writes,
            @ForAll int readSeed) throws IOException {
        byte[] baseBytes = new byte[BASE];
        new java.util.Random(42).nextBytes(baseBytes);
        MemoryBlockDevice base = new MemoryBlockDevice(baseBytes.clone());
        byte[] model = Arrays.copyOf(baseBytes, SIZE);
        CopyOnWriteDevice cow = new CopyOnWriteDevice(base, SIZE);
        for (Write w : writes) {
            cow.write(ByteBuffer.wrap(w.bytes()), w.offset());
            System.arraycopy(w.bytes(), 0, model, w.offset(), w.bytes().length);
        }
        assertThat(cow.readBytes(0, SIZE)).isEqualTo(model);
        java.util.Random r = new java.util.Random(readSeed);
        int from = r.nextInt(SIZE);
        int length = r.nextInt(SIZE - from) + 1;
        assertThat(cow.readBytes(from, length)).isEqualTo(Arrays.copyOfRange(model, from, from + length));
        assertThat(base.bytes()).isEqualTo(baseBytes);

        MemoryBlockDevice replayed = new MemoryBlockDevice(Arrays.copyOf(baseBytes, SIZE));
        for (Map.Entry<Long, byte[]> sector : cow.pendingSectors().entrySet()) {
            replayed.writeBytes(sector.getKey() * CopyOnWriteDevice.SECTOR, sector.getValue());
        }
        assertThat(replayed.bytes()).isEqualTo(model);
        long end = writes.stream().mapToLong(w -> w.offset() + w.bytes().length).max().orElse(0);
        assertThat(cow.writtenEnd()).isEqualTo(Math.min(SIZE, (end + CopyOnWriteDevice.SECTOR - 1)
                / CopyOnWriteDevice.SECTOR * CopyOnWriteDevice.SECTOR));
    }
}
