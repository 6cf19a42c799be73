package org.stickwright.engine.part;

import java.io.IOException;

/**
 * A partition table that cannot be trusted: a bad signature or CRC32, an absurd entry count or
 * size, an entry that lies beyond the disk. The message names the structure ("GPT header",
 * "MBR entry 3", ...) and the byte offset on the device where it sits, so a user can look at it
 * with a hex viewer.
 */
public class PartitionTableException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String structure;
    private final long offset;

    public PartitionTableException(String structure, long offset, String problem) {
        super(structure + " at byte " + offset + ": " + problem);
        this.structure = structure;
        this.offset = offset;
    }

    /** The structure that is wrong, e.g. "GPT backup header". */
    public String structure() {
        return structure;
    }

    /** Byte offset of that structure on the device. */
    public long offset() {
        return offset;
    }
}
