/*
 * The receiving end of IsoImage.extract: a writer of another filesystem (our FAT32 writer, a
 * host directory) gets the tree as a stream of calls, files in on-medium order so the source
 * is read once from start to end.
 */
package org.stickwright.engine.iso;

import java.io.IOException;
import java.io.InputStream;

/** Receives an ISO tree: directories first (parents before children), then files, then links. */
public interface IsoTreeSink {
    /** A directory to create; its parent was announced before. */
    void directory(IsoEntry directory) throws IOException;

    /** A regular file of {@code file.size()} bytes; {@code content} is valid only during the call. */
    void file(IsoEntry file, InputStream content) throws IOException;

    /** A symbolic link pointing at {@code target}. */
    void symlink(IsoEntry link, String target) throws IOException;

    /** Called once after everything, e.g. to set directory times that file creation changed. */
    default void finish() throws IOException {
    }
}
