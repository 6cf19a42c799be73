package org.stickwright.platform;

import java.nio.file.Path;

/**
 * What a TARGET argument names, as the OS sees it, before any policy is applied. A
 * {@link TargetResolver} produces it; {@link TargetPolicy} judges it.
 */
public sealed interface TargetKind {
    /** A regular file, or a path that does not exist yet: a disk image. */
    record ImageFile(Path path) implements TargetKind {
    }

    /** A whole-disk device node, in the form {@link Drive#path()} uses. */
    record WholeDisk(String diskPath) implements TargetKind {
    }

    /** A partition (or volume) node; {@code diskPath} is the disk it lives on, if known. */
    record Partition(String partitionPath, String diskPath) implements TargetKind {
    }

    /** Something that cannot be a target: a directory, a character device... */
    record Unusable(String reason) implements TargetKind {
    }
}
