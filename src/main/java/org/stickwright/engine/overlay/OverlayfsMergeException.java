/*
 * What OverlayfsMerge throws for an upper directory it cannot fold into a new root faithfully:
 * an overlayfs feature whose meaning lives outside the upper tree (metacopy: the data is still
 * in the lower layer under another name; redirect_dir: a renamed directory points at its old
 * lower path), named with the upper path.
 */
package org.stickwright.engine.overlay;

import java.io.IOException;

/** An overlayfs upper tree uses something a merge cannot reproduce. */
public final class OverlayfsMergeException extends IOException {
    private static final long serialVersionUID = 1L;

    public OverlayfsMergeException(String path, String problem) {
        super(path + ": " + problem);
    }
}
