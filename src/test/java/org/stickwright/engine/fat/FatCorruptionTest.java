package org.stickwright.engine.fat;

import org.stickwright.engine.io.MemoryBlockDevice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hand-corrupted volumes: each must fail with a FatException naming structure and offset, quickly. */
@Timeout(20)
class FatCorruptionTest {
    private static final int SIZE = 34 << 20;
    private MemoryBlockDevice device;
    private FatVolumeInfo info;
    private long fileCluster;
    private long dirA;

    @BeforeEach
    void volume() throws IOException {
        device = new MemoryBlockDevice(new byte[SIZE]);
        info = Fat32Formatter.format(device, Fat32FormatOptions.defaults().withSerial(1));
        try (FatWriter writer = FatWriter.open(device)) {
            writer.mkdirs("/A/B");
            writer.writeFile("/A/three-clusters.bin", 1500, new ByteArrayInputStream(new byte[1500]), FileTimes.now());
            fileCluster = writer.volume().stat("/A/three-clusters.bin").orElseThrow().firstCluster();
            dirA = writer.volume().stat("/A").orElseThrow().firstCluster();
        }
    }

    private ByteBuffer le() {
        return ByteBuffer.wrap(device.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private long fatEntryOffset(long cluster) {
        return (long) info.reservedSectors() * 512 + cluster * 4;
    }

    private void setFat(long cluster, int value) {
        for (int copy = 0; copy < 2; copy++) {
            le().putInt((int) (fatEntryOffset(cluster) + copy * info.sectorsPerFat() * 512), value);
        }
    }

    /** Offset of the short entry named {@code name11} (11 bytes, padded) anywhere in the data area. */
    private int entryOffset(String name11) {
        byte[] name = name11.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int at = (int) info.dataOffset(); at < SIZE - 32; at += 32) {
            for (int i = 0; i < 11; i++) {
                if (device.bytes()[at + i] != name[i]) {
                    continue outer;
                }
            }
            return at;
        }
        throw new AssertionError("no entry " + name11);
    }

    private FatFileSystem open() throws IOException {
        return FatFileSystem.open(device);
    }

    @Test
    void intactVolumeReads() throws IOException {
        try (FatFileSystem fs = open()) {
            assertThat(fs.readAllBytes("/A/three-clusters.bin")).hasSize(1500);
        }
    }

    @Test
    void cyclicChainIsReportedNotFollowedForever() throws IOException {
        setFat(fileCluster + 2, (int) fileCluster);
        try (FatFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readAllBytes("/A/three-clusters.bin")).isInstanceOf(FatException.class)
                    .hasMessageContaining("cluster chain of /A/three-clusters.bin").hasMessageContaining("loop")
                    .satisfies(e -> assertThat(((FatException) e).offset()).isGreaterThanOrEqualTo(fatEntryOffset(2)));
            assertThatThrownBy(() -> fs.delete("/A/three-clusters.bin")).isInstanceOf(FatException.class);
        }
    }

    @Test
    void chainLeavingTheFatIsReportedWithTheEntryOffset() throws IOException {
        setFat(fileCluster + 1, 0x0FFFFFF0);
        try (FatFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readAllBytes("/A/three-clusters.bin")).isInstanceOf(FatException.class)
                    .hasMessageContaining("outside clusters")
                    .satisfies(e -> assertThat(((FatException) e).offset()).isEqualTo(fatEntryOffset(fileCluster + 1)));
        }
    }

    @Test
    void chainShorterThanTheSizeIsReported() throws IOException {
        setFat(fileCluster, 0x0FFFFFFF);
        try (FatFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readAllBytes("/A/three-clusters.bin")).isInstanceOf(FatException.class)
                    .hasMessageContaining("needs 3 clusters but the chain has 1");
        }
    }

    @Test
    void chainIntoAFreeClusterIsReported() throws IOException {
        setFat(fileCluster + 1, 0);
        try (FatFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readAllBytes("/A/three-clusters.bin")).isInstanceOf(FatException.class)
                    .hasMessageContaining("free cluster");
        }
    }

    @Test
    void directoryLoopIsReportedByTheWalk() throws IOException {
        int b = entryOffset("B          ");
        le().putShort(b + 0x14, (short) (dirA >>> 16)).putShort(b + 0x1A, (short) dirA);
        try (FatFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.walk((path, entry) -> { })).isInstanceOf(FatException.class)
                    .hasMessageContaining("directory loop").hasMessageContaining("/A/B")
                    .satisfies(e -> assertThat(((FatException) e).offset()).isEqualTo(b));
        }
    }

    @Test
    void directoryWhoseChainLoopsIsBounded() throws IOException {
        setFat(dirA, (int) dirA);
        try (FatFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.list("/A")).isInstanceOf(FatException.class)
                    .hasMessageContaining("directory /A");
        }
    }

    @Test
    void absurdBootSectorFieldsAreNamedWithTheirOffsets() {
        assertBootSectorRejected(0x0B, 2, 3, "bytes per sector");
        assertBootSectorRejected(0x0D, 1, 3, "sectors per cluster");
        assertBootSectorRejected(0x10, 1, 0, "number of FATs");
        assertBootSectorRejected(0x0E, 2, 0, "reserved sector count");
        assertBootSectorRejected(0x20, 4, 0x7FFF_FFFF, "larger than the device");
        assertBootSectorRejected(0x2C, 4, 0x0FFF_FFFF, "root cluster");
        assertBootSectorRejected(0x24, 4, 0x00FF_FFFF, "leave no data area");
    }

    private void assertBootSectorRejected(int offset, int width, int value, String message) {
        byte[] saved = device.bytes().clone();
        ByteBuffer b = le();
        if (width == 1) {
            b.put(offset, (byte) value);
        } else if (width == 2) {
            b.putShort(offset, (short) value);
        } else {
            b.putInt(offset, value);
        }
        assertThatThrownBy(this::open).isInstanceOf(FatException.class).hasMessageContaining(message)
                .satisfies(e -> assertThat(((FatException) e).structure()).isEqualTo("boot sector"))
                .satisfies(e -> assertThat(((FatException) e).offset()).isEqualTo(offset));
        System.arraycopy(saved, 0, device.bytes(), 0, saved.length);
    }

    @Test
    void truncatedDeviceIsRefused() {
        MemoryBlockDevice tiny = new MemoryBlockDevice(java.util.Arrays.copyOf(device.bytes(), 4096));
        assertThatThrownBy(() -> FatFileSystem.open(tiny)).isInstanceOf(FatException.class)
                .hasMessageContaining("larger than the device");
        assertThatThrownBy(() -> FatFileSystem.open(new MemoryBlockDevice(new byte[100])))
                .isInstanceOf(FatException.class).hasMessageContaining("cannot hold a boot sector");
    }
}
