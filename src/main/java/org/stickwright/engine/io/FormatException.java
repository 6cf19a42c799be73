package org.stickwright.engine.io;

import java.io.IOException;

/**
 * A structure on a disk or in an image is damaged or impossible: every format reader's error,
 * naming the structure and the byte offset where it lies, so a user (or a fuzzing report) can
 * find it with a hex editor. Readers throw this rather than loop, overflow or run out of memory.
 */
public class FormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String structure;
    private final long offset;

    public FormatException(String structure, long offset, String problem) {
        super(structure + " at byte " + offset + ": " + problem);
        this.structure = structure;
        this.offset = offset;
    }

    public FormatException(String structure, long offset, String problem, Throwable cause) {
        this(structure, offset, problem);
        initCause(cause);
    }

    /** For a request a volume cannot satisfy rather than damage found: no structure, no offset. */
    protected FormatException(String problem) {
        super(problem);
        this.structure = "request";
        this.offset = -1;
    }

    /** The structure found wrong, e.g. "GPT backup header", "extent header of inode 12". */
    public String structure() {
        return structure;
    }

    /** Byte offset of that structure on the device, or -1 where it has none. */
    public long offset() {
        return offset;
    }
}
