package org.stickwright.engine.ext;

import org.stickwright.engine.io.FormatException;

/**
 * An ext4 structure is corrupt, truncated or outside what this code handles. The message names
 * the structure (superblock, group descriptor 17, inode 12, extent block, directory block ...)
 * and its byte offset on the device, so a damaged stick can be diagnosed from the message alone.
 */
public final class Ext4FormatException extends FormatException {
    private static final long serialVersionUID = 1L;

    public Ext4FormatException(String structure, long offset, String problem) {
        super(structure, offset, problem);
    }

    public Ext4FormatException(String structure, long offset, String problem, Throwable cause) {
        super(structure, offset, problem, cause);
    }
}
