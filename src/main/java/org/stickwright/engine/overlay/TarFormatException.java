package org.stickwright.engine.overlay;

import org.stickwright.engine.io.FormatException;

/** A tar archive is damaged, truncated or holds something an overlayfs store cannot: names the header and its offset. */
public final class TarFormatException extends FormatException {
    private static final long serialVersionUID = 1L;

    public TarFormatException(String structure, long offset, String problem) {
        super(structure, offset, problem);
    }
}
