package org.stickwright.platform;

import java.io.IOException;
import java.util.List;

/**
 * Every whole disk the OS knows, classified: loop devices, fixed disks and the system disk
 * included. What to show is the caller's choice ({@link DriveListing}); what may be written is
 * {@link TargetPolicy}'s.
 */
public interface DriveSource {
    List<Drive> drives() throws IOException;

    /** The drive source for the running OS (OSHI plus our own classification). */
    static DriveSource forThisMachine() {
        return org.stickwright.platform.oshi.OshiDriveSource.create();
    }

    /**
     * The drive source for deciding about a target. On Linux every safety fact (system disk,
     * removable, USB, mounts) comes from our own sysfs scan and OSHI only fills in display
     * names, so the scan alone answers, without OSHI's half second of start-up on every write.
     */
    static DriveSource forVetting() {
        return com.sun.jna.Platform.isLinux() ? org.stickwright.platform.linux.LinuxDriveScanner.forThisMachine()
                : forThisMachine();
    }
}
