package org.stickwright.engine.part;

import org.stickwright.engine.io.FormatException;

/**
 * A partition table that cannot be trusted: a bad signature or CRC32, an absurd entry count or
 * size, an entry that lies beyond the disk. The message names the structure ("GPT header",
 * "MBR entry 3", ...) and the byte offset on the device where it sits, so a user can look at it
 * with a hex viewer.
 */
public class PartitionTableException extends FormatException {
    private static final long serialVersionUID = 1L;

    public PartitionTableException(String structure, long offset, String problem) {
        super(structure, offset, problem);
    }

    public PartitionTableException(String structure, long offset, String problem, Throwable cause) {
        super(structure, offset, problem, cause);
    }
}
