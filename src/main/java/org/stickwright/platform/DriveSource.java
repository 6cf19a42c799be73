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
}
