/*
 * The live-system families Stickwright knows, each named after the initramfs code that finds
 * the root image and the persistence storage at boot (dracut dmsquash-live, live-boot, casper,
 * mkinitcpio-archiso). What a family supports is a property of that code, not of one ISO:
 * live-boot reads "/home" lines from persistence.conf, dracut mounts LiveOS/home.img, casper
 * mounts a "home-rw" volume; archiso has no separate home at all. "Profiles" are several
 * persistence stores on one stick, chosen by boot entry: dracut's rd.live.overlay=<dev>:<path>,
 * live-boot's persistence-label=, archiso's cow_directory=; casper looks for one fixed label.
 */
package org.stickwright.engine.family;

/** A live-system family, with what its initramfs can do for persistence. */
public enum Family {
    FEDORA_DRACUT("Fedora / dracut dmsquash-live", true, true,
            "dracut mounts an overlay (rd.live.overlay=) over the read-only root: a LiveOS/overlay-<LABEL>-<UUID> "
                    + "directory on an ext4 partition keeps every change to /, and LiveOS/home.img can hold /home"),
    DEBIAN_LIVE("Debian live-boot", true, true,
            "live-boot (kernel option 'persistence') unions a partition labelled 'persistence' whose persistence.conf "
                    + "says '/ union' over the root, so changes to / (and /home if listed) survive reboots"),
    UBUNTU_CASPER("Ubuntu casper", true, false,
            "casper (kernel option 'persistent', before '---') keeps changes to / on a partition labelled 'writable' "
                    + "and can mount a 'home-rw' volume on /home"),
    ARCH_ARCHISO("Arch Linux archiso", false, true,
            "archiso (cow_label= and cow_directory=) puts the overlay's upperdir and workdir on an ext4 partition, "
                    + "so changes to / survive reboots"),
    SYSTEMRESCUE("SystemRescue (archiso-based)", false, true,
            "SystemRescue's archiso hook (cow_label= and cow_directory=) puts the overlay's upperdir and workdir on "
                    + "an ext4 partition, so changes to / survive reboots"),
    UNKNOWN("unknown", false, false,
            "no known live-system layout was found: Stickwright cannot add persistence, only write the image as it is");

    private final String displayName;
    private final boolean separateHome;
    private final boolean profiles;
    private final String persistenceExplanation;

    Family(String displayName, boolean separateHome, boolean profiles, String persistenceExplanation) {
        this.displayName = displayName;
        this.separateHome = separateHome;
        this.profiles = profiles;
        this.persistenceExplanation = persistenceExplanation;
    }

    /** A name for people, e.g. "Debian live-boot". */
    public String displayName() {
        return displayName;
    }

    /** Whether the family's initramfs can mount a separate persistent /home. */
    public boolean supportsSeparateHome() {
        return separateHome;
    }

    /** Whether several persistence stores (one boot entry each) can live on one stick. */
    public boolean supportsProfiles() {
        return profiles;
    }

    /** One line telling what persistence would do for a stick of this family. */
    public String persistenceExplanation() {
        return persistenceExplanation;
    }

    /** Whether Stickwright can add persistence to this family at all. */
    public boolean isKnown() {
        return this != UNKNOWN;
    }
}
