package org.stickwright.platform.windows;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.platform.win32.WinioctlUtil;
import org.junit.jupiter.api.Test;

/** Every code against the value the Windows SDK documents, and against jna-platform's CTL_CODE. */
class IoControlCodesTest {
    @Test
    void codesMatchTheWindowsSdkValues() {
        assertThat(IoControlCodes.FSCTL_LOCK_VOLUME).isEqualTo(0x90018);
        assertThat(IoControlCodes.FSCTL_UNLOCK_VOLUME).isEqualTo(0x9001C);
        assertThat(IoControlCodes.FSCTL_DISMOUNT_VOLUME).isEqualTo(0x90020);
        assertThat(IoControlCodes.FSCTL_ALLOW_EXTENDED_DASD_IO).isEqualTo(0x90083);
        assertThat(IoControlCodes.IOCTL_DISK_GET_LENGTH_INFO).isEqualTo(0x7405C);
        assertThat(IoControlCodes.IOCTL_DISK_UPDATE_PROPERTIES).isEqualTo(0x70140);
        assertThat(IoControlCodes.IOCTL_DISK_GET_DRIVE_GEOMETRY_EX).isEqualTo(0x700A0);
        assertThat(IoControlCodes.IOCTL_STORAGE_QUERY_PROPERTY).isEqualTo(0x2D1400);
        assertThat(IoControlCodes.IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS).isEqualTo(0x560000);
        assertThat(IoControlCodes.IOCTL_DISK_DELETE_DRIVE_LAYOUT).isEqualTo(0x7C100);
    }

    @Test
    void ourCtlCodeAgreesWithJnaPlatforms() {
        for (int device : new int[] {0x07, 0x09, 0x2D, 0x56}) {
            for (int function : new int[] {0, 6, 0x17, 0x50, 0x500, 0xFFF}) {
                for (int method = 0; method < 4; method++) {
                    for (int access = 0; access < 4; access++) {
                        assertThat(IoControlCodes.ctlCode(device, function, method, access))
                                .isEqualTo(WinioctlUtil.CTL_CODE(device, function, method, access));
                    }
                }
            }
        }
    }
}
