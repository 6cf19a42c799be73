package org.stickwright.engine.fat;

import org.stickwright.engine.io.MemoryBlockDevice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

class Fat32FormatterTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} MiB -> {1}-byte clusters")
    @CsvSource({"33, 512", "260, 512", "261, 4096", "8192, 4096", "8193, 8192", "16385, 16384", "65536, 32768"})
    @Tag(Tags.ORACLE)
    void formatsVolumesThatFsckAndBlkidAccept(long mib, int expectedCluster) throws Exception {
        Capabilities.requireTools("fsck.fat", "blkid", "minfo", "mkfs.fat");
        Path image = dir.resolve("v.img");
        int serial = 0x1234ABCD ^ (int) mib;
        FatVolumeInfo info;
        try (ImageFile file = ImageFile.create(image, mib * MIB)) {
            info = Fat32Formatter.format(file, Fat32FormatOptions.defaults().withLabel("Stick" + mib % 100).withSerial(serial));
        }
        assertThat(info.clusterSize()).isEqualTo(expectedCluster);
        assertThat(info.dataOffset() % info.clusterSize()).as("data area cluster-aligned").isZero();
        FatOracles.fsckClean(image);

        String blkid = Tool.run("blkid", "-p", "-o", "export", image.toString()).ok().stdout();
        assertThat(blkid).contains("TYPE=vfat", "VERSION=FAT32", "UUID=" + Fat32Formatter.serialText(serial),
                "LABEL=STICK" + mib % 100);
        String minfo = FatOracles.mtools("minfo", "-i", image.toString(), "::").ok().stdout();
        assertThat(minfo).contains("cluster size: " + expectedCluster / 512 + " sectors");
        // mkfs.fat picks the same cluster size for the same volume size.
        Path reference = dir.resolve("mkfs.img");
        ImageFile.create(reference, mib * MIB).close();
        Tool.run("mkfs.fat", "-F", "32", reference.toString()).ok();
        assertThat(FatOracles.mtools("minfo", "-i", reference.toString(), "::").ok().stdout())
                .contains("cluster size: " + expectedCluster / 512 + " sectors");

        try (ImageFile file = ImageFile.openReadOnly(image); FatFileSystem fs = FatFileSystem.open(file)) {
            assertThat(fs.type()).isEqualTo(FatType.FAT32);
            assertThat(fs.volumeSerialText()).isEqualTo(info.serialText());
            assertThat(fs.volumeLabel()).isEqualTo("STICK" + mib % 100);
            assertThat(fs.list("/")).isEmpty();
            assertThat(fs.freeBytes()).isEqualTo((info.clusterCount() - 1) * info.clusterSize());
        }
        // Only metadata was written: the sparse image holds the FATs and little else.
        long allocated = FatOracles.allocatedBytes(image);
        long metadata = info.dataOffset() + info.clusterSize();
        assertThat(allocated).as("bytes allocated in the image").isLessThanOrEqualTo(metadata + MIB);
    }

    @Test
    @Tag(Tags.ORACLE)
    void volumeInsidePartitionRecordsHiddenSectorsAndLabelEntry() throws Exception {
        Capabilities.requireTools("minfo", "mlabel", "fsck.fat");
        Path image = dir.resolve("disk.img");
        try (ImageFile file = ImageFile.create(image, 100 * MIB);
                BlockDevice partition = file.slice(MIB, 99 * MIB)) {
            Fat32Formatter.format(partition, Fat32FormatOptions.defaults().withLabel("PERSIST").withSerial(0xABCD1234)
                    .withHiddenSectors(2048));
        }
        String target = image + "@@" + MIB;
        assertThat(FatOracles.mtools("minfo", "-i", target, "::").ok().stdout()).contains("hidden sectors: 2048")
                .contains("serial number: ABCD1234");
        assertThat(FatOracles.mtools("mlabel", "-s", "-i", target, "::").ok().stdout()).contains("PERSIST");
        // fsck.fat has no offset option: check a copy of the partition.
        Path partitionCopy = dir.resolve("p1.img");
        try (ImageFile disk = ImageFile.openReadOnly(image); ImageFile copy = ImageFile.create(partitionCopy, 99 * MIB)) {
            long at = 0;
            byte[] chunk = new byte[(int) MIB];
            while (at < 99 * MIB) {
                disk.read(java.nio.ByteBuffer.wrap(chunk), MIB + at);
                copy.writeBytes(at, chunk);
                at += MIB;
            }
        }
        FatOracles.fsckClean(partitionCopy);
    }

    @Test
    @Tag(Tags.ORACLE)
    void fourKibibyteSectorDevicesGetFourKibibyteBpbSectors() throws Exception {
        Capabilities.requireTools("fsck.fat", "mtype", "minfo");
        MemoryBlockDevice device = new MemoryBlockDevice(new byte[300 << 20], 4096);
        FatVolumeInfo info = Fat32Formatter.format(device, Fat32FormatOptions.defaults().withLabel("FOURK"));
        assertThat(info.clusterSize()).isEqualTo(4096);
        try (FatWriter writer = FatWriter.open(device)) {
            writer.mkdirs("/EFI/BOOT");
            writer.writeFile("/EFI/BOOT/grub.cfg", 6, new java.io.ByteArrayInputStream("linux\n".getBytes()), FileTimes.now());
        }
        Path image = dir.resolve("4k.img");
        java.nio.file.Files.write(image, device.bytes());
        FatOracles.fsckClean(image);
        assertThat(FatOracles.mtools("minfo", "-i", image.toString(), "::").ok().stdout()).contains("sector size: 4096 bytes");
        assertThat(FatOracles.mtools("mtype", "-i", image.toString(), "::/EFI/BOOT/grub.cfg").ok().stdout()).isEqualTo("linux\n");
    }

    @Test
    void refusesDevicesTooSmallForFat32AndBadLabels() throws Exception {
        try (ImageFile file = ImageFile.create(dir.resolve("small.img"), 32 * MIB)) {
            assertThatThrownBy(() -> Fat32Formatter.format(file, Fat32FormatOptions.defaults()))
                    .isInstanceOf(FatException.class).hasMessageContaining("at least 65525");
        }
        try (ImageFile file = ImageFile.create(dir.resolve("label.img"), 40 * MIB)) {
            assertThatThrownBy(() -> Fat32Formatter.format(file, Fat32FormatOptions.defaults().withLabel("TWELVE CHARS")))
                    .isInstanceOf(FatException.class).hasMessageContaining("longer than 11");
            assertThatThrownBy(() -> Fat32Formatter.format(file, Fat32FormatOptions.defaults().withLabel("A/B")))
                    .isInstanceOf(FatException.class).hasMessageContaining("'/'");
        }
    }

    @Test
    void serialTextIsHighHalfFirstUpperCase() {
        assertThat(Fat32Formatter.serialText(0xabcd1234)).isEqualTo("ABCD-1234");
        assertThat(Fat32Formatter.serialText(0x0000beef)).isEqualTo("0000-BEEF");
    }
}
