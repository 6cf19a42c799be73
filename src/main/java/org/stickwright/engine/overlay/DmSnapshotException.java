/*
 * The exception the dm-snapshot store reader and its editing operations throw for a damaged
 * store: it names the structure (header, metadata area N, exception record N of area M) and
 * the byte offset inside the store file, so a technician can look at it with a hex editor.
 */
package org.stickwright.engine.overlay;

import org.stickwright.engine.io.FormatException;

/** A dm-snapshot persistent store is damaged, or an operation on it is refused. */
public final class DmSnapshotException extends FormatException {
    private static final long serialVersionUID = 1L;

    public DmSnapshotException(String structure, long offset, String problem) {
        super(structure, offset, problem);
    }

    /** An operation the store cannot take (a shrink below used data, a resize of a fresh store). */
    public DmSnapshotException(String problem) {
        super(problem);
    }
}
