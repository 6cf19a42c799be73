package org.stickwright.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.engine.job.Sizes;
import org.stickwright.platform.DrivePartition;
import org.stickwright.platform.PlatformTargets;
import org.stickwright.platform.TargetPolicy;
import org.stickwright.platform.TargetVerdict;
import org.stickwright.platform.linux.LinuxRawDisk;

/**
 * Turns the TARGET argument into something safe to write: an image file (created sparse when
 * missing and {@code --size} is given) or a whole block device that passed the safety rules.
 * Everything here is decided before the target is opened for writing.
 */
public final class TargetOpener {
    private final Path target;
    private final long createSize;
    private final boolean allowFixedDisk;
    private final boolean unmount;
    private boolean blockDevice;
    private List<DrivePartition> toUnmount = List.of();
    private long size;
    private int sectorSize = 512;
    private String description;

    public TargetOpener(Path target, long createSize, boolean allowFixedDisk, boolean unmount) {
        this.target = target;
        this.createSize = createSize;
        this.allowFixedDisk = allowFixedDisk;
        this.unmount = unmount;
    }

    /**
     * Applies the safety rules ({@link TargetPolicy}: the system disk always refused, fixed
     * disks only with the flag, mounted partitions only with consent) and the image-file rules;
     * throws with the contract's outcome when the target may not be used. Writes nothing.
     */
    public void vet(Path image) throws JobException {
        try {
            if (Files.exists(target) && Files.isSameFile(target, image)) {
                throw new JobException(Outcome.BAD_INPUT, "the target is the image itself: " + target);
            }
        } catch (IOException e) {
            throw new JobException(Outcome.BAD_INPUT, target + ": " + e.getMessage(), e);
        }
        vetExisting();
    }

    /**
     * The same safety rules for a command that edits what is already on the target (the
     * overlay commands): there is no source image, and a missing image file is bad input.
     */
    void vetExisting() throws JobException {
        try {
            TargetVerdict verdict = TargetPolicy.forThisMachine().vet(target, allowFixedDisk);
            if (verdict instanceof TargetVerdict.Refused refused) {
                throw new JobException(refused.exitCode() == TargetPolicy.EXIT_REFUSED ? Outcome.REFUSED : Outcome.BAD_INPUT,
                        refused.reason());
            }
            TargetVerdict.Allowed allowed = (TargetVerdict.Allowed) verdict;
            blockDevice = !allowed.imageFile();
            if (blockDevice) {
                toUnmount = allowed.toUnmount();
                if (!toUnmount.isEmpty() && !unmount) {
                    throw new JobException(Outcome.REFUSED, target + " has mounted partitions ("
                            + toUnmount.stream().map(p -> p.path() + " on " + String.join(", ", p.mountPoints()))
                                    .collect(Collectors.joining("; "))
                            + "): nothing was written; pass --unmount to have them unmounted first");
                }
                try (LinuxRawDisk disk = LinuxRawDisk.openReadOnly(target)) {
                    size = disk.size();
                    sectorSize = disk.logicalSectorSize();
                }
                description = allowed.description();
            } else if (Files.exists(target)) {
                if (createSize >= 0) {
                    throw new JobException(Outcome.BAD_INPUT, "--size is only for creating a missing image file, but "
                            + target + " exists");
                }
                size = Files.size(target);
                description = "the image file " + target + " (" + Sizes.human(size) + "), which will be overwritten";
            } else {
                if (createSize < 0) {
                    throw new JobException(Outcome.BAD_INPUT, target + " does not exist: name a drive, or give --size to create an image file");
                }
                Path parent = target.toAbsolutePath().getParent();
                if (parent == null || !Files.isDirectory(parent)) {
                    throw new JobException(Outcome.BAD_INPUT, "cannot create " + target + ": its directory does not exist");
                }
                size = createSize;
                description = null;
            }
        } catch (IOException e) {
            throw new JobException(Outcome.BAD_INPUT, target + ": " + e.getMessage(), e);
        }
    }

    public long targetSize() {
        return size;
    }

    /** The unit the image is padded to: a 4Kn drive takes whole 4096-byte sectors. */
    public int sectorSize() {
        return sectorSize;
    }

    /** What the confirmation prompt shows; null when nothing existing is overwritten. */
    public String describe() {
        return description;
    }

    /** Unmounts what the user consented to, then opens the target for writing. */
    public BlockDevice open() throws JobException {
        try {
            if (blockDevice) {
                try {
                    PlatformTargets.unmounter().unmountAll(toUnmount);
                } catch (IOException e) {
                    throw new JobException(Outcome.REFUSED, "nothing was written: " + e.getMessage(), e);
                }
                return LinuxRawDisk.openExclusive(target);
            }
            return Files.exists(target) ? ImageFile.openReadWrite(target) : ImageFile.create(target, createSize);
        } catch (IOException e) {
            throw new JobException(blockDevice ? Outcome.REFUSED : Outcome.IO_ERROR,
                    "nothing was written: " + e.getMessage(), e);
        }
    }

    /** A handle that reads around the page cache: the raw disk itself (O_DIRECT), or the file reopened direct. */
    public BlockDevice openReadBack(BlockDevice written) throws IOException {
        if (written instanceof LinuxRawDisk) {
            return written.slice(0, written.size());
        }
        return ImageFile.openReadOnlyDirect(target);
    }

    /** Lets the kernel see the new partitions on a real disk; call once the disk is closed. */
    public void afterClose() {
        if (blockDevice) {
            try {
                LinuxRawDisk.rereadPartitions(target);
            } catch (IOException e) {
                // Loop devices without partition scanning refuse this; the data is written all the same.
            }
        }
    }

}
