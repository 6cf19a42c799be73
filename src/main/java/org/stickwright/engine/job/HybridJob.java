package org.stickwright.engine.job;

import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Progress;

/** Placeholder until hybrid mode lands: refuses before writing anything. */
public final class HybridJob implements CreateJob {
    private final CreateRequest request;

    public HybridJob(CreateRequest request, Progress progress, Cancellation cancellation) {
        this.request = request;
    }

    @Override
    public CreatePlan plan(long targetSize, int sectorSize) throws JobException {
        throw new JobException(Outcome.BAD_INPUT, "--mode " + request.mode().cliName() + " is not available yet");
    }

    @Override
    public Created write(CreatePlan plan, BlockDevice target) throws JobException {
        throw new JobException(Outcome.BAD_INPUT, "--mode " + request.mode().cliName() + " is not available yet");
    }

    @Override
    public void verify(Created created, BlockDevice readBack) throws JobException {
        throw new JobException(Outcome.BAD_INPUT, "--mode " + request.mode().cliName() + " is not available yet");
    }
}
