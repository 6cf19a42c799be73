/*
 * What each distribution family needs on its kernel line to boot with persistence, as data
 * (facts from reference/persistence-mechanisms.md §0-§6):
 *
 *   Fedora / dracut   rd.live.overlay=<devspec>[:<path>]  (+ rd.live.overlay.overlayfs for directory
 *                     or embedded-filesystem overlays); rd.live.check removed, because after we patch
 *                     the ISO its implanted checkisomd5 sum no longer matches. Profiles = overlay paths.
 *   Debian live-boot  persistence; profiles add persistence-label=<label>.
 *   Ubuntu casper     persistent (before `---`); casper only looks for the label `writable`, so it
 *                     cannot offer several profiles.
 *   archiso / SystemRescue
 *                     cow_label=<label> and always cow_directory=<dir> (the default directory
 *                     depends on archisolabel and silently changes between releases).
 *
 * A recipe is a list of profiles; the first is the default one. A recipe with no profiles is the
 * plain live stick: applying it removes the entries an earlier recipe added.
 */
package org.stickwright.engine.boot;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A family's persistence recipe: the profiles to offer (first = default) and the arguments to drop
 * from every entry we touch, the plain one included.
 */
public record PersistenceRecipe(String family, List<Profile> profiles, List<String> removeFromAllEntries) {
    private static final Pattern TITLE_SUFFIX = Pattern.compile("[A-Za-z0-9 ._:,+-]{1,40}");

    /**
     * One boot entry to generate: its title is the original title followed by
     * {@code " (" + titleSuffix + ")"}; {@code add} are full arguments, {@code remove} are keys.
     */
    public record Profile(String titleSuffix, List<String> add, List<String> remove) {
        public Profile {
            if (!TITLE_SUFFIX.matcher(titleSuffix).matches()) {
                throw new IllegalArgumentException("profile title suffix must be 1-40 of [A-Za-z0-9 ._:,+-]: " + titleSuffix);
            }
            add = List.copyOf(add);
            remove = List.copyOf(remove);
            for (String arg : add) {
                if (arg.isEmpty() || arg.chars().anyMatch(c -> c <= ' ' || c == '\'' || c == '"' || c == '\\' || c == '{' || c == '}' || c == ';')
                        || arg.equals(KernelArgs.INSTALLED_SYSTEM_SEPARATOR)) {
                    throw new IllegalArgumentException("not a plain kernel argument: '" + arg + "'");
                }
            }
        }

        /** Lower-case ASCII name used in file names, syslinux labels and GRUB ids: "persistent-work". */
        public String slug() {
            return titleSuffix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        }
    }

    /** A further profile: a name shown in the menu and where its persistent data lives. */
    public record NamedLocation(String name, String location) {
    }

    public PersistenceRecipe {
        profiles = List.copyOf(profiles);
        removeFromAllEntries = List.copyOf(removeFromAllEntries);
        Set<String> slugs = new HashSet<>();
        for (Profile profile : profiles) {
            if (profile.slug().isEmpty() || !slugs.add(profile.slug())) {
                throw new IllegalArgumentException("profile names must differ in letters and digits: " + profile.titleSuffix());
            }
        }
    }

    /** Title suffix of the plain live entry. */
    public static final String PLAIN_SUFFIX = "no persistence";

    public Profile defaultProfile() {
        return profiles.get(0);
    }

    /** The plain live stick: no persistence entries at all. */
    public static PersistenceRecipe plain() {
        return new PersistenceRecipe("plain", List.of(), List.of());
    }

    /**
     * Fedora and other dracut dmsquash-live images. {@code devspec} is dracut's device spec of the
     * persistence filesystem ({@code LABEL=STICKDATA}, {@code UUID=…}); further profiles each name
     * an overlay path on that device.
     */
    public static PersistenceRecipe fedora(String devspec, boolean overlayfs, List<NamedLocation> furtherProfiles) {
        List<Profile> profiles = new ArrayList<>();
        profiles.add(fedoraProfile("persistent", "rd.live.overlay=" + devspec, overlayfs));
        for (NamedLocation profile : furtherProfiles) {
            profiles.add(fedoraProfile("persistent: " + profile.name(), "rd.live.overlay=" + devspec + ":" + profile.location(), overlayfs));
        }
        return new PersistenceRecipe("fedora", profiles, List.of("rd.live.check"));
    }

    private static Profile fedoraProfile(String suffix, String overlay, boolean overlayfs) {
        return overlayfs
                ? new Profile(suffix, List.of(overlay, "rd.live.overlay.overlayfs"), List.of())
                : new Profile(suffix, List.of(overlay), List.of("rd.live.overlay.overlayfs"));
    }

    /** Debian live-boot: {@code persistence}; each further profile is a filesystem label. */
    public static PersistenceRecipe debian(List<String> furtherProfileLabels) {
        List<Profile> profiles = new ArrayList<>();
        profiles.add(new Profile("persistent", List.of("persistence"), List.of("nopersistence", "persistence-label")));
        for (String label : furtherProfileLabels) {
            profiles.add(new Profile("persistent: " + label, List.of("persistence", "persistence-label=" + label), List.of("nopersistence")));
        }
        return new PersistenceRecipe("debian", profiles, List.of());
    }

    /** Ubuntu casper: {@code persistent} before {@code ---}. */
    public static PersistenceRecipe ubuntu(List<String> furtherProfiles) {
        if (!furtherProfiles.isEmpty()) {
            throw new IllegalArgumentException("casper cannot offer persistence profiles: it only looks for the filesystem label "
                    + "'writable' (or 'casper-rw'), with no boot parameter to choose another one");
        }
        return new PersistenceRecipe("ubuntu", List.of(new Profile("persistent", List.of("persistent"), List.of("nopersistent"))), List.of());
    }

    /** Arch archiso: cow_label plus an explicit cow_directory; further profiles are other directories. */
    public static PersistenceRecipe archiso(String cowLabel, String cowDirectory, List<NamedLocation> furtherProfiles) {
        return cow("archiso", cowLabel, cowDirectory, furtherProfiles);
    }

    /** SystemRescue: the archiso parameters (its default cow_directory changes with every release). */
    public static PersistenceRecipe systemRescue(String cowLabel, String cowDirectory, List<NamedLocation> furtherProfiles) {
        return cow("systemrescue", cowLabel, cowDirectory, furtherProfiles);
    }

    private static PersistenceRecipe cow(String family, String cowLabel, String cowDirectory, List<NamedLocation> furtherProfiles) {
        List<Profile> profiles = new ArrayList<>();
        profiles.add(new Profile("persistent", List.of("cow_label=" + cowLabel, "cow_directory=" + cowDirectory), List.of("cow_device")));
        for (NamedLocation profile : furtherProfiles) {
            profiles.add(new Profile("persistent: " + profile.name(),
                    List.of("cow_label=" + cowLabel, "cow_directory=" + profile.location()), List.of("cow_device")));
        }
        return new PersistenceRecipe(family, profiles, List.of());
    }
}
