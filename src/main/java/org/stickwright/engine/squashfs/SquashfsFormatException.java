/*
 * The exception the squashfs reader throws for a corrupt or unsupported image: it names the
 * structure (superblock, metadata block, inode, directory header, data block) and the byte
 * offset where it was found, so bad input fails fast instead of looping or exhausting memory.
 */
package org.stickwright.engine.squashfs;

import org.stickwright.engine.io.FormatException;

/** A squashfs structure is corrupt, or uses a feature we do not read. */
public final class SquashfsFormatException extends FormatException {
    private static final long serialVersionUID = 1L;

    public SquashfsFormatException(String structure, long offset, String problem) {
        super(structure, offset, problem);
    }

    public SquashfsFormatException(String structure, long offset, String problem, Throwable cause) {
        super(structure, offset, problem, cause);
    }
}
