package org.stickwright.engine.job;

import java.util.List;
import org.stickwright.engine.family.LiveFamily;

/**
 * What a create job will do to the target, decided and checked before anything is written: the
 * partitions (for the wizard's drawn bar and the CLI's confirmation), the files it will make on
 * them (extract mode's overlay/home images), the boot entries, and notes the user must read
 * (e.g. "UEFI only: no syslinux found"). {@code detail} is the job's own planning state.
 */
public record CreatePlan(CreateRequest request, LiveFamily family, long targetSize, int sectorSize,
        List<PlannedPartition> partitions, List<PlannedFile> files, List<String> bootEntries, List<String> notes,
        Object detail) {

    /** One partition of the finished stick. {@code role}: iso, persistence, home, profile:NAME, data, live (extract). */
    public record PlannedPartition(int number, long offset, long length, String role, String filesystem, String label) {
    }

    /** One file the job creates on a partition (extract mode: overlays, home.img). */
    public record PlannedFile(int partition, String path, long length, String role) {
    }

    public CreatePlan {
        partitions = List.copyOf(partitions);
        files = List.copyOf(files);
        bootEntries = List.copyOf(bootEntries);
        notes = List.copyOf(notes);
    }
}
