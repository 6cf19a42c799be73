package org.stickwright.engine.overlay;

import java.util.List;
import org.stickwright.engine.ext.Ext4Entry;

/** Lets tests in other packages build the same persistence volume as OverlayfsUpperTest. */
public final class OverlayfsUpperTestAccess {
    private OverlayfsUpperTestAccess() {
    }

    public static List<Ext4Entry> persistenceVolume() {
        return OverlayfsUpperTest.persistenceVolume();
    }
}
