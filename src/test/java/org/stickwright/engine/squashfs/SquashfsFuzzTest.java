package org.stickwright.engine.squashfs;

import org.stickwright.engine.io.MemoryBlockDevice;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;

/**
 * Jazzer target for the squashfs reader: superblock, metadata blocks, inodes, directory
 * listings, fragments and data blocks. Seeds are small mksquashfs images (uncompressed, gzip,
 * lz4, zstd) under src/test/resources/.../SquashfsFuzzTestInputs/. Any exception other than
 * SquashfsFormatException is a finding.
 */
class SquashfsFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void image(byte[] data) {
        try {
            SquashfsImage image = SquashfsImage.open(new MemoryBlockDevice(data.clone()));
            for (SquashfsEntry entry : image.walk()) {
                if (entry.isFile() && entry.size() <= 1 << 20) {
                    image.readFile(entry, 1 << 20);
                }
            }
        } catch (SquashfsFormatException expected) {
            // corrupt input reported as such
        } catch (IOException e) {
            throw new AssertionError("not a SquashfsFormatException", e);
        }
    }
}
