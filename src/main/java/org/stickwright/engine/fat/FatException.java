/*
 * The one exception every structural problem in a FAT volume becomes: a boot sector with absurd
 * fields, a cluster chain that loops or leaves the FAT, a directory that contains itself. It
 * names the structure and the byte offset on the device, so a report says where to look.
 */
package org.stickwright.engine.fat;

import org.stickwright.engine.io.FormatException;

/** A FAT volume is corrupt or cannot hold what was asked: names the structure and its offset. */
public final class FatException extends FormatException {
    private static final long serialVersionUID = 1L;

    public FatException(String structure, long offset, String problem) {
        super(structure, offset, problem);
    }

    public FatException(String structure, long offset, String problem, Throwable cause) {
        super(structure, offset, problem, cause);
    }

    /** Thrown for requests the volume cannot satisfy (not corruption); no on-disk offset. */
    public FatException(String problem) {
        super(problem);
    }
}
