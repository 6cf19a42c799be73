package org.stickwright.engine.iso;

import org.stickwright.engine.io.MemoryBlockDevice;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.util.Arrays;

/**
 * Jazzer targets for the ISO 9660 parsers. Without JAZZER_FUZZ=1 they replay the seeds under
 * src/test/resources/.../IsoFuzzTestInputs/ (real directory blocks and boot catalogs from
 * xorriso and grub-mkrescue images); with it they fuzz. Any exception other than
 * IsoFormatException is a finding.
 */
class IsoFuzzTest {

    /** A directory extent: records, SUSP/RRIP areas and CE continuations inside the same bytes. */
    @FuzzTest(maxDuration = "30s")
    void directoryRecords(byte[] data) {
        byte[] extent = Arrays.copyOf(data, Math.max(IsoImage.BLOCK_SIZE,
                (data.length + IsoImage.BLOCK_SIZE - 1) / IsoImage.BLOCK_SIZE * IsoImage.BLOCK_SIZE));
        SystemUseArea.ContinuationSource continuations = new SystemUseArea.ContinuationSource() {
            @Override
            public byte[] read(long block, int offset, int length) throws IOException {
                long at = block * IsoImage.BLOCK_SIZE + offset;
                if (block < 0 || at + length > extent.length) {
                    throw new IsoFormatException("SUSP continuation area", at, "outside the extent");
                }
                return Arrays.copyOfRange(extent, (int) at, (int) at + length);
            }

            @Override
            public long position(long block) {
                return block * IsoImage.BLOCK_SIZE;
            }
        };
        for (IsoImage.Naming naming : new IsoImage.Naming[] {IsoImage.Naming.ROCK_RIDGE, IsoImage.Naming.JOLIET}) {
            try {
                IsoImage.parseDirectory(extent, 0, naming, 0, continuations);
            } catch (IsoFormatException expected) {
                // corrupt input reported as such
            } catch (IOException e) {
                throw new AssertionError("not an IsoFormatException", e);
            }
        }
    }

    /** An El Torito boot catalog block. */
    @FuzzTest(maxDuration = "30s")
    void bootCatalog(byte[] data) {
        try {
            ElToritoCatalog catalog = ElToritoCatalog.parse(data, 20, 40960);
            catalog.defaultEntry();
            HybridLayout.parse(Arrays.copyOf(data, 1024), catalog);
        } catch (IsoFormatException expected) {
            // corrupt input reported as such
        }
    }

    /** A whole (small) image: descriptors, trees under every naming, file reads, extraction order. */
    @FuzzTest(maxDuration = "30s")
    void wholeImage(byte[] data) {
        for (IsoImage.Naming naming : IsoImage.Naming.values()) {
            try {
                IsoImage image = IsoImage.open(new MemoryBlockDevice(data.clone()), naming);
                for (IsoEntry entry : image.walk()) {
                    if (entry.isFile() && entry.size() < 1 << 20) {
                        image.readAll(entry);
                    }
                }
                image.efiBootImage();
            } catch (IsoFormatException expected) {
                // corrupt input reported as such
            } catch (IOException e) {
                throw new AssertionError("not an IsoFormatException", e);
            }
        }
    }
}
