/*
 * A kernel command line as a boot configuration states it: GRUB "linux"/"linuxefi"/"linux16"
 * (kernel path first, then the options), syslinux "KERNEL"/"LINUX" with the "APPEND" of the same
 * LABEL, systemd-boot "linux" and "options" of one entry file. Options are split on blanks, the
 * way the kernel splits them; quotes are kept as written.
 */
package org.stickwright.engine.family;

import java.util.List;
import java.util.Optional;

/**
 * One kernel command line of a boot configuration.
 *
 * @param kernel  the kernel path as written ("/images/pxeboot/vmlinuz"), or "" when the entry names none
 * @param options the options in order ("root=live:CDLABEL=Fedora", "rd.live.image", "quiet")
 * @param line    1-based line number of the line carrying the options in its file
 */
public record KernelLine(String kernel, List<String> options, int line) {
    public KernelLine {
        options = List.copyOf(options);
    }

    /** Whether an option equals {@code flag} ("boot=live", "persistent"). */
    public boolean has(String flag) {
        return options.contains(flag);
    }

    /** The value of the first {@code key=value} option, e.g. value("archisolabel") → "ARCH_202601". */
    public Optional<String> value(String key) {
        String prefix = key + "=";
        return options.stream().filter(o -> o.startsWith(prefix)).map(o -> o.substring(prefix.length())).findFirst();
    }

    /** The options joined by single spaces, as shown to people. */
    public String optionsText() {
        return String.join(" ", options);
    }
}
