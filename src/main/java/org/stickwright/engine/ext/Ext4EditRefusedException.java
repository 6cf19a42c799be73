package org.stickwright.engine.ext;

import java.io.IOException;

/**
 * {@link Ext4Editor} will not write to this filesystem: it needs recovery (journal, orphans,
 * errors), uses a feature the editor does not handle, or the request itself makes no sense
 * (emptying the root). Nothing has been written when this is thrown. Damage found on the way
 * raises {@link Ext4FormatException} instead, also before any write.
 */
public final class Ext4EditRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public Ext4EditRefusedException(String reason) {
        super(reason);
    }
}
