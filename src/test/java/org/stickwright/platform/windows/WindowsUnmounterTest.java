package org.stickwright.platform.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stickwright.platform.DrivePartition;

class WindowsUnmounterTest {
    private final FakeWin32 win32 = new FakeWin32("\\\\.\\PhysicalDrive3", 4096, 512, List.of());
    private final List<DrivePartition> mounted = List.of(
            new DrivePartition("Disk #3, Partition #0", "STICK", "FAT32", 1 << 20, List.of("E:\\")),
            new DrivePartition("Disk #3, Partition #1", "DATA", "NTFS", 1 << 20, List.of("F:\\", "C:\\mnt\\data\\")));

    @Test
    void eachDriveLetterIsLockedDismountedUnlockedAndClosed() throws IOException {
        new WindowsUnmounter(win32).unmountAll(mounted);
        assertThat(win32.log).containsExactly(
                "open \\\\.\\E: access=c0000000 share=3 flags=0", "lock \\\\.\\E:", "dismount \\\\.\\E:",
                "unlock \\\\.\\E:", "close \\\\.\\E:",
                "open \\\\.\\F: access=c0000000 share=3 flags=0", "lock \\\\.\\F:", "dismount \\\\.\\F:",
                "unlock \\\\.\\F:", "close \\\\.\\F:");
    }

    @Test
    void aVolumeWithOpenFilesFailsAsARefusalAndIsReleased() {
        win32.fail("lock \\\\.\\F:", Win32Errors.ERROR_ACCESS_DENIED);
        assertThatThrownBy(() -> new WindowsUnmounter(win32).unmountAll(mounted))
                .isInstanceOfSatisfying(WindowsDiskException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(3);
                    assertThat(e.getMessage()).startsWith("\\\\.\\F: lock volume failed: access denied");
                });
        assertThat(win32.log).endsWith("lock \\\\.\\F:", "close \\\\.\\F:");
    }
}
