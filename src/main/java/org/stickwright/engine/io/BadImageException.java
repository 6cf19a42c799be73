package org.stickwright.engine.io;

import java.io.IOException;

/** The image the user named is unusable (missing, unreadable, corrupt, not a disk image). */
public class BadImageException extends IOException {
    private static final long serialVersionUID = 1L;

    public BadImageException(String message) {
        super(message);
    }

    public BadImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
