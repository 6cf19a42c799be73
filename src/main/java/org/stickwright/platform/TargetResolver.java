package org.stickwright.platform;

import java.io.IOException;

/** Tells what a TARGET argument names on this OS (see {@link TargetKind}). */
public interface TargetResolver {
    TargetKind resolve(String target) throws IOException;
}
