package org.stickwright.engine.job;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What the user asked {@code stickwright create} (or the wizard) to make: one request, whatever
 * the front end. Sizes are in bytes; 0 means "none". The default persistence store is
 * {@code persistence}; {@code profiles} are further named stores, each with its own boot entry.
 *
 * <p>{@code seed} makes every identifier (filesystem UUIDs and serials, GPT GUIDs) and every
 * timestamp the job writes reproducible: the same request on the same image gives the same
 * bytes. Without it identifiers are random and timestamps are the current time.
 */
public record CreateRequest(Path image, Mode mode, long persistence, long home, List<Profile> profiles, String label,
        DataFs dataFs, boolean gpt, boolean keepPersistence, Path syslinuxDir, boolean verify, OptionalLong seed) {

    /** Design §1: hybrid keeps the ISO's own boot chain; extract copies its files onto FAT32. */
    public enum Mode {
        HYBRID, EXTRACT;

        public String cliName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What fills the rest of a hybrid stick after the persistence partitions. */
    public enum DataFs {
        FAT32, EXFAT, NONE
    }

    /** A named persistence store besides the default one. */
    public record Profile(String name, long size) {
        public Profile {
            Objects.requireNonNull(name, "name");
        }
    }

    public CreateRequest {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(dataFs, "dataFs");
        profiles = List.copyOf(profiles);
        seed = seed == null ? OptionalLong.empty() : seed;
    }

    /** A hybrid request with only a default store: the common case, and a start for tests. */
    public static CreateRequest hybrid(Path image, long persistence) {
        return new CreateRequest(image, Mode.HYBRID, persistence, 0, List.of(), null, DataFs.FAT32, false, false, null,
                true, OptionalLong.empty());
    }

    public CreateRequest withMode(Mode newMode) {
        return new CreateRequest(image, newMode, persistence, home, profiles, label, dataFs, gpt, keepPersistence,
                syslinuxDir, verify, seed);
    }

    public CreateRequest withHome(long bytes) {
        return new CreateRequest(image, mode, persistence, bytes, profiles, label, dataFs, gpt, keepPersistence,
                syslinuxDir, verify, seed);
    }

    public CreateRequest withProfiles(List<Profile> newProfiles) {
        return new CreateRequest(image, mode, persistence, home, newProfiles, label, dataFs, gpt, keepPersistence,
                syslinuxDir, verify, seed);
    }

    public CreateRequest withLabel(String newLabel) {
        return new CreateRequest(image, mode, persistence, home, profiles, newLabel, dataFs, gpt, keepPersistence,
                syslinuxDir, verify, seed);
    }

    public CreateRequest withDataFs(DataFs newDataFs) {
        return new CreateRequest(image, mode, persistence, home, profiles, label, newDataFs, gpt, keepPersistence,
                syslinuxDir, verify, seed);
    }

    public CreateRequest withGpt(boolean newGpt) {
        return new CreateRequest(image, mode, persistence, home, profiles, label, dataFs, newGpt, keepPersistence,
                syslinuxDir, verify, seed);
    }

    public CreateRequest withKeepPersistence(boolean keep) {
        return new CreateRequest(image, mode, persistence, home, profiles, label, dataFs, gpt, keep, syslinuxDir,
                verify, seed);
    }

    public CreateRequest withSyslinuxDir(Path dir) {
        return new CreateRequest(image, mode, persistence, home, profiles, label, dataFs, gpt, keepPersistence, dir,
                verify, seed);
    }

    public CreateRequest withVerify(boolean newVerify) {
        return new CreateRequest(image, mode, persistence, home, profiles, label, dataFs, gpt, keepPersistence,
                syslinuxDir, newVerify, seed);
    }

    public CreateRequest withSeed(long newSeed) {
        return new CreateRequest(image, mode, persistence, home, profiles, label, dataFs, gpt, keepPersistence,
                syslinuxDir, verify, OptionalLong.of(newSeed));
    }

    /** The identifiers and clock this request's job must use (see {@code seed}). */
    public Identifiers identifiers() {
        return seed.isPresent() ? Identifiers.seeded(seed.getAsLong()) : Identifiers.random();
    }
}
