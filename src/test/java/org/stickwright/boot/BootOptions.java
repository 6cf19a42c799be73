package org.stickwright.boot;

import java.time.Duration;
import java.util.Objects;

/**
 * How to boot: the hard time limit and, optionally, a boot menu entry other than the default.
 *
 * <p>A non-default entry is picked by typing on the serial console, as a person would at the
 * keyboard: once the serial output contains {@code menuTrigger} (text the boot loader prints
 * with its menu, e.g. GRUB's entry titles or isolinux's {@code boot:} prompt), the runner
 * sends {@code menuKeys}. The fixtures' menus wait 1 s, which is plenty for a program reading
 * the serial port; their second entries have GRUB hotkey {@code 2} and isolinux label
 * {@code second}, see {@link #GRUB_SECOND_ENTRY} and {@link #ISOLINUX_SECOND_ENTRY}.
 */
public record BootOptions(Duration timeout, String menuTrigger, String menuKeys) {
    /** Generous: two cores shared with compilers make a 40 s boot take several times that. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(Long.getLong("stickwright.boot.timeout", 300));

    /** The second entry of a fixture's GRUB menu (BIOS GRUB of the Fedora fixtures, all EFI GRUBs). */
    public static final BootOptions GRUB_SECOND_ENTRY = defaults().selectingMenuEntry("Second entry", "2");
    /** The second entry of the Debian fixture's isolinux menu (SeaBIOS). */
    public static final BootOptions ISOLINUX_SECOND_ENTRY = defaults().selectingMenuEntry("boot:", "second\r");

    public BootOptions {
        Objects.requireNonNull(timeout, "timeout");
        if ((menuTrigger == null) != (menuKeys == null)) {
            throw new IllegalArgumentException("menuTrigger and menuKeys go together");
        }
    }

    /** The default entry, the default time limit. */
    public static BootOptions defaults() {
        return new BootOptions(DEFAULT_TIMEOUT, null, null);
    }

    public BootOptions withTimeout(Duration newTimeout) {
        return new BootOptions(newTimeout, menuTrigger, menuKeys);
    }

    /** Types {@code keys} on the serial console once the output shows {@code trigger}. */
    public BootOptions selectingMenuEntry(String trigger, String keys) {
        return new BootOptions(timeout, trigger, keys);
    }

    boolean selectsMenuEntry() {
        return menuTrigger != null;
    }
}
