/*
 * The exception the squashfs reader throws for a corrupt or unsupported image: it names the
 * structure (superblock, metadata block, inode, directory header, data block) and the byte
 * offset where it was found, so bad input fails fast instead of looping or exhausting memory.
 */
package org.stickwright.engine.squashfs;

import java.io.IOException;

/** A squashfs structure is corrupt, or uses a feature we do not read. */
public final class SquashfsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String structure;
    private final long offset;

    public SquashfsFormatException(String structure, long offset, String problem) {
        super(structure + " at byte " + offset + ": " + problem);
        this.structure = structure;
        this.offset = offset;
    }

    public SquashfsFormatException(String structure, long offset, String problem, Throwable cause) {
        this(structure, offset, problem);
        initCause(cause);
    }

    public String structure() {
        return structure;
    }

    public long offset() {
        return offset;
    }
}
