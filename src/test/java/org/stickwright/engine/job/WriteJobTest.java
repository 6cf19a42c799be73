package org.stickwright.engine.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.ImageSource;
import org.stickwright.engine.io.Progress;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

class WriteJobTest {
    private static final long IMAGE = 24L << 20;
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"none", "gz", "xz", "zst"})
    @Tag(Tags.ORACLE)
    void writesEveryCompressionByteForByteAndVerifies(String compression) throws Exception {
        // 8 MiB and 3 sectors: random data costs the compressors time; the odd tail tests padding.
        Path raw = TestImages.diskImage(dir.resolve("disk.img"), (8L << 20) + 3 * 512, 1, 3);
        Path image = compression.equals("none") ? raw : TestImages.compressWithTool(raw, compression);
        Path stick = dir.resolve("stick.img");
        try (ImageFile target = ImageFile.create(stick, 64L << 20)) {
            WriteJob job = new WriteJob(new WriteJob.Request(ImageSource.of(image), null, target), new Progress(), new Cancellation());
            ImageCheck.Checked checked = WriteJob.checkImage(ImageSource.of(image), null, new Progress(), new Cancellation());
            assertThat(checked.size()).isEqualTo(Files.size(raw));
            WriteJob.Written written = job.write(checked);
            try (ImageFile readBack = ImageFile.openReadOnlyDirect(stick)) {
                job.verify(written, readBack);
            }
            assertThat(written.bytesCovered()).isEqualTo(Files.size(raw));
        }
        assertThat(TestImages.sha256(stick, Files.size(raw))).isEqualTo(TestImages.sha256(raw));
        assertThat(Files.size(stick)).isEqualTo(64L << 20);
    }

    @Test
    @Tag(Tags.ORACLE)
    void zerosBecomeHolesOnAnImageFileTarget() throws Exception {
        Capabilities.requireTools("stat");
        Path raw = TestImages.diskImage(dir.resolve("disk.img"), IMAGE, 2, 2); // every 2nd MiB zero
        Path stick = dir.resolve("stick.img");
        Files.write(stick, new byte[(int) IMAGE]); // old contents that must not survive
        Files.write(stick, filled(IMAGE, (byte) 0x5A));
        WriteJob.Written written = writeAndVerify(raw, stick, null);
        assertThat(TestImages.sha256(stick)).isEqualTo(TestImages.sha256(raw));
        long allocated = Long.parseLong(Tool.run("stat", "-c", "%b", stick.toString()).ok().stdout().trim()) * 512;
        assertThat(allocated).isLessThanOrEqualTo(IMAGE / 2 + (1 << 20));
        assertThat(written.bytesWritten()).isEqualTo(IMAGE / 2);
    }

    @Test
    @Tag(Tags.ORACLE)
    void withABmapOnlyMappedRangesTravelAndTheirChecksumsAreChecked() throws Exception {
        Capabilities.requireTools("bmaptool");
        Path raw = dir.resolve("sparse.img");
        try (ImageFile f = ImageFile.create(raw, 32L << 20)) {
            f.write(ByteBuffer.wrap(filled(3 << 20, (byte) 7)), 1 << 20);
            f.write(ByteBuffer.wrap(filled(4096, (byte) 9)), 20L << 20);
            byte[] mbr = new byte[512];
            mbr[510] = 0x55;
            mbr[511] = (byte) 0xAA;
            mbr[446 + 4] = (byte) 0x83;
            mbr[446 + 8] = 8;
            mbr[446 + 12] = 100;
            f.write(ByteBuffer.wrap(mbr), 0);
        }
        Path bmapFile = dir.resolve("sparse.img.bmap");
        Tool.run("bmaptool", "create", "-o", bmapFile.toString(), raw.toString()).ok();
        Bmap bmap = Bmap.read(bmapFile);
        assertThat(bmap.mappedBytes()).isEqualTo(4096 + (3 << 20) + 4096); // the MBR's block, 3 MiB, one block

        Path stick = dir.resolve("stick.img");
        WriteJob.Written written = writeAndVerify(raw, stick, bmap);
        assertThat(written.bytesCovered()).isEqualTo(bmap.mappedBytes());
        assertThat(TestImages.sha256(stick, 32L << 20)).isEqualTo(TestImages.sha256(raw));

        // One byte of a mapped block changed after the bmap was made: the image is damaged.
        try (ImageFile f = ImageFile.openReadWrite(raw)) {
            f.write(ByteBuffer.wrap(new byte[] {1}), (2 << 20) + 17);
        }
        assertThatThrownBy(() -> writeAndVerify(raw, dir.resolve("stick2.img"), bmap))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.outcome()).isEqualTo(Outcome.IO_ERROR))
                .hasMessageContaining("does not match its bmap").hasMessageContaining("blocks 256-1023");
    }

    /** Both ways of verifying: against the image's bytes (uncompressed) and against SHA-256 taken while writing (gz). */
    @ParameterizedTest
    @ValueSource(strings = {"none", "gz"})
    @Tag(Tags.ORACLE)
    void aByteChangedOnTheTargetBeforeVerifyIsFoundAtItsOffset(String compression) throws Exception {
        Path raw = TestImages.diskImage(dir.resolve("disk.img"), IMAGE, 3, 0);
        Path image = compression.equals("none") ? raw : TestImages.compressWithTool(raw, compression);
        Path stick = dir.resolve("stick.img");
        long flipped = 13L * (1 << 20) + 12345;
        try (ImageFile target = ImageFile.create(stick, IMAGE)) {
            ImageSource source = ImageSource.of(image);
            WriteJob job = new WriteJob(new WriteJob.Request(source, null, target), new Progress(), new Cancellation());
            WriteJob.Written written = job.write(WriteJob.checkImage(source, null, new Progress(), new Cancellation()));
            byte[] one = target.readBytes(flipped, 1);
            target.writeBytes(flipped, new byte[] {(byte) (one[0] ^ 0x10)});
            target.flush();
            try (ImageFile readBack = ImageFile.openReadOnlyDirect(stick)) {
                assertThatThrownBy(() -> job.verify(written, readBack))
                        .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.outcome()).isEqualTo(Outcome.VERIFY_MISMATCH))
                        .hasMessageContaining("at byte " + flipped + " ");
            }
            // and the stick was wiped so it is not taken for a good one
            assertThat(target.readBytes(510, 2)).containsExactly(0, 0);
        }
    }

    @Test
    void aFailedWriteLeavesNoThreadBehindAndSaysWhatHappenedToTheTarget() throws Exception {
        Path raw = TestImages.diskImage(dir.resolve("disk.img"), IMAGE, 4, 0);
        Path stick = dir.resolve("stick.img");
        try (ImageFile create = ImageFile.create(stick, IMAGE)) {
            create.flush();
        }
        try (BlockDevice readOnly = ImageFile.openReadOnly(stick)) {
            ImageSource source = ImageSource.of(raw);
            WriteJob job = new WriteJob(new WriteJob.Request(source, null, new NotAFile(readOnly)), new Progress(), new Cancellation());
            assertThatThrownBy(() -> job.write(WriteJob.checkImage(source, null, new Progress(), new Cancellation())))
                    .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.outcome()).isEqualTo(Outcome.IO_ERROR))
                    .hasMessageContaining("read-only").hasMessageContaining("wiping the target's partition tables failed");
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("stickwright-write") && t.isAlive());
    }

    @Test
    void aCancelledJobWritesNothing() throws Exception {
        Path raw = TestImages.diskImage(dir.resolve("disk.img"), IMAGE, 5, 0);
        Path stick = dir.resolve("stick.img");
        Files.write(stick, filled(IMAGE, (byte) 0x33));
        String before = TestImages.sha256(stick);
        Cancellation cancellation = new Cancellation();
        cancellation.cancel();
        try (BlockDevice target = new NotAFile(ImageFile.openReadWrite(stick))) {
            ImageSource source = ImageSource.of(raw);
            WriteJob job = new WriteJob(new WriteJob.Request(source, null, target), new Progress(), cancellation);
            ImageCheck.Checked checked = WriteJob.checkImage(source, null, new Progress(), new Cancellation());
            assertThatThrownBy(() -> job.write(checked))
                    .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.outcome()).isEqualTo(Outcome.CANCELLED))
                    .hasMessageContaining("nothing was written");
        }
        assertThat(TestImages.sha256(stick)).isEqualTo(before);
    }

    private WriteJob.Written writeAndVerify(Path image, Path stick, Bmap bmap) throws IOException, JobException {
        try (ImageFile target = ImageFile.create(stick, Files.size(image))) {
            ImageSource source = ImageSource.of(image);
            WriteJob job = new WriteJob(new WriteJob.Request(source, bmap, target), new Progress(), new Cancellation());
            WriteJob.Written written = job.write(WriteJob.checkImage(source, bmap, new Progress(), new Cancellation()));
            try (ImageFile readBack = ImageFile.openReadOnlyDirect(stick)) {
                job.verify(written, readBack);
            }
            return written;
        }
    }

    private static byte[] filled(long length, byte value) {
        byte[] bytes = new byte[(int) length];
        java.util.Arrays.fill(bytes, value);
        return bytes;
    }

    /** Presents a file as a device, so the job writes every byte as it does on a stick. */
    private static final class NotAFile implements BlockDevice {
        private final BlockDevice inner;

        NotAFile(BlockDevice inner) {
            this.inner = inner;
        }

        @Override
        public long size() throws IOException {
            return inner.size();
        }

        @Override
        public int logicalSectorSize() {
            return 512;
        }

        @Override
        public int physicalSectorSize() {
            return 4096;
        }

        @Override
        public void read(ByteBuffer dst, long position) throws IOException {
            inner.read(dst, position);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            inner.write(src, position);
        }

        @Override
        public void flush() throws IOException {
            inner.flush();
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
