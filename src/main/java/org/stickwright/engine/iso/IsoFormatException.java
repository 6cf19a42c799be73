/*
 * The one exception the ISO 9660 reader and patcher throw for bad input: a truncated or
 * inconsistent structure (volume descriptor, directory record, SUSP area, boot catalog) is
 * reported with the structure's name and its byte offset on the device, so a corrupt image
 * fails fast and legibly instead of looping or exhausting memory.
 */
package org.stickwright.engine.iso;

import org.stickwright.engine.io.FormatException;

/** A structure of an ISO 9660 image is corrupt or beyond what we accept. */
public final class IsoFormatException extends FormatException {
    private static final long serialVersionUID = 1L;

    public IsoFormatException(String structure, long offset, String problem) {
        super(structure, offset, problem);
    }

    public IsoFormatException(String structure, long offset, String problem, Throwable cause) {
        super(structure, offset, problem, cause);
    }
}
