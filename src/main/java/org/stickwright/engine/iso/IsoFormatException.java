/*
 * The one exception the ISO 9660 reader and patcher throw for bad input: a truncated or
 * inconsistent structure (volume descriptor, directory record, SUSP area, boot catalog) is
 * reported with the structure's name and its byte offset on the device, so a corrupt image
 * fails fast and legibly instead of looping or exhausting memory.
 */
package org.stickwright.engine.iso;

import java.io.IOException;

/** A structure of an ISO 9660 image is corrupt or beyond what we accept. */
public final class IsoFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String structure;
    private final long offset;

    public IsoFormatException(String structure, long offset, String problem) {
        super(structure + " at byte " + offset + ": " + problem);
        this.structure = structure;
        this.offset = offset;
    }

    /** The structure that is wrong, e.g. "directory record" or "SUSP continuation area". */
    public String structure() {
        return structure;
    }

    /** Byte offset of the structure on the device. */
    public long offset() {
        return offset;
    }
}
