package org.stickwright.platform;

import java.io.IOException;
import java.util.List;

/**
 * Takes away the mounts of a target disk after the user consented, so the disk can then be
 * opened exclusively. Partial success is failure: if any mount point stays, the write job must
 * not start.
 */
public interface Unmounter {
    /** Unmounts every mount point of {@code mounted} (nested mounts first). */
    void unmountAll(List<DrivePartition> mounted) throws IOException;

    /** Unmounts everything mounted from {@code drive}. */
    default void unmountAll(Drive drive) throws IOException {
        unmountAll(drive.mounted());
    }
}
