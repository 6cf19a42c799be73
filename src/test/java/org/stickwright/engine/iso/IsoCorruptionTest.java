package org.stickwright.engine.iso;

import org.stickwright.engine.io.MemoryBlockDevice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;

/** Corrupted copies of a real image fail with IsoFormatException naming structure and offset. */
@Tag(Tags.ORACLE)
class IsoCorruptionTest {
    @TempDir
    static Path dir;
    static byte[] pristine;

    @BeforeAll
    static void build() throws IOException {
        Capabilities.requireTools("xorriso", "mkfs.fat", "mcopy");
        Capabilities.require(Files.exists(IsoFixtures.ISOHYBRID_MBR), "isolinux is not installed");
        pristine = Files.readAllBytes(IsoFixtures.buildIso(dir, IsoFixtures.sourceTree(dir), "c.iso"));
    }

    private static MemoryBlockDevice copy() {
        return new MemoryBlockDevice(pristine.clone());
    }

    private static IsoEntry entry(MemoryBlockDevice device, String path) throws IOException {
        return IsoImage.open(device).find(path).orElseThrow();
    }

    @Test
    void pristineImageWalks() throws IOException {
        assertThat(IsoImage.open(copy()).walk()).hasSizeGreaterThan(25);
    }

    @Test
    void directoryPointingAtItsAncestorIsACycle() throws IOException {
        MemoryBlockDevice device = copy();
        IsoEntry root = IsoImage.open(device).root();
        IsoEntry level2 = entry(device, "/level1/level2");
        byte[] lba = new byte[8];
        Bytes.putBoth32(lba, 0, root.firstDataOffset() / 2048);
        System.arraycopy(lba, 0, device.bytes(), (int) level2.recordOffset() + 2, 8);
        assertThatThrownBy(() -> IsoImage.open(device).walk()).isInstanceOf(IsoFormatException.class)
                .hasMessageContaining("cycle").hasMessageContaining("directory record at byte " + level2.recordOffset());
    }

    @Test
    void absurdDirectorySizeIsRefusedBeforeAllocating() throws IOException {
        MemoryBlockDevice device = copy();
        IsoEntry boot = entry(device, "/boot");
        byte[] size = new byte[8];
        Bytes.putBoth32(size, 0, 0xFFFF_F800L);
        System.arraycopy(size, 0, device.bytes(), (int) boot.recordOffset() + 10, 8);
        assertThatThrownBy(() -> IsoImage.open(device).walk()).isInstanceOf(IsoFormatException.class)
                .hasMessageContaining("directory extent at byte " + boot.firstDataOffset())
                .hasMessageContaining("absurd");
    }

    @Test
    void fileExtentPastTheEndIsReportedWhenRead() throws IOException {
        MemoryBlockDevice device = copy();
        IsoEntry big = entry(device, "/big.bin");
        byte[] lba = new byte[8];
        Bytes.putBoth32(lba, 0, 0x7FFF_0000L);
        System.arraycopy(lba, 0, device.bytes(), (int) big.recordOffset() + 2, 8);
        IsoImage image = IsoImage.open(device);
        IsoEntry moved = image.find("/big.bin").orElseThrow();
        assertThatThrownBy(() -> image.openStream(moved)).isInstanceOf(IsoFormatException.class)
                .hasMessageContaining("file extent at byte " + big.recordOffset());
    }

    @Test
    void recordShorterThanItsFixedPartIsRefused() throws IOException {
        MemoryBlockDevice device = copy();
        IsoEntry cfg = entry(device, "/boot/grub/grub.cfg");
        device.bytes()[(int) cfg.recordOffset()] = 20;
        assertThatThrownBy(() -> IsoImage.open(device).walk()).isInstanceOf(IsoFormatException.class)
                .hasMessageContaining("directory record at byte " + cfg.recordOffset()).hasMessageContaining("below 34");
    }

    @Test
    void recordCrossingItsBlockIsRefused() throws IOException {
        // A record at the end of a directory block whose length reaches into the next block.
        byte[] dirBlock = new byte[4096];
        int at = 2048 - 40;
        dirBlock[at] = 60;
        assertThatThrownBy(() -> DirectoryRecord.parse(dirBlock, at, 2048 - at, 77_000 + at))
                .isInstanceOf(IsoFormatException.class).hasMessageContaining("directory record at byte 79008")
                .hasMessageContaining("crosses the block boundary");
    }

    @Test
    void truncatedImageHasNoTerminator() {
        MemoryBlockDevice device = new MemoryBlockDevice(Arrays.copyOf(pristine, 17 * 2048));
        assertThatThrownBy(() -> IsoImage.open(device)).isInstanceOf(IsoFormatException.class)
                .hasMessageContaining("volume descriptor at byte 34816");
    }

    @Test
    void bootCatalogWithBadChecksumIsRefused() throws IOException {
        MemoryBlockDevice device = copy();
        long catalog = IsoImage.open(device).elTorito().orElseThrow().catalogLba() * 2048;
        device.bytes()[(int) catalog + 28] ^= 1;
        assertThatThrownBy(() -> IsoImage.open(device)).isInstanceOf(IsoFormatException.class)
                .hasMessageContaining("El Torito validation entry at byte " + catalog).hasMessageContaining("checksum");
    }

    @Test
    void notAnIsoIsRefused() {
        assertThatThrownBy(() -> IsoImage.open(new MemoryBlockDevice(new byte[64 * 1024])))
                .isInstanceOf(IsoFormatException.class).hasMessageContaining("CD001");
    }
}
