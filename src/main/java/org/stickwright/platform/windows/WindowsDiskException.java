package org.stickwright.platform.windows;

import java.io.IOException;

/** A failed Windows disk operation, with its Win32 code and the exit code it maps to. */
public final class WindowsDiskException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int win32Error;
    private final int exitCode;

    public WindowsDiskException(String message, int win32Error, int exitCode) {
        super(message);
        this.win32Error = win32Error;
        this.exitCode = exitCode;
    }

    public int win32Error() {
        return win32Error;
    }

    public int exitCode() {
        return exitCode;
    }
}
