/*
 * What a listing shows of one directory entry: the name a user sees (the long name when a valid
 * LFN run precedes the 8.3 entry, else the short name with its lowercase flags applied), the 8.3
 * name as stored, attributes, first cluster, size and times.
 */
package org.stickwright.engine.fat;

import java.time.Instant;

/** One file or directory as a listing shows it. */
public record FatEntry(String name, String shortName, int attributes, long firstCluster, long size,
        Instant created, Instant modified) {
    public static final int ATTR_READ_ONLY = 0x01;
    public static final int ATTR_HIDDEN = 0x02;
    public static final int ATTR_SYSTEM = 0x04;
    public static final int ATTR_VOLUME_ID = 0x08;
    public static final int ATTR_DIRECTORY = 0x10;
    public static final int ATTR_ARCHIVE = 0x20;
    /** READ_ONLY|HIDDEN|SYSTEM|VOLUME_ID: the attribute byte of a long-name slot. */
    public static final int ATTR_LONG_NAME = 0x0F;

    public boolean isDirectory() {
        return (attributes & ATTR_DIRECTORY) != 0;
    }
}
