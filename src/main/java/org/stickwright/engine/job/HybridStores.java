/*
 * The persistence stores each family's initramfs looks for, as ext4 partitions behind the ISO,
 * and the kernel options that point at them (reference/persistence-mechanisms.md §0-§6):
 *
 *   family        default store (label: content)                     kernel options of its entry
 *   Fedora        persistence: LiveOS/overlay-persistent/ +           rd.live.overlay=UUID=<u>:/LiveOS/overlay-persistent
 *                 LiveOS/ovlwork/ (overlayfs upper + work, siblings)  rd.live.overlay.overlayfs
 *   Debian        persistence: persistence.conf "/ union"             persistence (persistence-label=persistence,home-rw with --home)
 *   Ubuntu        writable: upper/ work/                              persistent (before ---)
 *   archiso, SR   persistence: persistent/upperdir/ + workdir/        cow_label=persistence cow_directory=persistent
 *   home          home-rw (Fedora persistenthome=LABEL=home-rw; Debian persistence.conf "/home";
 *                 Ubuntu casper mounts the label home-rw itself)
 *   profile NAME  on the ONE persistence partition, which grows by the profile's size:
 *                 archiso, SR: NAME/upperdir + NAME/workdir, its entry cow_label=persistence
 *                 cow_directory=NAME (archiso uses <cow_directory>/upperdir on the cow device, §4);
 *                 Fedora: /profiles/NAME/overlay-persistent + its sister /profiles/NAME/ovlwork,
 *                 its entry rd.live.overlay=UUID=<persistence uuid>:/profiles/NAME/overlay-persistent
 *                 (dracut takes <pathspec>/../ovlwork as the work directory, §1.3; oVirt Node
 *                 keeps several overlays on one filesystem the same way).
 *                 Debian: its own partition labelled NAME with persistence.conf, its entry
 *                 persistence-label=NAME: live-boot selects FILESYSTEMS by label only
 *                 (persistence-path= locates image files), so sharing would mean ext4 image
 *                 files inside ext4
 *
 * Why profiles share: an isohybrid MBR (Arch, SystemRescue, Fedora) keeps two of its four
 * entries for the ISO and its EFI image, so one partition per profile allowed at most one
 * profile beside the default store, and none beside home or a data partition. Shared profiles share
 * free space too: the sizes asked for add up to the partition's size, not a quota each.
 *
 * Example, Arch with --persistence 256M --profile work=64M --profile play=64M: partition 3
 * (384 MiB, label persistence) holds /persistent, /work and /play, each with upperdir/ and
 * workdir/; syslinux and systemd-boot get three persistent entries, the default one first.
 *
 * Fedora's overlay gets an explicit path instead of dracut's default name
 * overlay-<live LABEL>-<live UUID>: that default depends on the ISO's blkid UUID as the initramfs
 * sees it, and an explicit path also avoids dracut-ng 110's bare-devspec handling (§1.1).
 */
package org.stickwright.engine.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.stickwright.engine.boot.PersistenceRecipe;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.family.Family;
import org.stickwright.engine.family.LiveFamily;
import org.stickwright.engine.family.OverlayKind;

/** Decides the ext4 stores and the boot recipe for a hybrid stick of one family. */
final class HybridStores {
    static final String PERSISTENCE_LABEL = "persistence";
    static final String UBUNTU_LABEL = "writable";
    static final String HOME_LABEL = "home-rw";
    static final String FEDORA_OVERLAY = "/LiveOS/overlay-persistent";
    static final String COW_DIRECTORY = "persistent";
    static final String FEDORA_PROFILES = "/profiles";
    private static final Pattern PROFILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,15}");

    /** One ext4 store: its role (persistence, home, profile:NAME), label, size (-1 = rest), content, UUID. */
    record Store(String role, String label, long size, List<Ext4Entry> entries, UUID uuid) {
    }

    /** The stores in partition order, the recipe that boots them, and what the plan should tell the user. */
    record Decision(List<Store> stores, PersistenceRecipe recipe, List<String> notes) {
    }

    /** A boot entry's store: the partition's label and uuid, and the directory on it (archiso: cow_directory). */
    private record Target(String label, String directory, UUID uuid, boolean main) {
    }

    private HybridStores() {
    }

    /**
     * @param persistenceSize the default store's size, or -1 for the rest of the stick
     * @throws JobException (BAD_INPUT) when the family cannot do what was asked, naming the family
     */
    static Decision decide(LiveFamily live, CreateRequest request, long persistenceSize, Identifiers ids)
            throws JobException {
        Family family = live.family();
        String name = family.displayName();
        if (request.home() > 0 && !family.supportsSeparateHome()) {
            throw new JobException(Outcome.BAD_INPUT, "--home: " + name + " has no separate home store "
                    + "(its initramfs mounts only the root overlay); leave --home out");
        }
        if (!request.profiles().isEmpty() && family == Family.UBUNTU_CASPER) {
            throw new JobException(Outcome.BAD_INPUT, "--profile: " + name + " cannot offer persistence profiles: "
                    + "casper only looks for the label 'writable', with no boot option to choose another store");
        }
        if (!request.profiles().isEmpty() && !family.supportsProfiles()) {
            throw new JobException(Outcome.BAD_INPUT, "--profile: " + name + " cannot offer persistence profiles");
        }
        if (family == Family.FEDORA_DRACUT && !live.overlayKinds().contains(OverlayKind.OVERLAYFS_DIRECTORY)) {
            throw new JobException(Outcome.BAD_INPUT, "the root image " + live.rootImage() + " is "
                    + live.rootImageLayout().describe() + ": dracut cannot put a persistent overlay on it");
        }
        List<String> names = new ArrayList<>();
        for (CreateRequest.Profile profile : request.profiles()) {
            if (!PROFILE_NAME.matcher(profile.name()).matches()) {
                throw new JobException(Outcome.BAD_INPUT, "--profile " + profile.name() + ": a profile name is 1-16 "
                        + "letters, digits, '-' or '_' (it becomes a filesystem label), starting with a letter or digit");
            }
            String lower = profile.name().toLowerCase(Locale.ROOT);
            if (names.contains(lower) || lower.equals(PERSISTENCE_LABEL) || lower.equals(HOME_LABEL)
                    || lower.equals(UBUNTU_LABEL) || lower.equals(COW_DIRECTORY)) {
                throw new JobException(Outcome.BAD_INPUT, "--profile " + profile.name() + ": profile names must "
                        + "differ from each other and from 'persistence', 'persistent', 'writable' and 'home-rw'");
            }
            names.add(lower);
        }

        List<Store> stores = new ArrayList<>();
        List<Target> targets = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String mainLabel = family == Family.UBUNTU_CASPER ? UBUNTU_LABEL : PERSISTENCE_LABEL;
        UUID mainUuid = ids.uuid();
        targets.add(new Target(mainLabel, COW_DIRECTORY, mainUuid, true));
        if (sharesOnePartition(family) && !request.profiles().isEmpty()) {
            List<Ext4Entry> entries = new ArrayList<>(content(family));
            long size = persistenceSize;
            if (family == Family.FEDORA_DRACUT) {
                entries.add(Ext4Entry.directory(FEDORA_PROFILES, 0755));
            }
            for (CreateRequest.Profile profile : request.profiles()) {
                entries.addAll(profileContent(family, profile.name()));
                targets.add(new Target(mainLabel, profile.name(), mainUuid, false));
                size = size < 0 ? -1 : size + profile.size();
            }
            stores.add(new Store("persistence", mainLabel, size, entries, mainUuid));
            notes.add("profiles " + String.join(", ", request.profiles().stream().map(CreateRequest.Profile::name).toList())
                    + " share the persistence partition with the default store (each its own directory)"
                    + (size < 0 ? "" : ": their sizes add to the partition's size") + " and they share its free space");
        } else {
            stores.add(new Store("persistence", mainLabel, persistenceSize, content(family), mainUuid));
        }
        if (request.home() > 0) {
            stores.add(new Store("home", HOME_LABEL, request.home(), homeContent(family), ids.uuid()));
        }
        if (!sharesOnePartition(family)) {
            for (CreateRequest.Profile profile : request.profiles()) {
                UUID uuid = ids.uuid();
                stores.add(new Store("profile:" + profile.name(), profile.name(), profile.size(), content(family), uuid));
                targets.add(new Target(profile.name(), COW_DIRECTORY, uuid, false));
            }
        }
        return new Decision(stores, recipe(live, targets, request.home() > 0), notes);
    }

    /** archiso (cow_directory=) and dracut (rd.live.overlay=<dev>:<path>) select a directory, so profiles need no partition. */
    private static boolean sharesOnePartition(Family family) {
        return family == Family.ARCH_ARCHISO || family == Family.SYSTEMRESCUE || family == Family.FEDORA_DRACUT;
    }

    private static List<Ext4Entry> profileContent(Family family, String name) {
        if (family == Family.FEDORA_DRACUT) {
            String dir = FEDORA_PROFILES + "/" + name;
            return List.of(Ext4Entry.directory(dir, 0755), Ext4Entry.directory(dir + "/overlay-persistent", 0755),
                    Ext4Entry.directory(dir + "/ovlwork", 0755));
        }
        return cowDirectory(name);
    }

    private static String fedoraOverlay(Target target) {
        return target.main() ? FEDORA_OVERLAY : FEDORA_PROFILES + "/" + target.directory() + "/overlay-persistent";
    }

    private static List<Ext4Entry> cowDirectory(String name) {
        // archiso itself makes <cow_directory> 0700 when it creates it; the same here
        return List.of(Ext4Entry.directory("/" + name, 0700), Ext4Entry.directory("/" + name + "/upperdir", 0755),
                Ext4Entry.directory("/" + name + "/workdir", 0755));
    }

    private static List<Ext4Entry> content(Family family) {
        return switch (family) {
            case FEDORA_DRACUT -> List.of(Ext4Entry.directory("/LiveOS", 0755),
                    Ext4Entry.directory(FEDORA_OVERLAY, 0755), Ext4Entry.directory("/LiveOS/ovlwork", 0755));
            case DEBIAN_LIVE -> List.of(Ext4Entry.file("/persistence.conf", 0644, "/ union\n"));
            case UBUNTU_CASPER -> List.of(Ext4Entry.directory("/upper", 0755), Ext4Entry.directory("/work", 0755));
            case ARCH_ARCHISO, SYSTEMRESCUE -> cowDirectory(COW_DIRECTORY);
            case UNKNOWN -> List.of();
        };
    }

    private static List<Ext4Entry> homeContent(Family family) {
        // live-boot reads persistence.conf on every volume it is given; "/home" binds <root>/home,
        // which it fills with the live /home the first time. dracut's livesys and casper mount the
        // filesystem itself on /home.
        return family == Family.DEBIAN_LIVE ? List.of(Ext4Entry.file("/persistence.conf", 0644, "/home\n")) : List.of();
    }

    private static PersistenceRecipe recipe(LiveFamily live, List<Target> targets, boolean home) {
        Family family = live.family();
        List<PersistenceRecipe.Profile> profiles = new ArrayList<>();
        for (Target store : targets) {
            boolean main = store.main();
            String suffix = main ? "persistent" : "persistent: "
                    + (sharesOnePartition(family) ? store.directory() : store.label());
            List<String> add = new ArrayList<>();
            List<String> remove = new ArrayList<>();
            switch (family) {
                case FEDORA_DRACUT -> {
                    add.add("rd.live.overlay=UUID=" + store.uuid() + ":" + fedoraOverlay(store));
                    add.add("rd.live.overlay.overlayfs");
                    if (home) {
                        add.add("persistenthome=LABEL=" + HOME_LABEL);
                    }
                    remove.add("nopersistenthome");
                }
                case DEBIAN_LIVE -> {
                    add.add("persistence");
                    if (!main || home) {
                        add.add("persistence-label=" + store.label() + (home ? "," + HOME_LABEL : ""));
                    }
                    remove.add("nopersistence");
                    if (main && !home) {
                        remove.add("persistence-label");
                    }
                }
                case UBUNTU_CASPER -> {
                    add.add("persistent");
                    remove.add("nopersistent");
                }
                case ARCH_ARCHISO, SYSTEMRESCUE -> {
                    add.add("cow_label=" + store.label());
                    add.add("cow_directory=" + store.directory());
                    remove.add("cow_device");
                }
                case UNKNOWN -> throw new IllegalStateException("no recipe for an unknown family");
            }
            profiles.add(new PersistenceRecipe.Profile(suffix, add, remove));
        }
        List<String> dropEverywhere = family == Family.FEDORA_DRACUT ? List.of("rd.live.check") : List.of();
        return new PersistenceRecipe(family.name().toLowerCase(Locale.ROOT), profiles, dropEverywhere);
    }
}
