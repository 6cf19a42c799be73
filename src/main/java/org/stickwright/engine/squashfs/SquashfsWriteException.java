/*
 * What the squashfs writer throws when the tree it is fed cannot become a squashfs image: a path
 * outside the root, a name twice in one directory, a child of a file, a directory never declared,
 * a file whose content stream ends early, more than 65536 distinct uids/gids. The message names
 * the path and the problem.
 */
package org.stickwright.engine.squashfs;

import java.io.IOException;

/** The entries given to {@link SquashfsWriter} do not make a valid squashfs tree. */
public final class SquashfsWriteException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String path;

    public SquashfsWriteException(String path, String problem) {
        super(path + ": " + problem);
        this.path = path;
    }

    /** The path of the offending entry (or "/" for image-wide limits). */
    public String path() {
        return path;
    }
}
