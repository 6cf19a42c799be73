package org.stickwright.platform.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.io.AlignedBuffers;

/** The raw disk's Win32 sequence, run against {@link FakeWin32} (kernel32 does not exist here). */
class WindowsRawDiskTest {
    private static final String DISK = "\\\\.\\PhysicalDrive3";
    private static final String VOL_E = "\\\\?\\Volume{dddd}";
    private static final String VOL_F = "\\\\?\\Volume{eeee}";
    private static final List<VolumeInfo> VOLUMES = List.of(
            new VolumeInfo("\\\\?\\Volume{aaaa}", List.of(0), List.of("C:\\")),
            new VolumeInfo(VOL_E, List.of(3), List.of("E:\\")),
            new VolumeInfo(VOL_F, List.of(3), List.of("F:\\")));

    private final FakeWin32 win32 = new FakeWin32(DISK, 1 << 20, 512, VOLUMES);
    private final List<Long> pauses = new ArrayList<>();

    private WindowsRawDisk open(int maxChunk) throws IOException {
        return WindowsRawDisk.open("\\\\.\\physicaldrive3", win32, pauses::add, maxChunk);
    }

    @Test
    void locksAndDismountsEveryVolumeOfTheDiskThenOpensItUncachedAndReleasesInReverseOnClose() throws IOException {
        try (WindowsRawDisk disk = open(TransferAlignment.MAX_CHUNK)) {
            assertThat(disk.size()).isEqualTo(1 << 20);
            assertThat(disk.logicalSectorSize()).isEqualTo(512);
            assertThat(disk.name()).isEqualTo(DISK);
            assertThat(win32.log).containsExactly(
                    "open " + VOL_E + " access=c0000000 share=3 flags=0", "lock " + VOL_E, "dismount " + VOL_E,
                    "open " + VOL_F + " access=c0000000 share=3 flags=0", "lock " + VOL_F, "dismount " + VOL_F,
                    "open " + DISK + " access=c0000000 share=3 flags=a0000000",
                    "allow-extended-dasd-io " + DISK, "get-length " + DISK, "get-geometry " + DISK);
            win32.log.clear();
            assertThatThrownBy(() -> disk.write(ByteBuffer.wrap(new byte[] {1}), 0))
                    .hasMessage(DISK + ": length 1 is not a multiple of the 512-byte sector");
            assertThatThrownBy(() -> disk.write(ByteBuffer.wrap(new byte[512]), 100))
                    .hasMessage(DISK + ": position 100 is not a multiple of the 512-byte sector");
            assertThat(win32.log).as("refused transfers never reach WriteFile").isEmpty();
            disk.write(ByteBuffer.wrap(new byte[512]), 512);
        }
        assertThat(win32.log).containsExactly("write " + DISK + " @512 +512",
                "flush " + DISK, "update-properties " + DISK, "close " + DISK,
                "unlock " + VOL_E, "close " + VOL_E, "unlock " + VOL_F, "close " + VOL_F);
    }

    @Test
    void heapAndDirectBuffersRoundTripAtTheirPositionsInChunks() throws IOException {
        byte[] pattern = new byte[8192];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 31 + 7);
        }
        try (WindowsRawDisk disk = open(4096)) {
            win32.log.clear();
            disk.write(ByteBuffer.wrap(pattern), 65536);
            ByteBuffer direct = AlignedBuffers.allocate(4096);
            direct.put(pattern, 0, 4096).flip();
            disk.write(direct, 1 << 19);
            assertThat(win32.log).containsExactly("write " + DISK + " @65536 +4096", "write " + DISK + " @69632 +4096",
                    "write " + DISK + " @524288 +4096");

            byte[] back = new byte[8192];
            ByteBuffer heap = ByteBuffer.wrap(back);
            disk.read(heap, 65536);
            assertThat(heap.hasRemaining()).isFalse();
            assertThat(back).isEqualTo(pattern);
            ByteBuffer directBack = AlignedBuffers.allocate(4096);
            disk.read(directBack, 1 << 19);
            directBack.flip();
            byte[] got = new byte[4096];
            directBack.get(got);
            assertThat(got).isEqualTo(Arrays.copyOf(pattern, 4096));
        }
        assertThat(Arrays.copyOfRange(win32.disk, 65536, 65536 + 8192)).isEqualTo(pattern);
    }

    @Test
    void aBusyVolumeIsRetriedThenLocked() throws IOException {
        win32.fail("lock " + VOL_E, Win32Errors.ERROR_ACCESS_DENIED, Win32Errors.ERROR_ACCESS_DENIED,
                Win32Errors.ERROR_LOCK_VIOLATION);
        try (WindowsRawDisk disk = open(TransferAlignment.MAX_CHUNK)) {
            assertThat(disk.size()).isEqualTo(1 << 20);
            assertThat(pauses).containsExactly(250L, 250L, 250L);
            assertThat(win32.log.stream().filter(l -> l.equals("lock " + VOL_E))).hasSize(4);
        }
    }

    @Test
    void aVolumeThatStaysLockedRefusesTheDiskAndReleasesWhatWasTaken() {
        Integer[] always = new Integer[WindowsRawDisk.LOCK_ATTEMPTS];
        Arrays.fill(always, Win32Errors.ERROR_LOCK_VIOLATION);
        win32.fail("lock " + VOL_F, always);
        assertThatThrownBy(() -> open(TransferAlignment.MAX_CHUNK))
                .isInstanceOfSatisfying(WindowsDiskException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(3);
                    assertThat(e.getMessage()).startsWith(VOL_F + ": lock volume failed: a volume on the disk could not be locked");
                });
        assertThat(pauses).hasSize(WindowsRawDisk.LOCK_ATTEMPTS - 1);
        assertThat(win32.log).doesNotContain("open " + DISK + " access=c0000000 share=3 flags=a0000000");
        assertThat(win32.log.subList(win32.log.size() - 4, win32.log.size())).containsExactly(
                "unlock " + VOL_E, "close " + VOL_E, "unlock " + VOL_F, "close " + VOL_F);
    }

    @Test
    void accessDeniedOnTheDiskIsARefusalAndReleasesTheVolumes() {
        win32.fail("open " + DISK, Win32Errors.ERROR_ACCESS_DENIED);
        assertThatThrownBy(() -> open(TransferAlignment.MAX_CHUNK))
                .isInstanceOfSatisfying(WindowsDiskException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(3);
                    assertThat(e.getMessage()).contains("administrator rights");
                });
        assertThat(win32.log).endsWith("unlock " + VOL_E, "close " + VOL_E, "unlock " + VOL_F, "close " + VOL_F);
    }

    @Test
    void aWriteErrorIsAnIoErrorNamingTheOffset() throws IOException {
        try (WindowsRawDisk disk = open(4096)) {
            disk.write(ByteBuffer.wrap(new byte[4096]), 0);
            win32.fail("write", Win32Errors.ERROR_CRC);
            assertThatThrownBy(() -> disk.write(ByteBuffer.wrap(new byte[8192]), 8192))
                    .isInstanceOfSatisfying(WindowsDiskException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(4);
                        assertThat(e.getMessage()).isEqualTo(DISK + ": write at byte 8192 failed: data error"
                                + " (cyclic redundancy check): the medium is failing (Win32 error 23)");
                    });
            assertThatThrownBy(() -> disk.write(ByteBuffer.wrap(new byte[512]), (1 << 20) - 256))
                    .hasMessageContaining("outside the device");
        }
    }

    @Test
    void anUnwrittenDiskIsClosedWithoutFlushOrPartitionRescan() throws IOException {
        open(TransferAlignment.MAX_CHUNK).close();
        assertThat(win32.log).doesNotContain("flush " + DISK, "update-properties " + DISK).contains("close " + DISK);
    }

    @Test
    void onlyPhysicalDrivesOpen() {
        assertThatThrownBy(() -> WindowsRawDisk.open("E:", win32, pauses::add, 4096))
                .isInstanceOfSatisfying(WindowsDiskException.class, e -> assertThat(e.exitCode()).isEqualTo(2));
        assertThat(win32.log).isEmpty();
    }
}
