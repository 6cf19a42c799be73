package org.stickwright.platform;

import java.util.List;
import java.util.Optional;

/**
 * What {@link TargetPolicy} decided about a write target, before a single byte is written.
 */
public sealed interface TargetVerdict {

    /**
     * The target must not be written. {@code exitCode} is 3 for a safety rule (system disk,
     * fixed disk without the flag, a partition instead of a disk) and 2 for bad input (a
     * directory, a character device).
     */
    record Refused(String reason, int exitCode) implements TargetVerdict {
    }

    /**
     * The target may be written. For a drive, {@code description} is what the confirmation
     * prompt shows (model, size, current partitions with labels and mount points) and
     * {@code toUnmount} lists what is mounted from it now: the user must consent before
     * {@link Unmounter} takes those away. For an image file both are empty.
     */
    record Allowed(String target, Optional<Drive> drive, String description, List<DrivePartition> toUnmount)
            implements TargetVerdict {
        public Allowed {
            toUnmount = List.copyOf(toUnmount);
        }

        public boolean imageFile() {
            return drive.isEmpty();
        }
    }
}
