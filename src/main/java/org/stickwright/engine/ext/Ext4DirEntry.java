package org.stickwright.engine.ext;

/**
 * One name in a directory. {@code fileType} is the dirent's type byte (filetype feature):
 * 1 regular, 2 directory, 3 char device, 4 block device, 5 FIFO, 6 socket, 7 symlink, 0 unknown.
 */
public record Ext4DirEntry(String name, long inode, int fileType) {
    public boolean isDirectory() {
        return fileType == 2;
    }
}
