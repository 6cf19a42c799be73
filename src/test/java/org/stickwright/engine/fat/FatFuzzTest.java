package org.stickwright.engine.fat;

import org.stickwright.engine.io.MemoryBlockDevice;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;

/**
 * Feeds arbitrary bytes to the boot-sector, FAT and directory readers as a whole volume. The only
 * acceptable failure is an IOException (normally FatException); anything else, a hang or an
 * allocation beyond the input's size is a finding. Seeds (a FAT12 tree, the same with a cyclic
 * chain, a truncated FAT32 boot region) live in FatFuzzTestInputs/; without JAZZER_FUZZ=1 this
 * runs them as a regression test.
 */
class FatFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void readsAnyVolume(byte[] input) {
        MemoryBlockDevice device = new MemoryBlockDevice(input);
        try (FatFileSystem fs = FatFileSystem.open(device)) {
            fs.volumeLabel();
            fs.walk((path, entry) -> {
                if (!entry.isDirectory()) {
                    try (InputStream in = fs.openInputStream(path)) {
                        in.transferTo(OutputStreamSink.INSTANCE);
                    }
                }
            });
        } catch (IOException expected) {
            // corrupt input reported as it should be
        }
    }

    /** Discards bytes (the fuzz target only needs reads to complete). */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
