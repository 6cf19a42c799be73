/*
 * Why a live ISO cannot be rebuilt safely: a layout the rebuilder does not model (a partition
 * that straddles the volume's end, a file stored after it, a boot image that would move), or an
 * output that already exists. Corrupt structures are IsoFormatException / PartitionTableException.
 */
package org.stickwright.engine.iso;

import java.io.IOException;

/** A new ISO was not written because the source's layout cannot be rebuilt safely. */
public final class IsoRebuildException extends IOException {
    private static final long serialVersionUID = 1L;

    public IsoRebuildException(String reason) {
        super(reason);
    }
}
