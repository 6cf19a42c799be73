package org.stickwright.engine.ext;

import java.io.IOException;

/**
 * An ext4 structure is corrupt, truncated or outside what this code handles. The message names
 * the structure (superblock, group descriptor 17, inode 12, extent block, directory block ...)
 * and its byte offset on the device, so a damaged stick can be diagnosed from the message alone.
 */
public final class Ext4FormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String structure;
    private final long offset;

    public Ext4FormatException(String structure, long offset, String problem) {
        super(structure + " at byte " + offset + ": " + problem);
        this.structure = structure;
        this.offset = offset;
    }

    /** The damaged structure, e.g. {@code "extent header of inode 12"}. */
    public String structure() {
        return structure;
    }

    /** Byte offset of that structure on the device, or -1 where it has none. */
    public long offset() {
        return offset;
    }
}
