/*
 * The one exception every structural problem in a FAT volume becomes: a boot sector with absurd
 * fields, a cluster chain that loops or leaves the FAT, a directory that contains itself. It
 * names the structure and the byte offset on the device, so a report says where to look.
 */
package org.stickwright.engine.fat;

import java.io.IOException;

/** A FAT volume is corrupt or cannot hold what was asked: names the structure and its offset. */
public final class FatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String structure;
    private final long offset;

    public FatException(String structure, long offset, String problem) {
        super(structure + " at byte " + offset + ": " + problem);
        this.structure = structure;
        this.offset = offset;
    }

    /** Thrown for requests the volume cannot satisfy (not corruption); no on-disk offset. */
    public FatException(String problem) {
        super(problem);
        this.structure = "request";
        this.offset = -1;
    }

    /** The structure that was found wrong ("boot sector", "FAT", "directory /EFI", ...). */
    public String structure() {
        return structure;
    }

    /** Byte offset on the device where the structure lies, or -1 for refused requests. */
    public long offset() {
        return offset;
    }
}
