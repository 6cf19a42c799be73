package org.stickwright.engine.ext;

import java.io.IOException;
import java.io.InputStream;
import org.stickwright.engine.io.BlockDevice;

/** Drives every reader path over a (possibly corrupt) filesystem, as overlay inspection would. */
final class ReaderExercise {
    private ReaderExercise() {
    }

    /** Returns the number of inodes visited; any corruption must surface as an IOException. */
    static int exercise(BlockDevice device) throws IOException {
        return exercise(device, true);
    }

    /** {@code verifyChecksums = false} lets random damage reach past the superblock and descriptors. */
    static int exercise(BlockDevice device, boolean verifyChecksums) throws IOException {
        Ext4Reader reader = Ext4Reader.open(device, verifyChecksums);
        reader.usage();
        int[] visited = {0};
        reader.walk(reader.root(), "/", (path, entry, inode) -> {
            visited[0]++;
            reader.xattrs(inode);
            if (inode.isSymlink()) {
                reader.readSymlink(inode);
            } else if (inode.isRegularFile()) {
                try (InputStream in = reader.openStream(inode)) {
                    in.readNBytes(1 << 20);
                }
            }
        });
        return visited[0];
    }
}
