/*
 * The facts of the Primary Volume Descriptor (block 16) that callers show or match on:
 * the volume identifier is what udev exposes as the filesystem label (root=live:CDLABEL=...),
 * the volume space size is the image's length in 2048-byte blocks.
 */
package org.stickwright.engine.iso;

import java.time.OffsetDateTime;

/**
 * Identification of an ISO 9660 volume.
 *
 * @param label            volume identifier of the primary descriptor, trailing blanks removed
 * @param jolietLabel      volume identifier of the Joliet descriptor, or null without Joliet
 * @param systemId         system identifier (often blank; "LINUX" from mkisofs)
 * @param publisher        publisher identifier
 * @param dataPreparer     data preparer identifier (xorriso writes its version here)
 * @param applicationId    application identifier
 * @param creationDate     volume creation date, or null when unset (all zeros / digits '0')
 * @param volumeSpaceBlocks size of the volume in logical blocks
 * @param logicalBlockSize logical block size (2048 on every real image)
 */
public record IsoVolume(String label, String jolietLabel, String systemId, String publisher, String dataPreparer,
        String applicationId, OffsetDateTime creationDate, long volumeSpaceBlocks, int logicalBlockSize) {

    /** Size of the volume in bytes. */
    public long volumeSpaceBytes() {
        return volumeSpaceBlocks * logicalBlockSize;
    }
}
