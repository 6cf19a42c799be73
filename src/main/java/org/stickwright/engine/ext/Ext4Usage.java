package org.stickwright.engine.ext;

/**
 * Space and inode use summed over the group descriptors, the way the kernel initialises its
 * free counters at mount (the superblock's own counters can lag behind on a mounted filesystem).
 */
public record Ext4Usage(long blocksCount, long freeBlocks, long reservedBlocks, long inodesCount, long freeInodes,
        int blockSize) {
    public long usedBlocks() {
        return blocksCount - freeBlocks;
    }

    public long usedInodes() {
        return inodesCount - freeInodes;
    }
}
