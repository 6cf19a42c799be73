package org.stickwright.engine.job;

import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Progress;

/**
 * A persistent-stick job ({@code create}): plan, write, verify — the same three steps for the
 * CLI, the wizard and the privileged helper. {@link #plan} reads only the image; {@link #write}
 * and {@link #verify} leave the target wiped (partition tables gone) when they fail, as
 * {@link WriteJob} does, and say so in the exception's message.
 */
public interface CreateJob {
    /** Every check that can be made before writing (family known, sizes legal and fitting); writes nothing. */
    CreatePlan plan(long targetSize, int sectorSize) throws JobException;

    /** Makes the stick the plan describes. */
    Created write(CreatePlan plan, BlockDevice target) throws JobException;

    /** Reads back everything {@link #write} wrote, through {@code readBack} (bypassing the cache). */
    void verify(Created created, BlockDevice readBack) throws JobException;

    /** What {@link #write} did; {@code detail} is what {@link #verify} needs. */
    record Created(CreatePlan plan, long bytesWritten, long nanos, Object detail) {
    }

    static CreateJob of(CreateRequest request, Progress progress, Cancellation cancellation) {
        return switch (request.mode()) {
            case HYBRID -> new HybridJob(request, progress, cancellation);
            case EXTRACT -> new ExtractJob(request, progress, cancellation);
        };
    }
}
