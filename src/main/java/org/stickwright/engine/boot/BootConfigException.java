/*
 * A boot configuration we cannot edit safely: unbalanced GRUB braces, a default entry that names
 * nothing, a systemd-boot profile file whose original entry is gone. The message names the file
 * kind and the 1-based line so a technician can open the file and look.
 */
package org.stickwright.engine.boot;

import java.io.IOException;

/** Raised when a bootloader configuration cannot be parsed or edited without guessing. */
public final class BootConfigException extends IOException {
    private static final long serialVersionUID = 1L;

    public BootConfigException(String structure, int lineNumber, String problem) {
        super(structure + (lineNumber > 0 ? " line " + lineNumber : "") + ": " + problem);
    }
}
