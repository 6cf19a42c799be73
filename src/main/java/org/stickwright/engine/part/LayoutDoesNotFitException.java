package org.stickwright.engine.part;

import java.io.IOException;

/** A requested partition does not fit in the space left; says how big it could be. */
public final class LayoutDoesNotFitException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int requestIndex;
    private final long requestedBytes;
    private final long largestPossibleBytes;

    public LayoutDoesNotFitException(int requestIndex, long requestedBytes, long largestPossibleBytes) {
        super("partition " + (requestIndex + 1) + " of " + (requestedBytes < 0 ? "the rest of the disk" : requestedBytes + " bytes")
                + " does not fit; the largest possible size there is " + largestPossibleBytes + " bytes");
        this.requestIndex = requestIndex;
        this.requestedBytes = requestedBytes;
        this.largestPossibleBytes = largestPossibleBytes;
    }

    /** 0-based index of the request that failed. */
    public int requestIndex() {
        return requestIndex;
    }

    /** What was asked for (negative: the rest of the disk). */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** The largest size that request could have, given the requests before it (0: no room at all). */
    public long largestPossibleBytes() {
        return largestPossibleBytes;
    }
}
